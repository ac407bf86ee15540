// The STUI extension: starts stui-lsp for Smalltalk files and binds the editor to it.
// Start reading at activate; the client lives in Server, the commands in commands.ts.

import * as vscode from 'vscode';
import {
  type ClientCapabilities,
  ExecuteCommandRequest,
  LanguageClient,
  type LanguageClientOptions,
  type ServerOptions,
  State,
  type StaticFeature,
} from 'vscode-languageclient/node';
import { checkVersion, findServer } from './bootstrap';
import { registerCommands } from './commands';
import { serverOptions } from './config';
import { InspectorView } from './inspectorView';
import { Method, type EvalArgs, type StatusParams } from './protocol';
import { StatusBar } from './statusBar';

/** The running extension's server, stopped by deactivate. */
let active: Server | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel('STUI');
  const trace = vscode.window.createOutputChannel('STUI Trace');
  const status = new StatusBar();
  const server = new Server(output, trace, status);
  active = server;
  const inspector = new InspectorView(server);
  context.subscriptions.push(output, trace, status, server, inspector);
  registerCommands(context, server, inspector);
  void vscode.commands.executeCommand('setContext', 'stui.active', true);
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      // The server reads its own keys again by itself; the binary needs a restart.
      if (e.affectsConfiguration('stui.server.path')) {
        void vscode.window.showInformationMessage('STUI: stui.server.path changed.', 'Restart Server').then((choice) => {
          if (choice) {
            void server.restart();
          }
        });
      }
    }),
  );
  await server.start();
}

/** Stops stui-lsp (shutdown, exit) before VS Code unloads the extension. */
export function deactivate(): Promise<void> | undefined {
  const server = active;
  active = undefined;
  return server?.dispose();
}

/**
 * Tells stui-lsp that this client has its own inspector (the tree view), so Inspect It
 * answers the inspection instead of opening it as a text document.
 */
const inspectorCapability: StaticFeature = {
  fillClientCapabilities(capabilities: ClientCapabilities): void {
    capabilities.experimental = { ...(capabilities.experimental as object | undefined), stui: { inspector: true } };
  },
  initialize(): void {},
  getState: () => ({ kind: 'static' }),
  clear(): void {},
};

/** Owns the language client: starts it, restarts it, and sends it STUI's requests. */
export class Server implements vscode.Disposable {
  private client: LanguageClient | undefined;
  /** Why the server is not running, for messages; undefined while it runs. */
  private failure: string | undefined = 'starting';

  constructor(
    readonly output: vscode.OutputChannel,
    private readonly trace: vscode.OutputChannel,
    private readonly status: StatusBar,
  ) {}

  /** Finds and checks the binary, then starts the client. Failures are shown, not thrown. */
  async start(): Promise<void> {
    const config = vscode.workspace.getConfiguration('stui');
    try {
      const path = findServer(config.get<string | null>('server.path'));
      const version = await checkVersion(path);
      this.output.appendLine(`Starting ${path} (${version})`);
      this.status.starting(version);
      const run: ServerOptions = { command: path, args: [] };
      const clientOptions: LanguageClientOptions = {
        documentSelector: [
          { scheme: 'file', language: 'smalltalk' },
          { scheme: 'untitled', language: 'smalltalk' },
        ],
        synchronize: { configurationSection: 'stui' },
        initializationOptions: serverOptions((key) => config.get(key)),
        outputChannel: this.output,
        traceOutputChannel: this.trace,
      };
      const client = new LanguageClient('stui', 'STUI', run, clientOptions);
      client.registerFeature(inspectorCapability);
      client.onDidChangeState((e) => {
        if (e.newState === State.Stopped) {
          this.status.serverStopped();
        }
      });
      client.onNotification(Method.status, (params: StatusParams) => this.status.update(params));
      this.client = client;
      await client.start();
      this.failure = undefined;
    } catch (err) {
      this.failure = err instanceof Error ? err.message : String(err);
      this.client = undefined;
      this.output.appendLine(`STUI: ${this.failure}`);
      this.status.serverFailed(this.failure);
      void vscode.window.showErrorMessage(`STUI: ${this.failure}`, 'Open Settings', 'Show Output').then((choice) => {
        if (choice === 'Open Settings') {
          void vscode.commands.executeCommand('workbench.action.openSettings', 'stui.server');
        } else if (choice === 'Show Output') {
          this.output.show();
        }
      });
    }
  }

  /** Stops the client and the server process, then starts them again. */
  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** Runs a stui-lsp command with one argument; rejects with the server's ResponseError. */
  async execute(command: string, args: EvalArgs | { uri: string }, token?: vscode.CancellationToken): Promise<unknown> {
    return this.running().sendRequest(ExecuteCommandRequest.type, { command, arguments: [args] }, token);
  }

  /** Sends a custom request (stui/inspect). */
  async request<R>(method: string, params: unknown): Promise<R> {
    return this.running().sendRequest<R>(method, params);
  }

  async dispose(): Promise<void> {
    await this.stop();
  }

  private running(): LanguageClient {
    if (!this.client || !this.client.isRunning()) {
      throw new Error(`stui-lsp is not running (${this.failure ?? 'it stopped'}). Fix that, then run "STUI: Restart Server".`);
    }
    return this.client;
  }

  private async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.failure = 'stopped';
    if (client?.needsStop()) {
      await client.stop();
    }
  }
}
