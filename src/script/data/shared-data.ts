/**
 * Test data loaded once per test and shared read-only by every VU and every worker thread: the
 * file's bytes live in a SharedArrayBuffer with an index of row offsets beside it, and both are
 * handed to the workers without copying (`transfers()` in the main thread, `seed()` in a worker).
 * A row is parsed only when it is read and comes back as a fresh frozen value, so memory does not
 * grow with the number of VUs or workers, and no VU can change what another reads.
 *
 * What crosses the generator boundary is the portable form (`DataFile`: bytes and their sha256,
 * `portable()`); the shared form is this process's optimisation, found again from the portable
 * one without a copy (`sharedTransferOf`), or rebuilt from its bytes by a generator elsewhere.
 */
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { deepFreeze } from '../../config/freeze.js';
import type { DataFile } from '../../config/types.js';
import { VolleyError } from '../../errors.js';
import { DataSyntaxError, indexCsv, offsetsView, parseCsvRow, type Offsets } from './csv-index.js';
import { NotAnArrayError, indexJsonArray } from './json-index.js';

/** One loaded file as the main thread hands it to the workers (structured-cloned; the buffers are shared, not copied). */
export interface SharedDataTransfer {
  /** Identifies the file and the options it was read with; `seed()` files it under this key. */
  key: string;
  /** `file`: bytes read whole (`data.file()`), no rows. */
  kind: 'csv' | 'json' | 'file';
  /** Absolute path of the file. */
  path: string;
  /** The file's bytes, exactly as on disk. */
  bytes: SharedArrayBuffer;
  /**
   * Byte offsets: Int32 for files up to 2 GiB, Float64 above (see `offsetsView`). CSV: the start of
   * each data row, then the end of the file. JSON: start and end of each top-level element.
   */
  index: SharedArrayBuffer;
  rows: number;
  /** CSV with a header: the column names. */
  columns?: string[];
  /** CSV: the field delimiter (one ASCII character). */
  delimiter?: string;
  /** CSV: whether the first row was read as the column names. */
  header?: boolean;
}

/** Rows of a data file, parsed when read. Every read returns a fresh frozen value. */
export interface SharedData<T> extends Iterable<T> {
  readonly length: number;
  /** Absolute path of the file. */
  readonly path: string;
  /** Row `i` (0-based), parsed now. Throws a RangeError outside 0..length-1. */
  at(i: number): T;
  /** A row picked at random. */
  random(): T;
  /** Row (vu - 1) % length: each VU keeps its own row. */
  perVu(ctx: { vu: number }): T;
  /** Row iteration % length: cycles through the file. */
  perIteration(ctx: { iteration: number }): T;
  /** Row `iteration`: each row used once in the whole test; throws a DataExhaustedError when the rows run out. */
  unique(ctx: { iteration: number }): T;
}

/** `unique()` was asked for more rows than the file has. */
export class DataExhaustedError extends Error {
  constructor(
    /** The file as the script named it. */
    readonly file: string,
    readonly rows: number,
    readonly iteration: number,
  ) {
    super(
      `${file} has ${rows} row${rows === 1 ? '' : 's'}; unique() was asked for row ${iteration} (iteration ${iteration}): ` +
        `give the scenario at most ${rows} iterations, or use perIteration() to cycle through the rows`,
    );
    this.name = 'DataExhaustedError';
  }
}

/**
 * The file's bytes in a SharedArrayBuffer of exactly its size, read straight into it: one copy in
 * memory. (fs.readFileSync cannot read into a given buffer, hence open/fstat/readSync.)
 */
function readShared(abs: string, shown: string, baseDir: string): SharedArrayBuffer {
  const unreadable = (reason: string): VolleyError =>
    new VolleyError('UNREADABLE_FILE', `data file '${shown}' (resolved to ${abs}): ${reason}`, {
      ...(isAbsolute(shown)
        ? {}
        : { hint: `relative data paths resolve against the script's folder, ${baseDir}` }),
    });
  const reason = (err: unknown): string => {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'no such file';
    if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
    if (code === 'EISDIR') return 'is a directory';
    return (err as Error).message;
  };
  let fd: number;
  try {
    fd = openSync(abs, 'r');
  } catch (err) {
    throw unreadable(reason(err));
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw unreadable('is a directory');
    if (!stat.isFile()) throw unreadable('not a regular file');
    const size = stat.size;
    const sab = new SharedArrayBuffer(size);
    const view = new Uint8Array(sab);
    let off = 0;
    while (off < size) {
      const n = readSync(fd, view, off, size - off, off);
      if (n === 0) break;
      off += n;
    }
    if (off === size) return sab;
    // The file shrank while it was read: keep what is there.
    const exact = new SharedArrayBuffer(off);
    new Uint8Array(exact).set(view.subarray(0, off));
    return exact;
  } catch (err) {
    if (err instanceof VolleyError) throw err;
    throw unreadable(reason(err));
  } finally {
    closeSync(fd);
  }
}

const decoder = new TextDecoder();

class SharedRows<T> implements SharedData<T> {
  readonly length: number;
  readonly path: string;
  private readonly bytes: Uint8Array;
  private readonly offsets: Offsets;
  private readonly json: boolean;
  private readonly columns: readonly string[] | undefined;
  private readonly delimiter: number;

  /** `name`: the file as the script named it, for messages. */
  constructor(
    t: SharedDataTransfer,
    private readonly name: string,
  ) {
    this.length = t.rows;
    this.path = t.path;
    this.bytes = new Uint8Array(t.bytes);
    this.offsets = offsetsView(t.index, t.bytes.byteLength);
    this.json = t.kind === 'json';
    this.columns = t.columns;
    this.delimiter = (t.delimiter ?? ',').charCodeAt(0);
  }

  at(i: number): T {
    if (!Number.isInteger(i) || i < 0 || i >= this.length)
      throw new RangeError(
        this.length === 0
          ? `${this.name} has no rows`
          : `${this.name}: row ${i} is outside 0..${this.length - 1}`,
      );
    const o = this.offsets;
    if (this.json) {
      const text = decoder.decode(this.bytes.subarray(o[2 * i], o[2 * i + 1]));
      return deepFreeze(JSON.parse(text) as T);
    }
    const fields = parseCsvRow(this.bytes, o[i] as number, o[i + 1] as number, this.delimiter);
    const columns = this.columns;
    if (!columns) return Object.freeze(fields) as T;
    // fromEntries defines own properties: a column named `__proto__` is a field like any other.
    return Object.freeze(Object.fromEntries(columns.map((c, k) => [c, fields[k] ?? '']))) as T;
  }

  random(): T {
    return this.at(Math.floor(Math.random() * this.length));
  }

  perVu(ctx: { vu: number }): T {
    return this.at(this.length === 0 ? 0 : (ctx.vu - 1) % this.length);
  }

  perIteration(ctx: { iteration: number }): T {
    return this.at(this.length === 0 ? 0 : ctx.iteration % this.length);
  }

  unique(ctx: { iteration: number }): T {
    if (ctx.iteration >= this.length) throw new DataExhaustedError(this.name, this.length, ctx.iteration);
    return this.at(ctx.iteration);
  }

  *[Symbol.iterator](): Iterator<T> {
    for (let i = 0; i < this.length; i++) yield this.at(i);
  }
}

const csvKey = (abs: string, header: boolean, delimiter: string): string =>
  `csv\u0000${abs}\u0000${header ? 'header' : 'no-header'}\u0000${delimiter}`;
const jsonKey = (abs: string): string => `json\u0000${abs}`;

function syntaxError(shown: string, abs: string, err: DataSyntaxError): VolleyError {
  const where = err.column === undefined ? `${err.line}` : `${err.line}:${err.column}`;
  return new VolleyError('INVALID_CONFIG', `data file '${shown}' (${abs}:${where}): ${err.message}`);
}

export class DataRegistry {
  private readonly loaded = new Map<string, SharedDataTransfer>();
  private readonly views = new Map<string, SharedData<unknown>>();

  /** `baseDir`: relative paths resolve against it (the script's folder). */
  constructor(private readonly baseDir: string) {}

  private view<T>(key: string, shown: string, load: () => SharedDataTransfer): SharedData<T> {
    let view = this.views.get(key);
    if (!view) {
      let t = this.loaded.get(key);
      if (!t) {
        t = load();
        this.loaded.set(key, t);
      }
      view = new SharedRows<unknown>(t, shown);
      this.views.set(key, view);
    }
    return view as SharedData<T>;
  }

  /**
   * A CSV file (RFC 4180). `header` (default true): the first row names the columns and rows are
   * objects keyed by them (a short row gets '' for its missing fields; extra fields are dropped);
   * false: rows are arrays of strings. `delimiter`: default ','.
   */
  csv<T = Record<string, string>>(
    path: string,
    options: { header?: boolean; delimiter?: string } = {},
  ): SharedData<T> {
    const abs = resolve(this.baseDir, path);
    const header = options.header ?? true;
    const delimiter = options.delimiter ?? ',';
    const code = delimiter.charCodeAt(0);
    if (
      delimiter.length !== 1 ||
      code >= 0x80 ||
      delimiter === '"' ||
      delimiter === '\n' ||
      delimiter === '\r'
    )
      throw new VolleyError(
        'INVALID_CONFIG',
        `data.csv('${path}'): the delimiter must be one ASCII character other than a quote or a line break, not ${JSON.stringify(delimiter)}`,
      );
    const key = csvKey(abs, header, delimiter);
    return this.view<T>(key, path, () => {
      const bytes = readShared(abs, path, this.baseDir);
      let indexed;
      try {
        indexed = indexCsv(new Uint8Array(bytes), { delimiter: code, header });
      } catch (err) {
        if (err instanceof DataSyntaxError) throw syntaxError(path, abs, err);
        throw err;
      }
      const { index, rows, columns } = indexed;
      if (columns) {
        const seen = new Map<string, number>();
        columns.forEach((c, k) => {
          const first = seen.get(c);
          if (first !== undefined)
            throw new VolleyError(
              'INVALID_CONFIG',
              `data file '${path}' (${abs}): column '${c}' appears twice in the header (columns ${first + 1} and ${k + 1})`,
              { hint: 'rename one, or read the rows as arrays with { header: false }' },
            );
          seen.set(c, k);
        });
      }
      return {
        key,
        kind: 'csv',
        path: abs,
        bytes,
        index,
        rows,
        delimiter,
        header,
        ...(columns ? { columns } : {}),
      };
    });
  }

  /** A JSON file whose top level is an array: each element is a row. Validated in full when loaded. */
  json<T = unknown>(path: string): SharedData<T> {
    const abs = resolve(this.baseDir, path);
    const key = jsonKey(abs);
    return this.view<T>(key, path, () => {
      const bytes = readShared(abs, path, this.baseDir);
      try {
        const { index, rows } = indexJsonArray(new Uint8Array(bytes));
        return { key, kind: 'json', path: abs, bytes, index, rows };
      } catch (err) {
        if (err instanceof DataSyntaxError) throw syntaxError(path, abs, err);
        if (err instanceof NotAnArrayError)
          throw new VolleyError(
            'INVALID_CONFIG',
            err.found === undefined
              ? `data.json expects a top-level array: ${path} is empty`
              : `data.json expects a top-level array: ${path} starts with ${err.found}`,
          );
        throw err;
      }
    });
  }

  /**
   * A file's bytes as they are on disk (an upload's content): loaded once per test and shared like
   * the others; each call returns its own copy, so no VU can change what another sends.
   */
  file(path: string): Buffer {
    const abs = resolve(this.baseDir, path);
    const key = `file\u0000${abs}`;
    let t = this.loaded.get(key);
    if (!t) {
      const bytes = readShared(abs, path, this.baseDir);
      t = { key, kind: 'file', path: abs, bytes, index: new SharedArrayBuffer(0), rows: 0 };
      this.loaded.set(key, t);
    }
    return Buffer.from(new Uint8Array(t.bytes));
  }

  /** What the main thread hands to workers (SharedArrayBuffers travel without copying). */
  transfers(): SharedDataTransfer[] {
    return [...this.loaded.values()];
  }

  /** Every loaded file in its portable form, for the generators (see `portableData`). */
  portable(): DataFile[] {
    return this.transfers().map(portableData);
  }

  /** In a worker: pre-register what the main thread loaded, so csv()/json() with the same resolved path and options never read the file again. */
  seed(transfers: readonly SharedDataTransfer[]): void {
    for (const t of transfers) {
      if (!(t.bytes instanceof SharedArrayBuffer) || !(t.index instanceof SharedArrayBuffer))
        throw new VolleyError('RUNTIME', `shared data for ${t.path} arrived without its SharedArrayBuffers`);
      if (!this.loaded.has(t.key)) this.loaded.set(t.key, t);
    }
  }
}

const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Shared forms by the portable bytes that view them (or were copied into them): one per file and process. */
const sharedByBytes = new WeakMap<Uint8Array, SharedDataTransfer>();

/**
 * The portable form of a loaded file: its bytes as a view of the shared copy (no copy made) and
 * their sha256, computed here once (about 2 s per GB).
 */
export function portableData(t: SharedDataTransfer): DataFile {
  const bytes = new Uint8Array(t.bytes);
  sharedByBytes.set(bytes, t);
  return {
    key: t.key,
    kind: t.kind,
    path: t.path,
    bytes,
    sha256: sha256Hex(bytes),
    rows: t.rows,
    ...(t.delimiter === undefined ? {} : { delimiter: t.delimiter }),
    ...(t.header === undefined ? {} : { header: t.header }),
  };
}

/**
 * The shared form of a portable file, for threads of this process: the one it was made from when
 * this process loaded it (no copy), otherwise its bytes checked against the digest, copied once
 * into a SharedArrayBuffer and indexed.
 */
export function sharedTransferOf(file: DataFile): SharedDataTransfer {
  const known = sharedByBytes.get(file.bytes);
  if (known) return known;
  if (sha256Hex(file.bytes) !== file.sha256)
    throw new VolleyError(
      'RUNTIME',
      `data file ${file.path}: its content does not match its sha256 digest (changed or damaged on the way)`,
    );
  const bytes = new SharedArrayBuffer(file.bytes.byteLength);
  const view = new Uint8Array(bytes);
  view.set(file.bytes);
  const base = { key: file.key, kind: file.kind, path: file.path, bytes };
  let t: SharedDataTransfer;
  try {
    if (file.kind === 'file') t = { ...base, index: new SharedArrayBuffer(0), rows: 0 };
    else if (file.kind === 'json') t = { ...base, ...indexJsonArray(view) };
    else {
      const delimiter = file.delimiter ?? ',';
      const header = file.header ?? true;
      const { index, rows, columns } = indexCsv(view, { delimiter: delimiter.charCodeAt(0), header });
      t = { ...base, index, rows, delimiter, header, ...(columns ? { columns } : {}) };
    }
  } catch (err) {
    // The loading side indexed the same bytes without error: this is a defect, not a user's mistake.
    throw new VolleyError('RUNTIME', `data file ${file.path}: ${(err as Error).message}`, { cause: err });
  }
  sharedByBytes.set(file.bytes, t);
  return t;
}
