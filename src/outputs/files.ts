/**
 * `--out json=FILE|-` (the end-of-test summary) and `--out ndjson=FILE|-` (one line per snapshot).
 * Both listen to the run's event stream; NDJSON lines are written as seconds close, so an aborted
 * or crashed run keeps every second it measured.
 */
import { closeSync, openSync, writeSync, writeFileSync } from 'node:fs';
import type { RunListener } from '../engine/run.js';
import type { Snapshot } from '../engine/snapshot.js';
import { VolleyError } from '../errors.js';

export interface OutputSpec {
  kind: 'json' | 'ndjson';
  target: string;
}

export function parseOutSpec(text: string): OutputSpec {
  const m = /^(json|ndjson)=(.+)$/.exec(text);
  if (!m) {
    throw new VolleyError(
      'INVALID_USAGE',
      `--out '${text}' must be json=FILE, json=-, ndjson=FILE or ndjson=-`,
    );
  }
  return { kind: m[1] as OutputSpec['kind'], target: m[2] as string };
}

/** Writes the summary document; '-' goes to stdout through the injected writer. */
export function writeJsonSummary(target: string, doc: unknown, stdout: (s: string) => void): void {
  const text = `${JSON.stringify(doc, null, 2)}\n`;
  if (target === '-') stdout(text);
  else writeFileSync(target, text);
}

export class NdjsonOutput implements RunListener {
  private fd: number | undefined;
  constructor(
    private readonly target: string,
    private readonly stdout: (s: string) => void,
  ) {
    if (target !== '-') {
      try {
        this.fd = openSync(target, 'w');
      } catch (err) {
        throw new VolleyError(
          'UNREADABLE_FILE',
          `--out ndjson=${target}: cannot open for writing (${(err as NodeJS.ErrnoException).code})`,
        );
      }
    }
  }

  private write(line: string): void {
    if (this.fd === undefined) this.stdout(line);
    else writeSync(this.fd, line);
  }

  onSnapshot(s: Snapshot): void {
    this.write(`${JSON.stringify(s)}\n`);
  }

  /** The last line carries the final summary, so a consumer of the stream alone gets the verdict. */
  writeSummary(summary: unknown): void {
    this.write(`${JSON.stringify({ schema: 'volley.summary-line/1', type: 'summary', summary })}\n`);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
