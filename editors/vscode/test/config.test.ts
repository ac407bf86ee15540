import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { clientKeys, serverKeys, serverOptions } from '../src/config';

const root = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const properties: Record<string, { default: unknown }> = pkg.contributes.configuration.properties;

/** The rows of the options table in lsp/options.go: key and default, as the Go side documents them. */
function optionsTable(): Map<string, unknown> {
  const src = readFileSync(join(root, '..', '..', 'lsp', 'options.go'), 'utf8');
  const rows = new Map<string, unknown>();
  for (const m of src.matchAll(/^\/\/ \| ([A-Za-z.]+)\s*\| [a-z]+\s*\| ([^|]*?)\s*\|/gm)) {
    if (m[1] === 'key') {
      continue;
    }
    const d = m[2];
    rows.set(m[1], d === '""' ? '' : d === 'true' || d === 'false' ? d === 'true' : /^\d+$/.test(d) ? Number(d) : d);
  }
  return rows;
}

test('package.json contributes exactly the server keys and the client keys', () => {
  const got = Object.keys(properties).map((k) => k.replace(/^stui\./, '')).sort();
  assert.deepEqual(got, [...serverKeys, ...clientKeys].sort());
});

test('the server keys and defaults are those of lsp/options.go', () => {
  const table = optionsTable();
  assert.deepEqual([...table.keys()].sort(), [...serverKeys].sort());
  for (const [key, want] of table) {
    assert.deepEqual(properties[`stui.${key}`].default, want, `default of stui.${key}`);
  }
});

test('stui.server.path defaults to null (stui-lsp from PATH)', () => {
  assert.equal(properties['stui.server.path'].default, null);
  assert.equal(properties['stui.trace.server'].default, 'off');
});

test('serverOptions nests dotted keys as lsp.Options does and leaves out unset ones', () => {
  const settings: Record<string, unknown> = { endpoint: 'tcp://127.0.0.1:5555', 'deadlines.evaluate': 100, 'deadlines.hover': 7, compileOnSave: true, 'server.path': '/x' };
  assert.deepEqual(serverOptions((k) => settings[k]), {
    endpoint: 'tcp://127.0.0.1:5555',
    deadlines: { evaluate: 100, hover: 7 },
    compileOnSave: true,
  });
});
