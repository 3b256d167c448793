/**
 * RFC 4180 CSV over bytes: an indexer that records where each row starts (quote-aware, so newlines
 * inside quoted fields stay in their row) and a parser for one row, run only when the row is read.
 */

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

/**
 * Row start offsets, with one extra entry: the end. Blank lines are skipped. Throws on an
 * unterminated quote, naming the line it opened on.
 */
export function indexCsv(bytes: Uint8Array, file: string): Float64Array {
  let starts = new Float64Array(1024);
  let n = 0;
  const push = (v: number): void => {
    if (n === starts.length) {
      const grown = new Float64Array(starts.length * 2);
      grown.set(starts);
      starts = grown;
    }
    starts[n++] = v;
  };
  let i = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  const len = bytes.length;
  let line = 1;
  while (i < len) {
    // Skip blank lines.
    if (bytes[i] === LF) {
      i++;
      line++;
      continue;
    }
    if (bytes[i] === CR && bytes[i + 1] === LF) {
      i += 2;
      line++;
      continue;
    }
    push(i);
    let inQuotes = false;
    let quoteLine = line;
    for (; i < len; i++) {
      const b = bytes[i];
      if (b === QUOTE) {
        if (inQuotes && bytes[i + 1] === QUOTE) i++;
        else {
          inQuotes = !inQuotes;
          if (inQuotes) quoteLine = line;
        }
      } else if (b === LF) {
        line++;
        if (!inQuotes) {
          i++;
          break;
        }
      }
    }
    if (inQuotes) throw new Error(`${file}:${quoteLine}: unterminated quoted field`);
  }
  push(len);
  return starts.slice(0, n);
}

const decoder = new TextDecoder();

/** The fields of the row between `start` and `end` (its line break excluded). */
export function parseCsvRow(bytes: Uint8Array, start: number, end: number, delimiter: number): string[] {
  while (end > start && (bytes[end - 1] === LF || bytes[end - 1] === CR)) end--;
  const text = decoder.decode(bytes.subarray(start, end));
  const d = String.fromCharCode(delimiter);
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (text[i] === '"') {
      let field = '';
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) {
          field += text.slice(i);
          i = text.length;
          break;
        }
        field += text.slice(i, q);
        if (text[q + 1] === '"') {
          field += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      // Anything between the closing quote and the delimiter is kept, as lenient parsers do.
      const next = text.indexOf(d, i);
      field += next < 0 ? text.slice(i) : text.slice(i, next);
      out.push(field);
      if (next < 0) return out;
      i = next + 1;
    } else {
      const next = text.indexOf(d, i);
      if (next < 0) {
        out.push(text.slice(i));
        return out;
      }
      out.push(text.slice(i, next));
      i = next + 1;
    }
  }
}
