/**
 * RFC 4180 CSV over bytes (a Uint8Array view on a SharedArrayBuffer): `indexCsv` records where each
 * row starts, quote-aware so a line break inside a quoted field stays in its row; `parseCsvRow`
 * splits one row into fields, run only when that row is read.
 *
 * Also the pieces both indexers share: the offset list (Int32 offsets for files under 2 GiB,
 * Float64 above) and the syntax error that carries a line and column.
 */

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

/** Files of at most this many bytes store their offsets as Int32; larger ones as Float64. */
const INT32_LIMIT = 0x7fffffff;

export type Offsets = Int32Array | Float64Array;

/** The offsets stored in `index` for a file of `fileSize` bytes: the width follows from the size alone. */
export function offsetsView(index: SharedArrayBuffer, fileSize: number): Offsets {
  return fileSize <= INT32_LIMIT ? new Int32Array(index) : new Float64Array(index);
}

/** A growable list of byte offsets, copied once into a SharedArrayBuffer of the exact size at the end. */
export class OffsetWriter {
  private buf: Offsets;
  private n = 0;

  constructor(private readonly fileSize: number) {
    this.buf = this.alloc(1024);
  }

  private alloc(n: number): Offsets {
    return this.fileSize <= INT32_LIMIT ? new Int32Array(n) : new Float64Array(n);
  }

  push(offset: number): void {
    if (this.n === this.buf.length) {
      const grown = this.alloc(this.buf.length * 2);
      grown.set(this.buf);
      this.buf = grown;
    }
    this.buf[this.n++] = offset;
  }

  get length(): number {
    return this.n;
  }

  at(i: number): number {
    return this.buf[i] as number;
  }

  /** The offsets from entry `from` on, in a SharedArrayBuffer readable through `offsetsView`. */
  toShared(from = 0): SharedArrayBuffer {
    const count = Math.max(0, this.n - from);
    const sab = new SharedArrayBuffer(count * this.buf.BYTES_PER_ELEMENT);
    offsetsView(sab, this.fileSize).set(this.buf.subarray(from, this.n));
    return sab;
  }
}

/** Malformed data at a place in the file (1-based line; column in characters, when known). */
export class DataSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number | undefined,
  ) {
    super(message);
    this.name = 'DataSyntaxError';
  }
}

/** The 1-based line and column (in characters, not bytes) of byte `pos`. Only for error messages. */
export function lineColumn(bytes: Uint8Array, pos: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(pos, bytes.length);
  for (let i = bytes.indexOf(LF); i >= 0 && i < end; i = bytes.indexOf(LF, i + 1)) {
    line++;
    lineStart = i + 1;
  }
  let column = 1;
  // UTF-8 continuation bytes (10xxxxxx) do not start a character.
  for (let i = lineStart; i < end; i++) if (((bytes[i] as number) & 0xc0) !== 0x80) column++;
  return { line, column };
}

/** Bytes of a UTF-8 byte-order mark at the start, if any (0 or 3). */
export function bomLength(bytes: Uint8Array): number {
  return bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
}

export interface CsvIndex {
  /** Start offset of every data row, then one more entry: the end of the file. */
  index: SharedArrayBuffer;
  rows: number;
  /** The header row's fields (trimmed), when `header` was asked for and the file has a row. */
  columns: string[] | undefined;
}

/**
 * Indexes the rows of a CSV file. Blank lines are skipped; a BOM is ignored; CRLF and LF both end
 * a row. A quote opens a quoted field only at the start of a field (RFC 4180); elsewhere it is a
 * literal character, as in the row parser. Throws a DataSyntaxError on an unterminated quoted
 * field, at the line where it opens.
 *
 * Runs at native speed on rows without quotes: the scan jumps from line break to line break with
 * `indexOf` and only looks closer at lines that contain a quote.
 */
export function indexCsv(bytes: Uint8Array, options: { delimiter: number; header: boolean }): CsvIndex {
  const len = bytes.length;
  const delimiter = options.delimiter;
  const starts = new OffsetWriter(len);
  let i = bomLength(bytes);
  // The next line break and the next quote at or after `i` (len when none): each found once.
  let nextLf = -1;
  let nextQuote = -1;
  const lfFrom = (from: number): number => {
    const p = bytes.indexOf(LF, from);
    return p < 0 ? len : p;
  };
  const quoteFrom = (from: number): number => {
    const p = bytes.indexOf(QUOTE, from);
    return p < 0 ? len : p;
  };
  while (i < len) {
    const b = bytes[i];
    // Blank lines (and a stray CR at the very end) are skipped.
    if (b === LF) {
      i++;
      continue;
    }
    if (b === CR && (i + 1 === len || bytes[i + 1] === LF)) {
      i += i + 1 === len ? 1 : 2;
      continue;
    }
    const start = i;
    starts.push(start);
    for (;;) {
      if (nextLf < i) nextLf = lfFrom(i);
      if (nextQuote < i) nextQuote = quoteFrom(i);
      if (nextQuote >= nextLf) {
        i = nextLf + 1;
        break;
      }
      const q = nextQuote;
      if (q === start || bytes[q - 1] === delimiter) {
        // A quoted field: its end is the next quote that is not doubled.
        let j = q + 1;
        for (;;) {
          const c = bytes.indexOf(QUOTE, j);
          if (c < 0) {
            const { line } = lineColumn(bytes, q);
            throw new DataSyntaxError(
              'unterminated quoted field: the quote that opens it on this line is never closed',
              line,
              undefined,
            );
          }
          if (bytes[c + 1] === QUOTE) j = c + 2;
          else {
            i = c + 1;
            break;
          }
        }
      } else {
        // A quote inside an unquoted field is an ordinary character.
        i = q + 1;
      }
    }
  }
  starts.push(len);
  if (!options.header) return { index: starts.toShared(), rows: starts.length - 1, columns: undefined };
  if (starts.length < 2) return { index: starts.toShared(), rows: 0, columns: undefined };
  const columns = parseCsvRow(bytes, starts.at(0), starts.at(1), delimiter).map((c) => c.trim());
  return { index: starts.toShared(1), rows: starts.length - 2, columns };
}

const decoder = new TextDecoder();

/**
 * The fields of the row in bytes `start..end` (trailing line breaks and skipped blank lines
 * excluded). Quoted fields may hold delimiters, line breaks and doubled quotes; text after a
 * closing quote up to the next delimiter is kept, as lenient parsers do.
 */
export function parseCsvRow(bytes: Uint8Array, start: number, end: number, delimiter: number): string[] {
  while (end > start && (bytes[end - 1] === LF || bytes[end - 1] === CR)) end--;
  const text = decoder.decode(bytes.subarray(start, end));
  const d = String.fromCharCode(delimiter);
  if (!text.includes('"')) return text.split(d);
  const out: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (text.charCodeAt(i) === QUOTE) {
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) {
          // Cannot happen for an indexed row (the indexer rejects unterminated quotes).
          field += text.slice(i);
          i = text.length;
          break;
        }
        field += text.slice(i, q);
        if (text.charCodeAt(q + 1) === QUOTE) {
          field += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
    }
    const next = text.indexOf(d, i);
    if (next < 0) {
      out.push(field + text.slice(i));
      return out;
    }
    out.push(field + text.slice(i, next));
    i = next + 1;
  }
}
