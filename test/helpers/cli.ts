/** Runs the real `volley` command in a child process and collects what it printed. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** Every CLI run in the tests records into this process's own store, never the user's ~/.volley. */
export const TEST_DB = join(tmpdir(), `volley-test-${process.pid}.db`);

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export function runCli(
  args: string[],
  opts: {
    onSpawn?: (c: ChildProcess) => void;
    cwd?: string;
    timeoutMs?: number;
    env?: NodeJS.ProcessEnv;
  } = {},
): Promise<CliResult> {
  const t0 = Date.now();
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: opts.cwd,
    env: {
      ...process.env,
      CI: 'true',
      NO_COLOR: '1',
      VOLLEY_DB: process.env.VOLLEY_DB ?? TEST_DB,
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  opts.onSpawn?.(child);
  const kill = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearTimeout(kill);
      resolve({ code, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

/**
 * Resolves once `cond` holds, polling every 20 ms; rejects after `timeoutMs`. Tests that signal or
 * measure a run wait for something the run did (the server's first requests, a printed line),
 * never for a fixed delay from spawn: start-up time varies with the machine's load.
 */
export async function waitFor(cond: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`waited ${timeoutMs} ms for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Sends `signal` to a spawned run once `cond` holds (e.g. the server counted its first 50
 * requests). If it never does, the child is killed and the returned promise rejects: await it.
 */
export function signalWhen(
  child: ChildProcess,
  cond: () => boolean,
  what: string,
  signal: NodeJS.Signals = 'SIGINT',
  timeoutMs = 20_000,
): Promise<void> {
  return waitFor(cond, what, timeoutMs).then(
    () => {
      child.kill(signal);
    },
    (err: unknown) => {
      child.kill('SIGKILL');
      throw err;
    },
  );
}

let summaryFiles = 0;

/**
 * `volley run ARGS --workers 1 --out json=FILE -q` in a child process: its exit code, stderr and
 * the JSON summary it wrote to `dir` (undefined when it wrote none, e.g. a run refused before load).
 */
export async function runWithSummary<S>(
  dir: string,
  args: string[],
  opts: { cwd?: string; timeoutMs?: number } = {},
): Promise<{ code: number | null; stderr: string; summary: S | undefined }> {
  const out = join(dir, `summary-${process.pid}-${++summaryFiles}.json`);
  const r = await runCli(['run', ...args, '--workers', '1', '--out', `json=${out}`, '-q'], {
    timeoutMs: opts.timeoutMs ?? 50_000,
    ...(opts.cwd === undefined ? {} : { cwd: opts.cwd }),
  });
  let summary: S | undefined;
  try {
    summary = JSON.parse(readFileSync(out, 'utf8')) as S;
  } catch {
    summary = undefined;
  }
  return { code: r.code, stderr: r.stderr, summary };
}

/** As `runWithSummary`, for a run that must have written a summary (the test fails if it did not). */
export async function runForSummary<S>(
  dir: string,
  args: string[],
): Promise<{ code: number | null; stderr: string; summary: S }> {
  const r = await runWithSummary<S>(dir, args);
  if (r.summary === undefined) throw new Error(`no summary (exit ${r.code}): ${r.stderr}`);
  return { code: r.code, stderr: r.stderr, summary: r.summary };
}
