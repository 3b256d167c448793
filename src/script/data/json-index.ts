/**
 * A JSON file whose top level is an array, over bytes: `indexJsonArray` validates the whole file
 * and records where each top-level element starts and ends, so one element is parsed (with
 * JSON.parse on its slice) only when it is read.
 *
 * Validation is this byte scanner, not JSON.parse of the whole text: JSON.parse would first need
 * the file as one string (up to twice its size in UTF-16) and then build every element as objects
 * (several times the file's size) only to drop them. The scanner allocates nothing but the offsets,
 * so peak memory at load is the file's bytes plus its index. It checks the full JSON grammar
 * (RFC 8259): structure, strings and their escapes, numbers, literals; it does not check that the
 * bytes are valid UTF-8 (invalid sequences decode to U+FFFD, as TextDecoder does).
 */
import { DataSyntaxError, OffsetWriter, bomLength, lineColumn } from './csv-index.js';

/** The file's top level is not an array; `found` is its first character, quoted (undefined: the file is empty). */
export class NotAnArrayError extends Error {
  constructor(readonly found: string | undefined) {
    super(
      found === undefined ? 'the file is empty' : `the top level is not an array (it starts with ${found})`,
    );
    this.name = 'NotAnArrayError';
  }
}

export interface JsonIndex {
  /** Start and end offsets of each top-level element: [start0, end0, start1, end1, …]. */
  index: SharedArrayBuffer;
  rows: number;
}

const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

const ARRAY = 1;
const OBJECT = 2;

const isDigit = (b: number | undefined): boolean => b !== undefined && b >= ZERO && b <= NINE;
const isHex = (b: number | undefined): boolean =>
  b !== undefined && ((b >= ZERO && b <= NINE) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66));
/** `\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`, `\t` (`\u` is checked apart). */
const SIMPLE_ESCAPES = new Set([QUOTE, BACKSLASH, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74]);
const LITERALS: readonly (readonly number[])[] = [
  [...'true'].map((c) => c.charCodeAt(0)),
  [...'false'].map((c) => c.charCodeAt(0)),
  [...'null'].map((c) => c.charCodeAt(0)),
];

const decoder = new TextDecoder();

/** The character at byte `pos`, quoted for a message, or "the end of the file". */
function describe(bytes: Uint8Array, pos: number): string {
  if (pos >= bytes.length) return 'the end of the file';
  const ch = String.fromCodePoint(decoder.decode(bytes.subarray(pos, pos + 4)).codePointAt(0) ?? 0);
  return ch.trim() === '' || ch < ' ' ? JSON.stringify(ch) : `'${ch}'`;
}

/** Throws a DataSyntaxError at byte `at`. */
function fail(bytes: Uint8Array, message: string, at: number): never {
  const { line, column } = lineColumn(bytes, at);
  throw new DataSyntaxError(message, line, column);
}

function skipSpace(bytes: Uint8Array, pos: number): number {
  for (;;) {
    const b = bytes[pos];
    if (b === SPACE || b === LF || b === CR || b === TAB) pos++;
    else return pos;
  }
}

/** A string from its opening quote at `pos`; returns the position after its closing quote. */
function scanString(bytes: Uint8Array, pos: number): number {
  const open = pos;
  pos++;
  for (;;) {
    const b = bytes[pos];
    if (b === QUOTE) return pos + 1;
    if (b === undefined) fail(bytes, 'unterminated string: the quote that opens it is never closed', open);
    if (b === BACKSLASH) {
      const e = bytes[pos + 1];
      if (e !== undefined && SIMPLE_ESCAPES.has(e)) pos += 2;
      else if (
        e === 0x75 &&
        isHex(bytes[pos + 2]) &&
        isHex(bytes[pos + 3]) &&
        isHex(bytes[pos + 4]) &&
        isHex(bytes[pos + 5])
      )
        pos += 6;
      else fail(bytes, 'invalid escape in a string', pos);
    } else if (b < SPACE)
      fail(bytes, `control character ${JSON.stringify(String.fromCharCode(b))} in a string (escape it)`, pos);
    else pos++;
  }
}

/** A number starting at `pos` (a '-' or a digit); returns the position after it. */
function scanNumber(bytes: Uint8Array, pos: number): number {
  const start = pos;
  if (bytes[pos] === MINUS) pos++;
  if (bytes[pos] === ZERO) pos++;
  else if (isDigit(bytes[pos])) while (isDigit(bytes[pos])) pos++;
  else fail(bytes, 'invalid number', start);
  if (bytes[pos] === DOT) {
    pos++;
    if (!isDigit(bytes[pos])) fail(bytes, 'invalid number: digits must follow the decimal point', start);
    while (isDigit(bytes[pos])) pos++;
  }
  if (bytes[pos] === 0x65 || bytes[pos] === 0x45) {
    pos++;
    if (bytes[pos] === PLUS || bytes[pos] === MINUS) pos++;
    if (!isDigit(bytes[pos])) fail(bytes, 'invalid number: digits must follow the exponent', start);
    while (isDigit(bytes[pos])) pos++;
  }
  return pos;
}

/** `true`, `false` or `null` at `pos`: the position after it, or -1. */
function scanLiteral(bytes: Uint8Array, pos: number): number {
  for (const word of LITERALS) {
    if (bytes[pos] !== word[0]) continue;
    for (let k = 1; k < word.length; k++) if (bytes[pos + k] !== word[k]) return -1;
    return pos + word.length;
  }
  return -1;
}

/** An object's property name and its colon, from `pos` (after whitespace); returns the position after the colon. */
function scanKey(bytes: Uint8Array, pos: number): number {
  if (bytes[pos] !== QUOTE)
    fail(bytes, `expected a property name in double quotes, found ${describe(bytes, pos)}`, pos);
  pos = skipSpace(bytes, scanString(bytes, pos));
  if (bytes[pos] !== COLON)
    fail(bytes, `expected ':' after a property name, found ${describe(bytes, pos)}`, pos);
  return pos + 1;
}

/**
 * Validates a JSON document whose top level is an array and indexes its elements. Throws
 * NotAnArrayError when the top level is something else, DataSyntaxError (with line and column)
 * when the document is not valid JSON.
 */
export function indexJsonArray(bytes: Uint8Array): JsonIndex {
  const len = bytes.length;
  let pos = skipSpace(bytes, bomLength(bytes));
  if (bytes[pos] !== OPEN_ARRAY) throw new NotAnArrayError(pos >= len ? undefined : describe(bytes, pos));

  const offsets = new OffsetWriter(len);
  // The open containers, innermost last; stack[0] is the top-level array.
  let stack = new Uint8Array(64);
  stack[0] = ARRAY;
  let depth = 1;
  pos = skipSpace(bytes, pos + 1);
  if (bytes[pos] === CLOSE_ARRAY) {
    pos++;
    depth = 0;
  }
  let elementStart = 0;
  // Each turn reads one value, then closes what that value completes, then moves past the comma.
  while (depth > 0) {
    pos = skipSpace(bytes, pos);
    if (depth === 1) elementStart = pos;
    const b = bytes[pos];
    if (b === QUOTE) pos = scanString(bytes, pos);
    else if (b === MINUS || isDigit(b)) pos = scanNumber(bytes, pos);
    else if (b === OPEN_ARRAY || b === OPEN_OBJECT) {
      pos = skipSpace(bytes, pos + 1);
      if (bytes[pos] === (b === OPEN_ARRAY ? CLOSE_ARRAY : CLOSE_OBJECT)) pos++;
      else {
        if (depth === stack.length) {
          const grown = new Uint8Array(stack.length * 2);
          grown.set(stack);
          stack = grown;
        }
        stack[depth++] = b === OPEN_ARRAY ? ARRAY : OBJECT;
        if (b === OPEN_OBJECT) pos = scanKey(bytes, pos);
        continue;
      }
    } else {
      const end = scanLiteral(bytes, pos);
      if (end < 0) fail(bytes, `expected a value, found ${describe(bytes, pos)}`, pos);
      pos = end;
    }
    // A value ended: close every container it ends, then expect a comma before the next value.
    for (;;) {
      if (depth === 1) {
        offsets.push(elementStart);
        offsets.push(pos);
      }
      pos = skipSpace(bytes, pos);
      const c = bytes[pos];
      const kind = stack[depth - 1];
      if (c === COMMA) {
        pos++;
        if (kind === OBJECT) pos = scanKey(bytes, skipSpace(bytes, pos));
        break;
      }
      if (c === (kind === ARRAY ? CLOSE_ARRAY : CLOSE_OBJECT)) {
        pos++;
        depth--;
        if (depth === 0) break;
        continue;
      }
      fail(
        bytes,
        kind === ARRAY
          ? `expected ',' or ']' after an array element, found ${describe(bytes, pos)}`
          : `expected ',' or '}' after a property value, found ${describe(bytes, pos)}`,
        pos,
      );
    }
  }
  pos = skipSpace(bytes, pos);
  if (pos < len) fail(bytes, `unexpected ${describe(bytes, pos)} after the end of the top-level array`, pos);
  return { index: offsets.toShared(), rows: offsets.length / 2 };
}
