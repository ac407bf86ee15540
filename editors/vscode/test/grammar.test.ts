import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import * as oniguruma from 'vscode-oniguruma';
import * as textmate from 'vscode-textmate';

const root = join(__dirname, '..', '..');

async function grammar(): Promise<textmate.IGrammar> {
  const wasm = readFileSync(join(root, 'node_modules', 'vscode-oniguruma', 'release', 'onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new textmate.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s: string) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scope: string) =>
      scope === 'source.smalltalk'
        ? textmate.parseRawGrammar(readFileSync(join(root, 'syntaxes', 'smalltalk.tmLanguage.json'), 'utf8'), 'smalltalk.tmLanguage.json')
        : null,
  });
  const g = await registry.loadGrammar('source.smalltalk');
  assert.ok(g, 'the grammar loads');
  return g;
}

/** The innermost scope of each token of each line, as "text=scope". */
async function scopes(source: string): Promise<string[]> {
  const g = await grammar();
  let stack = textmate.INITIAL;
  const out: string[] = [];
  for (const line of source.split('\n')) {
    const r = g.tokenizeLine(line, stack);
    for (const t of r.tokens) {
      const text = line.slice(t.startIndex, t.endIndex);
      if (text.trim()) {
        out.push(`${text}=${t.scopes[t.scopes.length - 1]}`);
      }
    }
    stack = r.ruleStack;
  }
  return out;
}

test('a Tonel class definition and method tokenize as Smalltalk', async () => {
  const src = [
    '"I am a counter"',
    'Class {',
    "\t#name : 'STUICounter',",
    "\t#superclass : 'Object',",
    "\t#category : 'STUI-Core'",
    '}',
    '',
    'STUICounter class >> startingAt: anInteger [',
    '\t<example>',
    '\t| c |',
    "\tc := self new count: anInteger; yourself. ^ c ifNil: [ #none ] ifNotNil: [ :x | x + 16r1F ]. $a. 'it''s'",
    ']',
  ].join('\n');
  const got = await scopes(src);
  const has = (s: string) => assert.ok(got.includes(s), `want ${s} in\n${got.join('\n')}`);
  has('I am a counter=comment.block.smalltalk');
  has('Class=storage.type.class.smalltalk');
  has('#name=constant.other.symbol.smalltalk');
  has("STUI-Core=string.quoted.single.smalltalk");
  has('STUICounter=entity.name.type.class.smalltalk');
  has('startingAt: anInteger=entity.name.function.smalltalk');
  has('example=storage.type.pragma.smalltalk');
  has('c=variable.other.temporary.smalltalk');
  has(':==keyword.operator.assignment.smalltalk');
  has('self=variable.language.smalltalk');
  has('count:=entity.name.function.keyword.smalltalk');
  has('^=keyword.control.return.smalltalk');
  has('#none=constant.other.symbol.smalltalk');
  has('x=variable.parameter.block.smalltalk');
  has('16r1F=constant.numeric.radix.smalltalk');
  has('$a=constant.character.smalltalk');
  has("''=constant.character.escape.smalltalk");
});

test('a comment spans lines and a quote inside a string is no comment', async () => {
  const got = await scopes('"one\ntwo" \'say "hi"\' x');
  assert.ok(got.includes('two=comment.block.smalltalk'), got.join('\n'));
  assert.ok(got.includes('say "hi"=string.quoted.single.smalltalk'), got.join('\n'));
});
