/**
 * A JSON file whose top level is an array: an indexer that records where each element starts and
 * ends (tracking strings, escapes and nesting), so one element is parsed when it is read.
 */

/** [start0, end0, start1, end1, …] byte offsets of the top-level elements. */
export function indexJsonArray(bytes: Uint8Array, file: string): Float64Array {
  let out = new Float64Array(2048);
  let n = 0;
  const push = (v: number): void => {
    if (n === out.length) {
      const g = new Float64Array(out.length * 2);
      g.set(out);
      out = g;
    }
    out[n++] = v;
  };
  let i = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  const ws = (b: number | undefined): boolean => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
  while (ws(bytes[i])) i++;
  if (bytes[i] !== 0x5b) {
    const first = i < bytes.length ? JSON.stringify(String.fromCharCode(bytes[i] as number)) : 'nothing';
    throw new Error(`${file}: data.json expects a top-level array; the file starts with ${first}`);
  }
  i++;
  let depth = 0;
  let start = -1;
  let inString = false;
  for (; i < bytes.length; i++) {
    const b = bytes[i];
    if (inString) {
      if (b === 0x5c) i++;
      else if (b === 0x22) inString = false;
      continue;
    }
    if (b === 0x22) {
      inString = true;
      if (start < 0) start = i;
    } else if (b === 0x5b || b === 0x7b) {
      if (start < 0) start = i;
      depth++;
    } else if (b === 0x5d || b === 0x7d) {
      if (depth === 0) {
        if (start >= 0) {
          push(start);
          push(trimEnd(bytes, start, i));
        }
        return out.slice(0, n);
      }
      depth--;
    } else if (b === 0x2c && depth === 0) {
      if (start < 0) throw new Error(`${file}: empty element in the top-level array`);
      push(start);
      push(trimEnd(bytes, start, i));
      start = -1;
    } else if (!ws(b) && start < 0) start = i;
  }
  throw new Error(`${file}: the top-level array is not closed`);
}

function trimEnd(bytes: Uint8Array, start: number, end: number): number {
  while (
    end > start &&
    (bytes[end - 1] === 0x20 || bytes[end - 1] === 0x0a || bytes[end - 1] === 0x0d || bytes[end - 1] === 0x09)
  )
    end--;
  return end;
}
