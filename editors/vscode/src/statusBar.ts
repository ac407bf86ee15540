// One status bar item per folder session, fed by stui/status notifications.

import * as vscode from 'vscode';
import type { StatusParams } from './protocol';
import { presentStatus, type StatusAction } from './status';

const commandOf: Record<StatusAction, string> = {
  restartSession: 'stui.client.restartSession',
  interrupt: 'stui.client.interrupt',
  showOutput: 'stui.showOutput',
};

export class StatusBar implements vscode.Disposable {
  /** Items by folder URI; the empty key is the server's own item (failed or stopped). */
  private readonly items = new Map<string, vscode.StatusBarItem>();

  /** Shows a folder session's new state. */
  update(status: StatusParams): void {
    this.drop('');
    const folders = vscode.workspace.workspaceFolders ?? [];
    // The server names the folder by path or URI.
    const folder = folders.find((f) => f.uri.toString() === status.folder || f.uri.fsPath === status.folder);
    const shown = presentStatus(status, folders.length > 1 ? folder?.name ?? status.folder : undefined);
    const item = this.item(status.folder);
    item.text = shown.text;
    item.tooltip = shown.tooltip;
    item.command = { title: shown.tooltip, command: commandOf[shown.action], arguments: [{ folder: status.folder }] };
    item.backgroundColor = shown.error ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    item.show();
  }

  /** The server is starting: one item until the first folder session reports. */
  starting(version: string): void {
    this.clear();
    const item = this.item('');
    item.text = '$(sync~spin) Pharo';
    item.tooltip = `STUI: ${version} is starting; it connects to the image when a Smalltalk file opens. Click to show the output.`;
    item.command = 'stui.showOutput';
    item.backgroundColor = undefined;
    item.show();
  }

  /** The server could not start: one item saying why, a click restarts it. */
  serverFailed(reason: string): void {
    this.clear();
    const item = this.item('');
    item.text = '$(error) STUI';
    item.tooltip = `STUI: ${reason} Click to restart the server.`;
    item.command = 'stui.restartServer';
    item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
    item.show();
  }

  /** The server stopped: every folder session is gone. */
  serverStopped(): void {
    this.serverFailed('stui-lsp stopped.');
  }

  dispose(): void {
    this.clear();
  }

  private item(key: string): vscode.StatusBarItem {
    let item = this.items.get(key);
    if (!item) {
      item = vscode.window.createStatusBarItem(`stui.status${key ? '.' + key : ''}`, vscode.StatusBarAlignment.Left, 10);
      item.name = 'STUI';
      this.items.set(key, item);
    }
    return item;
  }

  private drop(key: string): void {
    this.items.get(key)?.dispose();
    this.items.delete(key);
  }

  private clear(): void {
    for (const item of this.items.values()) {
      item.dispose();
    }
    this.items.clear();
  }
}
