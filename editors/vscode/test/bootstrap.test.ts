import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkVersion, findServer, ServerNotFound } from '../src/bootstrap';

function script(dir: string, name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

const unix = process.platform !== 'win32';

test('a configured path that is missing says to fix the setting', () => {
  assert.throws(() => findServer('/nonexistent/stui-lsp', {}), (e: Error) => e instanceof ServerNotFound && /stui\.server\.path.*Fix the setting/.test(e.message));
});

test('stui-lsp is found on PATH, and its absence says how to install it', { skip: !unix && 'needs sh' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'stui-'));
  const empty = mkdtempSync(join(tmpdir(), 'stui-'));
  const bin = script(dir, 'stui-lsp', 'echo stui-lsp v1');
  assert.equal(findServer(null, { PATH: `${empty}:${dir}` }), bin);
  assert.equal(findServer(bin, {}), bin, 'a configured path wins');
  assert.throws(() => findServer(undefined, { PATH: empty }), /not found on PATH.*go install github\.com\/stui-dev\/stui\/cmd\/stui-lsp@latest.*stui\.server\.path/);
});

test('checkVersion answers the first line of --version', { skip: !unix && 'needs sh' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stui-'));
  const bin = script(dir, 'stui-lsp', '[ "$1" = --version ] && printf "stui-lsp v0.1.0\\ngo1.26\\n"');
  assert.equal(await checkVersion(bin), 'stui-lsp v0.1.0');
});

test('a failing --version says what it printed and how to fix it', { skip: !unix && 'needs sh' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stui-'));
  const bad = script(dir, 'stui-lsp', 'echo "flag provided but not defined: -version" >&2; exit 2');
  await assert.rejects(checkVersion(bad), (e: Error) => e instanceof ServerNotFound && /flag provided but not defined/.test(e.message) && /go install/.test(e.message));
  const silent = script(dir, 'quiet', 'exit 0');
  await assert.rejects(checkVersion(silent), /printed nothing/);
});
