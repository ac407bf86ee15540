// The inspector tree view (view id stui.inspector): shows src/inspector.ts's model and pages
// into object handles with stui/inspect.

import * as vscode from 'vscode';
import { Inspector, type InspectorNode, type MoreNode } from './inspector';
import { Method, type InspectParams, type InspectResult } from './protocol';

/** What the view needs from the server. */
export interface InspectServer {
  request<R>(method: string, params: unknown): Promise<R>;
}

export class InspectorView implements vscode.TreeDataProvider<InspectorNode>, vscode.Disposable {
  readonly model: Inspector;
  private readonly changed = new vscode.EventEmitter<InspectorNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly view: vscode.TreeView<InspectorNode>;

  constructor(server: InspectServer) {
    this.model = new Inspector((params: InspectParams) => server.request<InspectResult>(Method.inspect, params));
    this.view = vscode.window.createTreeView('stui.inspector', { treeDataProvider: this, showCollapseAll: true });
  }

  /** Adds an Inspect It answer as the top root and shows the view. */
  async show(uri: string, result: InspectResult, label: string): Promise<void> {
    this.model.add(uri, result, label);
    this.changed.fire(undefined);
    await vscode.commands.executeCommand('stui.inspector.focus');
  }

  async refresh(): Promise<void> {
    await this.model.refresh();
    this.changed.fire(undefined);
  }

  clear(): void {
    this.model.clear();
    this.changed.fire(undefined);
  }

  async loadMore(node: MoreNode): Promise<void> {
    const parent = await this.model.loadMore(node);
    this.changed.fire(parent);
  }

  getTreeItem(node: InspectorNode): vscode.TreeItem {
    const shown = this.model.presentation(node);
    const state = this.model.expandable(node) ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None;
    const item = new vscode.TreeItem(shown.label, state);
    item.description = shown.description;
    item.tooltip = shown.tooltip;
    item.contextValue = node.kind;
    if (node.kind === 'more') {
      item.command = { title: 'Load more', command: 'stui.inspector.loadMore', arguments: [node] };
    }
    return item;
  }

  getChildren(node?: InspectorNode): Promise<InspectorNode[]> | InspectorNode[] {
    if (!node) {
      return [...this.model.roots];
    }
    return this.model.children(node).catch((err: unknown) => {
      const message = err instanceof Error ? err.message : String(err);
      void vscode.window.showErrorMessage(`STUI: cannot inspect ${this.model.presentation(node).label}: ${message}. Inspect the code again; the image may have restarted (its handles are gone).`);
      return [];
    });
  }

  dispose(): void {
    this.view.dispose();
    this.changed.dispose();
  }
}
