/**
 * `--out json=FILE|-` (the end-of-test summary) and `--out ndjson=FILE|-` (one line per snapshot);
 * the `--out` table itself is registry.ts. Both listen to the run's event stream; NDJSON
 * lines are written as seconds close, so an aborted or crashed run keeps every second it measured.
 */
import { accessSync, closeSync, constants, existsSync, openSync, writeSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Snapshot } from '../engine/snapshot.js';
import { VolleyError } from '../errors.js';
import type { Summary } from '../summary/summary.js';
import type { SessionListener } from './listener.js';

/** Writes the summary document; '-' goes to stdout through the injected writer. */
export function writeJsonSummary(target: string, doc: unknown, stdout: (s: string) => void): void {
  const text = `${JSON.stringify(doc, null, 2)}\n`;
  if (target === '-') stdout(text);
  else writeFileSync(target, text);
}

/**
 * Where a streaming output writes: a file opened once (each write goes straight to it, so a crash
 * keeps what was written), or stdout through the injected writer for '-'.
 */
export class OutputStream {
  private fd: number | undefined;
  constructor(
    label: string,
    private readonly target: string,
    private readonly stdout: (s: string) => void,
  ) {
    if (target === '-') return;
    try {
      this.fd = openSync(target, 'w');
    } catch (err) {
      throw new VolleyError(
        'UNREADABLE_FILE',
        `${label}=${target}: cannot open for writing (${(err as NodeJS.ErrnoException).code})`,
      );
    }
  }

  write(text: string): void {
    if (this.target === '-') this.stdout(text);
    else if (this.fd !== undefined) writeSync(this.fd, text);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Fails early, with `label` in the message, when `path` (or its folder) cannot be written. */
export function assertWritable(path: string, label: string): void {
  try {
    if (existsSync(path)) accessSync(path, constants.W_OK);
    else accessSync(dirname(resolve(path)), constants.W_OK);
  } catch (err) {
    throw new VolleyError(
      'UNREADABLE_FILE',
      `${label}: cannot write there (${(err as NodeJS.ErrnoException).code})`,
    );
  }
}

export class NdjsonOutput implements SessionListener {
  private readonly out: OutputStream;
  constructor(target: string, stdout: (s: string) => void) {
    this.out = new OutputStream('--out ndjson', target, stdout);
  }

  onSnapshot(s: Snapshot): void {
    this.out.write(`${JSON.stringify(s)}\n`);
  }

  /** The last line carries the final summary, so a consumer of the stream alone gets the verdict. */
  onSummary(summary: Summary): void {
    this.out.write(`${JSON.stringify({ schema: 'volley.summary-line/1', type: 'summary', summary })}\n`);
  }

  close(): void {
    this.out.close();
  }
}
