import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const root = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const source = readFileSync(join(root, 'src', 'commands.ts'), 'utf8');
const registered = new Set([...source.matchAll(/register\('([^']+)'/g)].map((m) => m[1]));
const contributed = new Set<string>(pkg.contributes.commands.map((c: { command: string }) => c.command));

test('every contributed command is registered, and every registered one contributed', () => {
  assert.deepEqual([...registered].sort(), [...contributed].sort());
});

test('commands are in category STUI and none takes a server command name', () => {
  for (const c of pkg.contributes.commands) {
    assert.equal(c.category, 'STUI', c.command);
  }
  // vscode-languageclient registers the server's commands (stui.printIt...) itself.
  for (const server of ['stui.printIt', 'stui.doIt', 'stui.inspect', 'stui.interrupt', 'stui.restartSession']) {
    assert.ok(!contributed.has(server), `${server} would clash with the server's command`);
  }
  for (const title of ['Print It', 'Do It', 'Inspect It', 'Interrupt', 'Restart Session', 'Restart Server', 'Show Output']) {
    assert.ok(pkg.contributes.commands.some((c: { title: string }) => c.title === title), title);
  }
});

test('keybindings act only in Smalltalk editors and name contributed commands', () => {
  assert.ok(pkg.contributes.keybindings.length >= 4);
  for (const k of pkg.contributes.keybindings) {
    assert.ok(contributed.has(k.command), k.command);
    assert.match(k.when, /editorLangId == smalltalk/, k.command);
    assert.ok(k.key && k.mac, `${k.command} has keys for every platform`);
  }
});

test('menus name contributed commands', () => {
  for (const [menu, entries] of Object.entries(pkg.contributes.menus) as [string, { command: string }[]][]) {
    for (const e of entries) {
      assert.ok(contributed.has(e.command), `${menu}: ${e.command}`);
    }
  }
});

test('.st is Smalltalk, activation is narrow, and the bundle is the entry point', () => {
  const lang = pkg.contributes.languages.find((l: { id: string }) => l.id === 'smalltalk');
  assert.deepEqual(lang.extensions, ['.st']);
  assert.deepEqual(pkg.activationEvents, ['onLanguage:smalltalk']);
  assert.equal(pkg.main, './dist/extension.js');
  const lc = JSON.parse(readFileSync(join(root, 'language-configuration.json'), 'utf8'));
  assert.deepEqual(lc.comments.blockComment, ['"', '"']);
});
