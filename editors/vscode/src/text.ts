// Positions in document text. LSP and VS Code count UTF-16 code units; Pharo counts
// characters (code points). These helpers convert between the two without `vscode`.

import type { Position, Range } from './protocol';

/** The UTF-16 offset of an LSP position in text; positions past a line's end clamp to it. */
export function offsetAt(text: string, pos: Position): number {
  let offset = 0;
  for (let line = 0; line < pos.line; line++) {
    const nl = text.indexOf('\n', offset);
    if (nl < 0) {
      return text.length;
    }
    offset = nl + 1;
  }
  let end = text.indexOf('\n', offset);
  if (end < 0) {
    end = text.length;
  } else if (end > offset && text[end - 1] === '\r') {
    end--;
  }
  return Math.min(offset + pos.character, end);
}

/** The LSP position of a UTF-16 offset in text. */
export function positionAt(text: string, offset: number): Position {
  const clamped = Math.max(0, Math.min(offset, text.length));
  let line = 0;
  let lineStart = 0;
  for (let nl = text.indexOf('\n'); nl >= 0 && nl < clamped; nl = text.indexOf('\n', nl + 1)) {
    line++;
    lineStart = nl + 1;
  }
  return { line, character: clamped - lineStart };
}

/** The UTF-16 offset in text of the code point offset cp (clamped to the text). */
export function utf16Offset(text: string, cp: number): number {
  let units = 0;
  let points = 0;
  while (points < cp && units < text.length) {
    const c = text.codePointAt(units) as number;
    units += c > 0xffff ? 2 : 1;
    points++;
  }
  return units;
}

/** The text of range in text. */
export function textIn(text: string, range: Range): string {
  return text.slice(offsetAt(text, range.start), offsetAt(text, range.end));
}

export function isEmpty(range: Range): boolean {
  return range.start.line === range.end.line && range.start.character === range.end.character;
}
