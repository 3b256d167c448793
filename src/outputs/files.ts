/**
 * `--out` parsing (every kind: docs/outputs.md), `--out json=FILE|-` (the end-of-test summary) and
 * `--out ndjson=FILE|-` (one line per snapshot). Both listen to the run's event stream; NDJSON
 * lines are written as seconds close, so an aborted or crashed run keeps every second it measured.
 */
import { accessSync, closeSync, constants, existsSync, openSync, writeSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { RunListener } from '../engine/run.js';
import type { Snapshot } from '../engine/snapshot.js';
import { VolleyError } from '../errors.js';

export type OutputKind = 'json' | 'ndjson' | 'csv' | 'html' | 'junit' | 'prometheus' | 'otlp';

export interface OutputSpec {
  kind: OutputKind;
  /** A file, '-' (stdout), HOST:PORT or '' (prometheus), or a URL (otlp). */
  target: string;
}

/** The kinds whose target is a file or '-' (stdout). */
export const FILE_KINDS: readonly OutputKind[] = ['json', 'ndjson', 'csv', 'html', 'junit'];

const OUT_USAGE =
  'json=FILE|-, ndjson=FILE|-, csv=FILE|-, html=FILE, junit=FILE, prometheus[=HOST:PORT] or otlp=URL';

export function parseOutSpec(text: string): OutputSpec {
  if (text === 'prometheus') return { kind: 'prometheus', target: '' };
  const m = /^([a-z]+)=(.*)$/.exec(text);
  const kind = m?.[1] as OutputKind | undefined;
  const target = m?.[2] ?? '';
  if (!m || !kind || !(FILE_KINDS.includes(kind) || kind === 'prometheus' || kind === 'otlp')) {
    throw new VolleyError(
      'INVALID_USAGE',
      m ? `--out '${text}': unknown kind '${m[1]}' (${OUT_USAGE})` : `--out '${text}' must be ${OUT_USAGE}`,
    );
  }
  if (target === '')
    throw new VolleyError('INVALID_USAGE', `--out '${text}': ${kind}= needs a target (${OUT_USAGE})`);
  if ((kind === 'html' || kind === 'junit') && target === '-')
    throw new VolleyError('INVALID_USAGE', `--out ${kind}=-: write ${kind} to a file (${kind}=FILE)`);
  if (kind === 'otlp') {
    let url: URL | undefined;
    try {
      url = new URL(target);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
      throw new VolleyError(
        'INVALID_USAGE',
        `--out otlp='${target}' must be an http(s) URL (for example http://127.0.0.1:4318/v1/metrics)`,
      );
  }
  return { kind, target };
}

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

export class NdjsonOutput implements RunListener {
  private readonly out: OutputStream;
  constructor(target: string, stdout: (s: string) => void) {
    this.out = new OutputStream('--out ndjson', target, stdout);
  }

  onSnapshot(s: Snapshot): void {
    this.out.write(`${JSON.stringify(s)}\n`);
  }

  /** The last line carries the final summary, so a consumer of the stream alone gets the verdict. */
  writeSummary(summary: unknown): void {
    this.out.write(`${JSON.stringify({ schema: 'volley.summary-line/1', type: 'summary', summary })}\n`);
  }

  close(): void {
    this.out.close();
  }
}
