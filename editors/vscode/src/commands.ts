// The STUI commands (category STUI in package.json). Evaluation commands send the server's
// stui.printIt / stui.doIt / stui.inspect with {uri, range}; while the image works the code
// is dimmed and a cancellable progress notification interrupts it.

import * as vscode from 'vscode';
import { ResponseError } from 'vscode-languageclient/node';
import { dimmedRange, evalFailure, formatStack, insertedRange, inspectionLabel } from './evaluation';
import type { Server } from './extension';
import type { MoreNode, InspectorNode } from './inspector';
import type { InspectorView } from './inspectorView';
import { ServerCommand, type InspectResult, type Range } from './protocol';

type Evaluation = 'printIt' | 'doIt' | 'inspect';

const titles: Record<Evaluation, string> = { printIt: 'Print It', doIt: 'Do It', inspect: 'Inspect It' };

export function registerCommands(context: vscode.ExtensionContext, server: Server, inspector: InspectorView): void {
  const diagnostics = vscode.languages.createDiagnosticCollection('stui-evaluation');
  const dim = vscode.window.createTextEditorDecorationType({ opacity: '0.5' });
  const evaluator = new Evaluator(server, inspector, diagnostics, dim);
  const register = (id: string, run: (...args: any[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, run));

  context.subscriptions.push(
    diagnostics,
    dim,
    // An evaluation's error no longer points at the right text once the document changes.
    vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.contentChanges.length > 0) {
        diagnostics.delete(e.document.uri);
      }
    }),
  );
  register('stui.client.printIt', () => evaluator.run('printIt'));
  register('stui.client.doIt', () => evaluator.run('doIt'));
  register('stui.client.inspect', () => evaluator.run('inspect'));
  register('stui.client.interrupt', (arg?: SessionArg) => sessionCommand(server, ServerCommand.interrupt, arg));
  register('stui.client.restartSession', (arg?: SessionArg) => sessionCommand(server, ServerCommand.restartSession, arg));
  register('stui.restartServer', () => server.restart());
  register('stui.showOutput', () => server.output.show());
  register('stui.inspector.refresh', () => inspector.refresh().catch(showError));
  register('stui.inspector.clear', () => inspector.clear());
  register('stui.inspector.loadMore', (node: MoreNode) => inspector.loadMore(node).catch(showError));
  register('stui.inspector.copyPrintString', (node?: InspectorNode) => {
    const target = node ?? inspector.model.roots[0];
    return target ? vscode.env.clipboard.writeText(inspector.model.printString(target)) : undefined;
  });
}

function showError(err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  void vscode.window.showErrorMessage(`STUI: ${message}`);
}

/** A session command's argument: a document, or a folder (path or URI) from the status bar. */
type SessionArg = { uri?: string; folder?: string };

/**
 * The document the command is about: the argument's; for a folder, an open Smalltalk
 * document in it (the server finds the session by document); else the active editor's.
 */
function targetUri(arg?: SessionArg): string | undefined {
  if (arg?.uri) {
    return arg.uri;
  }
  const editor = vscode.window.activeTextEditor;
  const active = editor?.document.languageId === 'smalltalk' ? editor.document : undefined;
  if (arg?.folder) {
    const folder = arg.folder.includes('://') ? vscode.Uri.parse(arg.folder).fsPath : arg.folder;
    const inFolder = (d: vscode.TextDocument) => d.languageId === 'smalltalk' && d.uri.fsPath.startsWith(folder);
    const doc = active && inFolder(active) ? active : vscode.workspace.textDocuments.find(inFolder);
    return doc?.uri.toString();
  }
  return active?.uri.toString();
}

async function sessionCommand(server: Server, command: string, arg?: SessionArg): Promise<void> {
  const uri = targetUri(arg);
  if (!uri) {
    void vscode.window.showWarningMessage('STUI: open a Smalltalk (.st) file of the folder whose session you mean.');
    return;
  }
  try {
    await server.execute(command, { uri });
  } catch (err) {
    showError(err);
  }
}

function toRange(r: vscode.Range): Range {
  return { start: { line: r.start.line, character: r.start.character }, end: { line: r.end.line, character: r.end.character } };
}

function fromRange(r: Range): vscode.Range {
  return new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
}

class Evaluator {
  constructor(
    private readonly server: Server,
    private readonly inspector: InspectorView,
    private readonly diagnostics: vscode.DiagnosticCollection,
    private readonly dim: vscode.TextEditorDecorationType,
  ) {}

  async run(kind: Evaluation): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    if (!editor || editor.document.languageId !== 'smalltalk') {
      void vscode.window.showWarningMessage(`STUI: ${titles[kind]} works in a Smalltalk (.st) editor: open one and select the code.`);
      return;
    }
    const document = editor.document;
    const uri = document.uri.toString();
    const range = toRange(editor.selection);
    const before = document.getText();
    this.diagnostics.delete(document.uri);
    editor.setDecorations(this.dim, [fromRange(dimmedRange(before, range))]);
    try {
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `STUI: ${titles[kind]}…`, cancellable: true },
        (_progress, token) => {
          token.onCancellationRequested(() => {
            this.server.execute(ServerCommand.interrupt, { uri }).catch(showError);
          });
          return this.server.execute(ServerCommand[kind], { uri, range });
        },
      );
      if (kind === 'printIt') {
        // The server inserted the print string with workspace/applyEdit before answering.
        const inserted = insertedRange(document.getText(), range, result);
        if (inserted && vscode.window.activeTextEditor === editor) {
          const r = fromRange(inserted);
          editor.selection = new vscode.Selection(r.start, r.end);
          editor.revealRange(r);
        }
      } else if (kind === 'inspect') {
        await this.inspector.show(uri, result as InspectResult, inspectionLabel(before, range));
      }
    } catch (err) {
      this.failed(document, before, range, err);
    } finally {
      editor.setDecorations(this.dim, []);
    }
  }

  private failed(document: vscode.TextDocument, before: string, range: Range, err: unknown): void {
    if (!(err instanceof ResponseError)) {
      showError(err);
      return;
    }
    const failure = evalFailure(err, before, range);
    const diagnostic = new vscode.Diagnostic(fromRange(failure.range), failure.message, vscode.DiagnosticSeverity.Error);
    diagnostic.source = 'stui';
    diagnostic.code = failure.type;
    this.diagnostics.set(document.uri, [diagnostic]);
    void vscode.window.showErrorMessage(`STUI: ${failure.type}: ${failure.message}`, 'Show stack').then(async (choice) => {
      if (choice === 'Show stack') {
        const doc = await vscode.workspace.openTextDocument({ content: formatStack(failure), language: 'plaintext' });
        await vscode.window.showTextDocument(doc, { preview: true, viewColumn: vscode.ViewColumn.Beside });
      }
    });
  }
}
