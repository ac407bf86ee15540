import assert from 'node:assert/strict';
import { test } from 'node:test';
import { offsetAt, positionAt, textIn, utf16Offset } from '../src/text';

const text = 'é := 1.\r\nΕλλάδα printString.\n😀 x\n';

test('offsetAt and positionAt agree on non-ASCII lines and CRLF', () => {
  for (const [line, character] of [[0, 0], [0, 1], [0, 7], [1, 6], [1, 19], [2, 0], [2, 2], [2, 4], [3, 0]]) {
    const off = offsetAt(text, { line, character });
    assert.deepEqual(positionAt(text, off), { line, character }, `line ${line} character ${character} (offset ${off})`);
  }
});

test('offsetAt clamps past the end of a line, before its CRLF', () => {
  assert.equal(offsetAt(text, { line: 0, character: 99 }), 'é := 1.'.length);
  assert.equal(offsetAt(text, { line: 9, character: 0 }), text.length);
});

test('utf16Offset counts code points as Pharo does', () => {
  assert.equal(utf16Offset('😀 x', 1), 2);
  assert.equal(utf16Offset('😀 x', 2), 3);
  assert.equal(utf16Offset('Ελλάδα', 3), 3);
  assert.equal(utf16Offset('ab', 10), 2);
});

test('textIn answers the text of a range across lines', () => {
  assert.equal(textIn(text, { start: { line: 1, character: 7 }, end: { line: 2, character: 2 } }), 'printString.\n😀');
});
