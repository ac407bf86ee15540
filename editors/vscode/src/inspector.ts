// The inspector's model, without `vscode`: a tree of objects the image answered, paged
// into with stui/inspect. src/inspectorView.ts shows it as a VS Code tree view.

import type { InspectParams, InspectResult, Slot, Value } from './protocol';

/** Asks the server for one page of an object (stui/inspect). */
export type InspectFetch = (params: InspectParams) => Promise<InspectResult>;

/** An object node: an inspected root or one of its slots. */
export interface ObjectNode {
  kind: 'object';
  /** The document whose session owns the handle. */
  uri: string;
  /** "self" for a root, the slot's name, or "[i]" (1-based, as Smalltalk indexes). */
  label: string;
  value: Value;
  /** The loaded page of this object; undefined until it is expanded. */
  page?: InspectResult;
  /** Indexed slots loaded so far, in order. */
  indexed: Slot[];
}

/** The node that loads the next page of an object's indexed slots. */
export interface MoreNode {
  kind: 'more';
  parent: ObjectNode;
  /** How many indexed slots remain unloaded. */
  remaining: number;
}

export type InspectorNode = ObjectNode | MoreNode;

export class Inspector {
  private readonly rootNodes: ObjectNode[] = [];

  constructor(
    private readonly fetch: InspectFetch,
    private readonly pageSize = 100,
  ) {}

  get roots(): readonly ObjectNode[] {
    return this.rootNodes;
  }

  /** Adds an object answered by Inspect It as the newest root and answers its node. */
  add(uri: string, result: InspectResult, label = 'self'): ObjectNode {
    const node: ObjectNode = { kind: 'object', uri, label, value: result, page: result, indexed: [...(result.indexed_slots ?? [])] };
    this.rootNodes.unshift(node);
    return node;
  }

  /** Removes every root. */
  clear(): void {
    this.rootNodes.length = 0;
  }

  /** Whether node can be expanded: an object with a handle, or a root. */
  expandable(node: InspectorNode): boolean {
    return node.kind === 'object' && (node.value.handle !== undefined && node.value.handle !== '');
  }

  /** The children of node: named slots, the loaded indexed slots, and a "more" node. */
  async children(node: InspectorNode): Promise<InspectorNode[]> {
    if (node.kind !== 'object' || !this.expandable(node)) {
      return [];
    }
    if (!node.page) {
      node.page = await this.fetch({ uri: node.uri, handle: node.value.handle, offset: 0, count: this.pageSize });
      node.indexed = [...(node.page.indexed_slots ?? [])];
    }
    const named = (node.page.named_slots ?? []).map((s) => this.slotNode(node.uri, s.name ?? '?', s));
    const indexed = node.indexed.map((s, i) => this.slotNode(node.uri, `[${s.index ?? i + 1}]`, s));
    const remaining = node.page.indexed_size - node.indexed.length;
    const more: MoreNode[] = remaining > 0 ? [{ kind: 'more', parent: node, remaining }] : [];
    return [...named, ...indexed, ...more];
  }

  /** Loads the next page of more's object; answers the object node to refresh. */
  async loadMore(more: MoreNode): Promise<ObjectNode> {
    const parent = more.parent;
    const page = await this.fetch({ uri: parent.uri, handle: parent.value.handle, offset: parent.indexed.length, count: this.pageSize });
    parent.indexed.push(...(page.indexed_slots ?? []));
    if (parent.page) {
      parent.page.indexed_size = page.indexed_size;
    }
    return parent;
  }

  /**
   * Forgets every loaded page so the next expansion asks the image again, and fetches each
   * root anew (its print string may have changed).
   */
  async refresh(): Promise<void> {
    await Promise.all(
      this.rootNodes.map(async (root) => {
        if (!root.value.handle) {
          return;
        }
        const page = await this.fetch({ uri: root.uri, handle: root.value.handle, offset: 0, count: this.pageSize });
        root.value = page;
        root.page = page;
        root.indexed = [...(page.indexed_slots ?? [])];
      }),
    );
  }

  /** The text "copy print string" puts on the clipboard. */
  printString(node: InspectorNode): string {
    return node.kind === 'object' ? node.value.print_string : '';
  }

  /** The label and description a view shows for node. */
  presentation(node: InspectorNode): { label: string; description: string; tooltip: string } {
    if (node.kind === 'more') {
      return { label: `… ${node.remaining} more`, description: '', tooltip: 'Load the next page of indexed slots' };
    }
    const v = node.value;
    const cut = v.truncated ? ' …' : '';
    return { label: node.label, description: `${v.print_string}${cut}`, tooltip: `${v.class_name}: ${v.print_string}${cut}` };
  }

  private slotNode(uri: string, label: string, slot: Slot): ObjectNode {
    return { kind: 'object', uri, label, value: slot, indexed: [] };
  }
}
