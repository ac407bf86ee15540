// The built stui-lsp driven through vscode-languageclient's protocol layer (no VS Code:
// it cannot be downloaded here), against the fake image. editors/e2e_test.go builds the
// server, starts the image and runs this file with STUI_LSP, STUI_ENDPOINT,
// STUI_TOKEN_FILE and STUI_WORKSPACE set; without them it is skipped.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import {
  createProtocolConnection,
  ExecuteCommandRequest,
  InitializeRequest,
  type ProtocolConnection,
  ResponseError,
  StreamMessageReader,
  StreamMessageWriter,
  type TextEdit,
  type WorkspaceEdit,
} from 'vscode-languageserver-protocol/node';
import { evalFailure, insertedRange } from '../src/evaluation';
import { Inspector } from '../src/inspector';
import { Method, ServerCommand, type EvalErrorData, type InspectParams, type InspectResult, type Range, type StatusParams } from '../src/protocol';
import { presentStatus } from '../src/status';
import { offsetAt } from '../src/text';

const env = process.env;
const skip = env.STUI_LSP ? false : 'STUI_LSP is not set: editors/e2e_test.go runs this test against the built server';
const deadline = 20000;

/** What the client saw; `changed` fires on every message, so tests wait on conditions. */
class Seen extends EventEmitter {
  docs = new Map<string, { text: string; version: number }>();
  statuses: StatusParams[] = [];
  diagnostics = new Map<string, { message: string; range: Range }[]>();
  messages: string[] = [];
  registrations: { method: string; registerOptions?: unknown }[] = [];

  /** Resolves with pred's answer once it is truthy; rejects after ms. */
  until<T>(what: string, pred: () => T | undefined | false, ms = deadline): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const v = pred();
        if (v) {
          clearTimeout(timer);
          this.off('changed', check);
          resolve(v);
        }
      };
      const timer = setTimeout(() => {
        this.off('changed', check);
        reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
      }, ms);
      this.on('changed', check);
      check();
    });
  }
}

function applyEdits(text: string, edits: TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => offsetAt(text, b.range.start) - offsetAt(text, a.range.start));
  for (const e of sorted) {
    text = text.slice(0, offsetAt(text, e.range.start)) + e.newText + text.slice(offsetAt(text, e.range.end));
  }
  return text;
}

let server: ChildProcess;
let conn: ProtocolConnection;
let stderr = '';
const seen = new Seen();
const folder = env.STUI_WORKSPACE ?? '';
const folderUri = pathToFileURL(folder).toString();
const settings = { endpoint: env.STUI_ENDPOINT, tokenFile: env.STUI_TOKEN_FILE, deadlines: { evaluate: 10000 } };
let capabilities: Record<string, any> = {};

function open(name: string, text: string): string {
  const uri = pathToFileURL(`${folder}/${name}`).toString();
  seen.docs.set(uri, { text, version: 1 });
  void conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'smalltalk', version: 1, text } });
  return uri;
}

function whole(text: string): Range {
  const lines = text.split('\n');
  return { start: { line: 0, character: 0 }, end: { line: lines.length - 1, character: lines[lines.length - 1].length } };
}

before(async () => {
  if (skip) {
    return;
  }
  server = spawn(env.STUI_LSP as string, [], { stdio: ['pipe', 'pipe', 'pipe'] });
  server.stderr?.on('data', (d) => (stderr += d.toString()));
  conn = createProtocolConnection(new StreamMessageReader(server.stdout!), new StreamMessageWriter(server.stdin!));
  conn.onRequest('workspace/configuration', (p: { items: unknown[] }) => p.items.map(() => settings));
  conn.onRequest('client/registerCapability', (p: { registrations: { method: string; registerOptions?: unknown }[] }) => {
    seen.registrations.push(...p.registrations);
    seen.emit('changed');
    return null;
  });
  conn.onRequest('window/workDoneProgress/create', () => null);
  conn.onRequest('workspace/applyEdit', (p: { edit: WorkspaceEdit }) => {
    for (const [uri, edits] of Object.entries(p.edit.changes ?? {})) {
      const doc = seen.docs.get(uri);
      if (!doc) {
        return { applied: false, failureReason: `${uri} is not open` };
      }
      doc.text = applyEdits(doc.text, edits);
      doc.version++;
      void conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: doc.version }, contentChanges: [{ text: doc.text }] });
    }
    seen.emit('changed');
    return { applied: true };
  });
  conn.onNotification(Method.status, (p: StatusParams) => {
    seen.statuses.push(p);
    seen.emit('changed');
  });
  conn.onNotification('textDocument/publishDiagnostics', (p: { uri: string; diagnostics: { message: string; range: Range }[] }) => {
    seen.diagnostics.set(p.uri, p.diagnostics);
    seen.emit('changed');
  });
  conn.onNotification('window/showMessage', (p: { message: string }) => {
    seen.messages.push(p.message);
    seen.emit('changed');
  });
  conn.listen();
  const init = await conn.sendRequest(InitializeRequest.type, {
    processId: process.pid,
    rootUri: folderUri,
    workspaceFolders: [{ uri: folderUri, name: 'w' }],
    initializationOptions: settings,
    capabilities: {
      workspace: { configuration: true, applyEdit: true, workspaceFolders: true, didChangeWatchedFiles: { dynamicRegistration: true } },
      window: { workDoneProgress: true },
      experimental: { stui: { inspector: true } },
    },
  });
  capabilities = init.capabilities as Record<string, any>;
  await conn.sendNotification('initialized', {});
});

after(async () => {
  if (skip) {
    return;
  }
  const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
  await conn.sendRequest('shutdown');
  await conn.sendNotification('exit');
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`stui-lsp did not exit within ${deadline} ms of exit`)), deadline);
  });
  const code = await Promise.race([exited, timeout]).finally(() => clearTimeout(timer));
  conn.dispose();
  assert.equal(code, 0, `stui-lsp exited with ${code}; stderr:\n${stderr}`);
});

test('stui-lsp advertises every STUI command', { skip }, () => {
  const commands: string[] = capabilities.executeCommandProvider?.commands ?? [];
  for (const c of Object.values(ServerCommand)) {
    assert.ok(commands.includes(c), `${c} missing from ${JSON.stringify(commands)}`);
  }
});

test('stui-lsp registers a watcher for the Smalltalk files, as vscode-languageclient expects', { skip }, async () => {
  const reg = await seen.until('client/registerCapability for workspace/didChangeWatchedFiles', () =>
    seen.registrations.find((r) => r.method === 'workspace/didChangeWatchedFiles'),
  );
  assert.deepEqual(reg.registerOptions, { watchers: [{ globPattern: '**/*.st' }] });
});

test('Print it inserts " 7" after 3 + 4, where the extension selects it', { skip }, async () => {
  const uri = open('print.st', '3 + 4');
  const range = whole('3 + 4');
  const result = await conn.sendRequest(ExecuteCommandRequest.type, { command: ServerCommand.printIt, arguments: [{ uri, range }] });
  const doc = seen.docs.get(uri)!;
  assert.equal(doc.text, '3 + 4 7');
  assert.deepEqual(insertedRange(doc.text, range, result), { start: { line: 0, character: 5 }, end: { line: 0, character: 7 } });
});

test('the folder session reports connected through stui/status', { skip }, async () => {
  // The server names the folder by path or by URI; the status bar takes either.
  const ours = (p: StatusParams) => p.folder === folder || p.folder === folderUri;
  await seen.until(`a connected stui/status for ${folder}`, () => seen.statuses.find((p) => ours(p) && p.state === 'connected')).catch((e: Error) => {
    throw new Error(`${e.message}; got ${JSON.stringify(seen.statuses)}`);
  });
});

test('Inspect it answers slots the inspector model pages into with stui/inspect', { skip }, async () => {
  const uri = open('inspect.st', 'OrderedCollection new add: 10; add: 20; add: 30; yourself');
  const result = (await conn.sendRequest(ExecuteCommandRequest.type, {
    command: ServerCommand.inspect,
    arguments: [{ uri, range: whole(seen.docs.get(uri)!.text) }],
  })) as InspectResult;
  assert.ok(result.class_name, `no class in ${JSON.stringify(result)}`);
  const pages: InspectParams[] = [];
  const inspector = new Inspector(async (p) => {
    pages.push(p);
    return conn.sendRequest<InspectResult>(Method.inspect, p);
  });
  const root = inspector.add(uri, result);
  const slots = await inspector.children(root);
  assert.ok(slots.length > 0, 'the inspection has slots');
  const drill = slots.find((s) => inspector.expandable(s));
  assert.ok(drill, 'a slot has a handle');
  const inner = await inspector.children(drill);
  assert.equal(pages.length, 1, 'expanding a slot asks stui/inspect once');
  assert.equal(pages[0].uri, uri);
  assert.ok(inner.length > 0, `the slot's object has slots: ${JSON.stringify(inner)}`);
});

test('an endless Do it reports evaluating, and stui.interrupt stops it', { skip }, async () => {
  const code = '[true] whileTrue'; // testdata/protocol/evaluate/error-interrupted.json
  const uri = open('loop.st', code);
  const from = seen.statuses.length;
  const pending = conn
    .sendRequest(ExecuteCommandRequest.type, { command: ServerCommand.doIt, arguments: [{ uri, range: whole(code) }] })
    .then(() => assert.fail('the endless loop finished'), (e: unknown) => e);
  const evaluating = await seen.until('stui/status evaluating', () => seen.statuses.slice(from).find((p) => p.state === 'evaluating'));
  assert.equal(presentStatus(evaluating).action, 'interrupt', 'the status bar item interrupts');
  // stui-lsp stops an evaluation it read before the interrupt even when the image has not
  // started it yet: one interrupt is enough.
  const r = (await conn.sendRequest(ExecuteCommandRequest.type, { command: ServerCommand.interrupt, arguments: [{ uri }] })) as { interrupted?: boolean };
  assert.equal(r?.interrupted, true, `stui.interrupt answered ${JSON.stringify(r)}`);
  const err = await pending;
  assert.ok(err instanceof ResponseError, `not a ResponseError: ${err}`);
  const failure = evalFailure(err, code, whole(code));
  assert.equal(failure.type, 'Interrupted', err.message);
  assert.ok(failure.stack.length > 0, `no stack in ${JSON.stringify(err.data)}`);
  assert.deepEqual(failure.range, whole(code), 'an Interrupted error covers the evaluated code');
  await seen.until('stui/status connected after the interrupt', () => seen.statuses.slice(from).some((p, i, all) => p.state === 'connected' && all.slice(0, i).some((q) => q.state === 'evaluating')));
});

test('a syntax error fails Print it and says where', { skip }, async () => {
  const uri = open('syntax.st', '3 +');
  const range = whole('3 +');
  const err = await conn.sendRequest(ExecuteCommandRequest.type, { command: ServerCommand.printIt, arguments: [{ uri, range }] }).then(
    () => assert.fail('Print it of "3 +" succeeded'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ResponseError, `not a ResponseError: ${err}`);
  const failure = evalFailure(err, '3 +', range);
  assert.equal(failure.type, 'SyntaxError', err.message);
  // The server's range: just past the operator, where an expression was expected.
  assert.deepEqual((err.data as EvalErrorData | undefined)?.range, { start: { line: 0, character: 3 }, end: { line: 0, character: 3 } });
  assert.deepEqual(failure.range, { start: { line: 0, character: 3 }, end: { line: 0, character: 3 } });
  assert.equal(seen.docs.get(uri)!.text, '3 +', 'nothing was inserted');
});
