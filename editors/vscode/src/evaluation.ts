// What the editor does around an evaluation, without `vscode`: where Print it's answer sits
// so it can be selected, which range is dimmed while the image works, and where an error
// goes. src/commands.ts applies these to editors; test/evaluation.test.ts checks them.

import type { EvalErrorData, Frame, Range, Value } from './protocol';
import { isEmpty, offsetAt, positionAt, textIn, utf16Offset } from './text';

/**
 * The answer of stui.printIt (lsp.PrintItResult): the evaluation's value, flattened, and
 * `inserted`, the text the server inserted with workspace/applyEdit at `range` (an empty
 * range at the end of the evaluated code, in the document as it was before the edit).
 */
export interface PrintItResult {
  value?: Value;
  print_string?: string;
  printString?: string;
  inserted?: string;
  range?: Range;
  applied?: boolean;
}

/** The print string a Print it answer carries, or undefined. */
export function printStringOf(result: unknown): string | undefined {
  if (typeof result === 'string') {
    return result;
  }
  if (result === null || typeof result !== 'object') {
    return undefined;
  }
  const r = result as PrintItResult;
  return r.value?.print_string ?? r.print_string ?? r.printString;
}

/**
 * The range of the text Print it inserted, found in the document after the edit, so it can
 * be selected and one Backspace removes it. evaluated is the range the command was given.
 * When the document holds the server's `inserted` text at its `range`, that is it;
 * otherwise " <print string>" is looked for right after the evaluated range (for an empty
 * range, from the start of its line on: the server evaluated the statement there, which may
 * end past the cursor).
 */
export function insertedRange(text: string, evaluated: Range, result: unknown): Range | undefined {
  const printString = printStringOf(result);
  const r = (result ?? {}) as PrintItResult;
  if (typeof r.inserted === 'string' && r.range) {
    const at = offsetAt(text, r.range.start);
    if (text.startsWith(r.inserted, at)) {
      return { start: positionAt(text, at), end: positionAt(text, at + r.inserted.length) };
    }
  }
  if (printString === undefined) {
    return undefined;
  }
  const inserted = typeof r.inserted === 'string' ? r.inserted : ' ' + printString;
  const from = offsetAt(text, isEmpty(evaluated) ? { line: evaluated.start.line, character: 0 } : evaluated.end);
  const at = isEmpty(evaluated) ? text.indexOf(inserted, from) : text.startsWith(inserted, from) ? from : -1;
  if (at < 0) {
    return undefined;
  }
  return { start: positionAt(text, at), end: positionAt(text, at + inserted.length) };
}

/** The range dimmed while an evaluation runs: the selection, or the cursor's line. */
export function dimmedRange(text: string, evaluated: Range): Range {
  if (!isEmpty(evaluated)) {
    return evaluated;
  }
  const line = evaluated.start.line;
  const end = offsetAt(text, { line, character: Number.MAX_SAFE_INTEGER });
  return { start: { line, character: 0 }, end: positionAt(text, end) };
}

/** The image's error types (bridge.ErrorType), as a failure's message names them. */
const errorTypes = [
  'InvalidRequest', 'UnknownCommand', 'Unauthorized', 'SessionNotFound', 'SessionExpired', 'SyntaxError',
  'EvaluationError', 'Timeout', 'Interrupted', 'ClassNotFound', 'MethodNotFound', 'ObjectNotFound',
  'TooLarge', 'InternalError', 'Unavailable',
];
const errorTypePattern = new RegExp(`\\b(${errorTypes.join('|')}): (.*)$`, 's');

/** The inspector's name for an inspected root: the evaluated code's first line, cut at 40 characters. */
export function inspectionLabel(text: string, evaluated: Range): string {
  const code = textIn(text, dimmedRange(text, evaluated)).trim();
  const first = code.split('\n')[0];
  return first.length > 40 || first !== code ? `${first.slice(0, 40)}…` : first;
}

/** A failed evaluation as the editor shows it: a diagnostic's range and message, a stack. */
export interface EvalFailure {
  type: string;
  message: string;
  range: Range;
  stack: Frame[];
}

/**
 * Where and how a failed evaluation shows. error is the JSON-RPC error (code, message, data:
 * EvalErrorData); text is the document; evaluated the range the command was given. The
 * range is the server's when it sends one; else the syntax error's offset inside the
 * evaluated source (code points, as Pharo counts) moved into the document; else the
 * evaluated range (the cursor's line for an empty one).
 */
export function evalFailure(error: { message?: string; data?: unknown }, text: string, evaluated: Range): EvalFailure {
  const data = (error.data && typeof error.data === 'object' ? error.data : {}) as EvalErrorData;
  // Without data, the message reads "STUI: Print it: SyntaxError: <message>".
  const said = errorTypePattern.exec(error.message ?? '');
  const type = data.type ?? said?.[1] ?? 'Error';
  const message = data.message ?? said?.[2] ?? error.message ?? type;
  const stack = data.stack ?? data.details?.stack ?? [];
  let range = data.range;
  if (!range && typeof data.details?.offset === 'number') {
    const base = offsetAt(text, dimmedRange(text, evaluated).start);
    const source = text.slice(base);
    const at = base + utf16Offset(source, data.details.offset);
    const next = at < text.length ? at + utf16Offset(text.slice(at), 1) : at;
    range = { start: positionAt(text, at), end: positionAt(text, next) };
  }
  return { type, message, range: range ?? dimmedRange(text, evaluated), stack };
}

/** A stack as text, innermost frame first, one frame a line. */
export function formatStack(failure: EvalFailure): string {
  const head = `${failure.type}: ${failure.message}`;
  if (failure.stack.length === 0) {
    return head + '\n(the image sent no stack)\n';
  }
  const frames = failure.stack.map((f) => {
    const where = f.class_name && f.selector ? `${f.class_name}${f.meta ? ' class' : ''}>>#${f.selector}` : '';
    const line = f.line ? ` (line ${f.line})` : '';
    return `  ${f.description || where}${line}`;
  });
  return [head, ...frames].join('\n') + '\n';
}
