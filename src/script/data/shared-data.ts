/**
 * Test data loaded once per test and shared read-only by every VU and every worker thread: the
 * file's bytes live in a SharedArrayBuffer with an index of row offsets beside it, both handed to
 * the workers without copying. A row is parsed when it is read and returned as a fresh frozen
 * object, so memory does not grow with the number of VUs and no VU can change another's row.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { resolve } from 'node:path';
import { VolleyError } from '../../errors.js';
import { indexCsv, parseCsvRow } from './csv.js';
import { indexJsonArray } from './json.js';

export interface SharedDataTransfer {
  key: string;
  kind: 'csv' | 'json';
  /** Absolute path of the file. */
  path: string;
  bytes: SharedArrayBuffer;
  /** Float64 row offsets (CSV: starts plus the end; JSON: start/end pairs). */
  index: SharedArrayBuffer;
  rows: number;
  columns: string[] | undefined;
  delimiter: string;
  header: boolean;
}

export interface SharedData<T> extends Iterable<T> {
  readonly length: number;
  readonly path: string;
  /** Row `i` (0-based), parsed now. */
  at(i: number): T;
  random(): T;
  /** Row (vu - 1) % length: each VU keeps its own row. */
  perVu(ctx: { vu: number }): T;
  /** Row iteration % length: cycles through the file. */
  perIteration(ctx: { iteration: number }): T;
  /** Row `iteration`: each row once in the whole test; throws DataExhaustedError when rows run out. */
  unique(ctx: { iteration: number }): T;
}

/** unique() was asked for more rows than the file has. */
export class DataExhaustedError extends Error {
  constructor(file: string, rows: number, iteration: number) {
    super(`${file} has ${rows} rows; unique() was asked for row ${iteration} (iteration ${iteration})`);
    this.name = 'DataExhaustedError';
  }
}

function readShared(path: string, shown: string): SharedArrayBuffer {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new VolleyError(
      'UNREADABLE_FILE',
      `data file '${shown}' (resolved to ${path}): ${code === 'ENOENT' ? 'no such file' : (code ?? 'unreadable')}`,
    );
  }
  try {
    const size = fstatSync(fd).size;
    const sab = new SharedArrayBuffer(size);
    const view = new Uint8Array(sab);
    let off = 0;
    while (off < size) {
      const n = readSync(fd, view, off, size - off, off);
      if (n === 0) break;
      off += n;
    }
    return sab;
  } finally {
    closeSync(fd);
  }
}

function toSharedIndex(a: Float64Array): SharedArrayBuffer {
  const sab = new SharedArrayBuffer(a.byteLength);
  new Float64Array(sab).set(a);
  return sab;
}

function lineCol(bytes: Uint8Array, pos: number): string {
  let line = 1;
  let last = -1;
  for (let i = 0; i < pos && i < bytes.length; i++)
    if (bytes[i] === 0x0a) {
      line++;
      last = i;
    }
  return `${line}:${pos - last}`;
}

class SharedRows<T> implements SharedData<T> {
  private readonly bytes: Uint8Array;
  private readonly index: Float64Array;
  readonly length: number;
  readonly path: string;
  private readonly delimiter: number;

  constructor(private readonly t: SharedDataTransfer) {
    this.bytes = new Uint8Array(t.bytes);
    this.index = new Float64Array(t.index);
    this.length = t.rows;
    this.path = t.path;
    this.delimiter = t.delimiter.charCodeAt(0);
  }

  at(i: number): T {
    if (!Number.isInteger(i) || i < 0 || i >= this.length)
      throw new RangeError(`${this.path}: row ${i} is outside 0..${this.length - 1}`);
    if (this.t.kind === 'json') {
      const text = new TextDecoder().decode(
        this.bytes.subarray(this.index[2 * i] as number, this.index[2 * i + 1] as number),
      );
      return Object.freeze(JSON.parse(text)) as T;
    }
    const row = this.t.header ? i + 1 : i;
    const fields = parseCsvRow(
      this.bytes,
      this.index[row] as number,
      this.index[row + 1] as number,
      this.delimiter,
    );
    if (!this.t.columns) return Object.freeze(fields) as T;
    const obj: Record<string, string> = {};
    this.t.columns.forEach((c, k) => (obj[c] = fields[k] ?? ''));
    return Object.freeze(obj) as T;
  }
  random(): T {
    return this.at(Math.floor(Math.random() * this.length));
  }
  perVu(ctx: { vu: number }): T {
    return this.at((ctx.vu - 1) % this.length);
  }
  perIteration(ctx: { iteration: number }): T {
    return this.at(ctx.iteration % this.length);
  }
  unique(ctx: { iteration: number }): T {
    if (ctx.iteration >= this.length) throw new DataExhaustedError(this.path, this.length, ctx.iteration);
    return this.at(ctx.iteration);
  }
  *[Symbol.iterator](): Iterator<T> {
    for (let i = 0; i < this.length; i++) yield this.at(i);
  }
}

function loadCsv(
  path: string,
  shown: string,
  key: string,
  header: boolean,
  delimiter: string,
): SharedDataTransfer {
  const bytes = readShared(path, shown);
  const view = new Uint8Array(bytes);
  let starts: Float64Array;
  try {
    starts = indexCsv(view, shown);
  } catch (err) {
    throw new VolleyError('INVALID_CONFIG', `data file ${(err as Error).message}`);
  }
  let rows = starts.length - 1;
  let columns: string[] | undefined;
  if (header) {
    if (rows < 1) throw new VolleyError('INVALID_CONFIG', `data file '${shown}': empty (no header row)`);
    columns = parseCsvRow(view, starts[0] as number, starts[1] as number, delimiter.charCodeAt(0)).map((c) =>
      c.trim(),
    );
    rows--;
  }
  return { key, kind: 'csv', path, bytes, index: toSharedIndex(starts), rows, columns, delimiter, header };
}

function loadJson(path: string, shown: string, key: string): SharedDataTransfer {
  const bytes = readShared(path, shown);
  const view = new Uint8Array(bytes);
  // Validated once, here, in full (the parsed value is dropped at once); workers only index-read.
  try {
    JSON.parse(new TextDecoder().decode(view));
  } catch (err) {
    const pos = /position (\d+)/.exec((err as Error).message);
    const where = pos ? `:${lineCol(view, Number(pos[1]))}` : '';
    const reason = ((err as Error).message.split('\n')[0] as string).replace(
      / in JSON at position \d+.*$/,
      '',
    );
    throw new VolleyError('INVALID_CONFIG', `data file '${shown}'${where}: invalid JSON (${reason})`);
  }
  let index: Float64Array;
  try {
    index = indexJsonArray(view, shown);
  } catch (err) {
    throw new VolleyError('INVALID_CONFIG', `data file ${(err as Error).message}`);
  }
  return {
    key,
    kind: 'json',
    path,
    bytes,
    index: toSharedIndex(index),
    rows: index.length / 2,
    columns: undefined,
    delimiter: ',',
    header: false,
  };
}

export class DataRegistry {
  private readonly loaded = new Map<string, SharedDataTransfer>();
  private readonly views = new Map<string, SharedData<unknown>>();

  constructor(private readonly baseDir: string) {}

  private get<T>(key: string, load: () => SharedDataTransfer): SharedData<T> {
    let v = this.views.get(key);
    if (!v) {
      let t = this.loaded.get(key);
      if (!t) {
        t = load();
        this.loaded.set(key, t);
      }
      v = new SharedRows<unknown>(t);
      this.views.set(key, v);
    }
    return v as SharedData<T>;
  }

  csv<T = Record<string, string>>(
    path: string,
    options: { header?: boolean; delimiter?: string } = {},
  ): SharedData<T> {
    const abs = resolve(this.baseDir, path);
    const header = options.header !== false;
    const delimiter = options.delimiter ?? ',';
    if (delimiter.length !== 1)
      throw new VolleyError('INVALID_CONFIG', `data.csv('${path}'): delimiter must be one character`);
    const key = `csv\u0000${abs}\u0000${header}\u0000${delimiter}`;
    return this.get<T>(key, () => loadCsv(abs, path, key, header, delimiter));
  }

  json<T = unknown>(path: string): SharedData<T> {
    const abs = resolve(this.baseDir, path);
    const key = `json\u0000${abs}`;
    return this.get<T>(key, () => loadJson(abs, path, key));
  }

  /** What the main thread hands to workers (SharedArrayBuffers travel without copying). */
  transfers(): SharedDataTransfer[] {
    return [...this.loaded.values()];
  }

  /** In a worker: what the main thread loaded, so the same csv()/json() call never reads the file again. */
  seed(transfers: readonly SharedDataTransfer[]): void {
    for (const t of transfers) this.loaded.set(t.key, t);
  }
}
