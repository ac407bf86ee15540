import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dimmedRange, evalFailure, formatStack, insertedRange, inspectionLabel, printStringOf } from '../src/evaluation';
import type { Range } from '../src/protocol';

const r = (l1: number, c1: number, l2: number, c2: number): Range => ({ start: { line: l1, character: c1 }, end: { line: l2, character: c2 } });

test('Print it selects the inserted " 7" after the selection', () => {
  const after = 'x := 3 + 4 7.\n';
  // The user selected "3 + 4" (line 0, 5..10); the server inserted " 7" at its end.
  assert.deepEqual(insertedRange(after, r(0, 5, 0, 10), { value: { print_string: '7', class_name: 'SmallInteger' } }), r(0, 10, 0, 12));
});

test('Print it finds a multi-line print string after an empty selection', () => {
  const after = 'a\nOrderedCollection new add: 1; yourself an OrderedCollection(1\n2)\n';
  const got = insertedRange(after, r(1, 3, 1, 3), { print_string: 'an OrderedCollection(1\n2)' });
  assert.deepEqual(got, r(1, 38, 2, 2));
});

test('Print it uses the server\'s inserted text and insertion point (lsp.PrintItResult)', () => {
  const after = 'x := 3 + 4 7.\ny';
  // An empty selection: the server evaluated the statement and inserted at its end.
  const got = insertedRange(after, r(0, 6, 0, 6), { print_string: '7', class_name: 'SmallInteger', inserted: ' 7', range: r(0, 10, 0, 10), applied: true });
  assert.deepEqual(got, r(0, 10, 0, 12));
});

test('Print it looks for the text when the server\'s insertion point does not hold it', () => {
  const after = '3 + 4 7';
  assert.deepEqual(insertedRange(after, r(0, 0, 0, 5), { print_string: '7', inserted: ' 7', range: r(0, 0, 0, 0) }), r(0, 5, 0, 7));
});

test('Print it counts UTF-16 after non-ASCII text', () => {
  const after = "'😀é' size 2";
  assert.deepEqual(insertedRange(after, r(0, 0, 0, 10), { print_string: '2' }), r(0, 10, 0, 12));
});

test('Print it answers nothing when the insertion is not in the document', () => {
  assert.equal(insertedRange('3 + 4', r(0, 0, 0, 5), { print_string: '7' }), undefined);
  assert.equal(insertedRange('3 + 4', r(0, 0, 0, 5), null), undefined);
});

test('printStringOf reads every answer shape', () => {
  assert.equal(printStringOf('7'), '7');
  assert.equal(printStringOf({ value: { print_string: 'a', class_name: 'X' } }), 'a');
  assert.equal(printStringOf({ printString: 'b' }), 'b');
  assert.equal(printStringOf(42), undefined);
});

test('dimmedRange is the selection, or the whole cursor line', () => {
  const text = 'one\n  two three\nfour';
  assert.deepEqual(dimmedRange(text, r(1, 2, 1, 5)), r(1, 2, 1, 5));
  assert.deepEqual(dimmedRange(text, r(1, 4, 1, 4)), r(1, 0, 1, 11));
});

test('an error with a server range shows there', () => {
  const f = evalFailure({ message: 'boom', data: { type: 'EvaluationError', message: 'ZeroDivide', range: r(2, 1, 2, 6) } }, 'x', r(0, 0, 0, 1));
  assert.deepEqual(f.range, r(2, 1, 2, 6));
  assert.equal(f.message, 'ZeroDivide');
  assert.equal(f.type, 'EvaluationError');
});

test('a syntax error offset (code points) lands on the right UTF-16 character', () => {
  const text = "x := 1.\ny := '😀' , ) .";
  // The user evaluated line 1; the image says the error is at character 11 (the ")").
  const f = evalFailure({ message: 'x', data: { type: 'SyntaxError', message: 'expression expected', details: { line: 1, column: 12, offset: 11 } } }, text, r(1, 0, 1, 15));
  assert.deepEqual(f.range, r(1, 12, 1, 13));
  assert.equal(text.slice(8)[12], ')', 'the UTF-16 character 12 of line 1 is the ")"');
});

test('an error without a location covers the evaluated code', () => {
  const f = evalFailure({ message: 'Unavailable: no image' }, 'a\nfoo bar\n', r(1, 3, 1, 3));
  assert.deepEqual(f.range, r(1, 0, 1, 7));
  assert.equal(f.type, 'Unavailable');
  assert.equal(f.message, 'no image');
  const plain = evalFailure({ message: 'connection reset' }, 'x', r(0, 0, 0, 1));
  assert.deepEqual([plain.type, plain.message], ['Error', 'connection reset']);
});

test('an error without data is read from its message', () => {
  const f = evalFailure({ message: 'STUI: Print it: SyntaxError: Variable or expression expected' }, '3 +', r(0, 0, 0, 3));
  assert.equal(f.type, 'SyntaxError');
  assert.equal(f.message, 'Variable or expression expected');
  assert.deepEqual(f.range, r(0, 0, 0, 3));
  const i = evalFailure({ message: 'STUI: Do it: Interrupted: The evaluation was interrupted.' }, 'x', r(0, 0, 0, 1));
  assert.deepEqual([i.type, i.message], ['Interrupted', 'The evaluation was interrupted.']);
});

test('formatStack lists frames innermost first', () => {
  const f = evalFailure({ data: { type: 'EvaluationError', message: 'ZeroDivide', details: { stack: [
    { description: 'SmallInteger(Number)>>/', class_name: 'SmallInteger', selector: '/' },
    { description: '', class_name: 'UndefinedObject', selector: 'DoIt', line: 1 },
  ] } } }, '1/0', r(0, 0, 0, 3));
  assert.equal(formatStack(f), 'EvaluationError: ZeroDivide\n  SmallInteger(Number)>>/\n  UndefinedObject>>#DoIt (line 1)\n');
  assert.match(formatStack({ ...f, stack: [] }), /no stack/);
});

test('an inspected root is named by its code', () => {
  const text = '  Smalltalk globals  \nx := OrderedCollection new.\nx add: 1;\n  yourself';
  assert.equal(inspectionLabel(text, r(0, 3, 0, 3)), 'Smalltalk globals');
  assert.equal(inspectionLabel(text, r(2, 0, 3, 10)), 'x add: 1;…');
  assert.equal(inspectionLabel('1 to: 100 do: [:i | Transcript show: i printString; cr]', r(0, 0, 0, 55)), '1 to: 100 do: [:i | Transcript show: i p…');
});
