/** `volley serve`: the API, live stream and dashboard over the run store, until SIGINT/SIGTERM. */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VolleyError } from '../errors.js';
import { processAlive } from '../store/pid-alive.js';
import type { RunStore } from '../store/run-store.js';
import { startServer, type RunningServer } from '../server/server.js';
import { ExitCode, type ExitCodeValue } from './exit-codes.js';
import type { CliIO } from './io.js';
import { openStore, type StoreFlags } from './store-flags.js';

export const WEB_DIR = fileURLToPath(new URL('../../web', import.meta.url));
export const JOB_ENTRY = fileURLToPath(new URL('./run-job.js', import.meta.url));

export interface ServeFlags extends StoreFlags {
  port?: string;
  host?: string;
  token?: string;
  scripts?: string;
}

export function parsePort(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new VolleyError('INVALID_USAGE', `--port must be an integer 0..65535 (got '${text}')`);
  return port;
}

export function scriptsDir(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const dir = resolve(text);
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new VolleyError('INVALID_USAGE', `--scripts ${text}: no such folder`);
  return dir;
}

/** Starts the server over an open store; the caller owns the store. */
export async function startServe(
  flags: ServeFlags,
  io: CliIO,
  store: RunStore,
  version: string,
  env: NodeJS.ProcessEnv = io.env,
): Promise<RunningServer> {
  const interrupted = store.reconcile(processAlive);
  if (interrupted.length > 0)
    io.stderr(`${interrupted.length} run(s) whose process had stopped are now marked interrupted\n`);
  return startServer({
    store,
    host: flags.host ?? '127.0.0.1',
    port: parsePort(flags.port, 8089),
    token: flags.token ?? (io.env.VOLLEY_TOKEN || undefined),
    scriptsDir: scriptsDir(flags.scripts),
    webDir: WEB_DIR,
    jobEntry: JOB_ENTRY,
    env,
    version,
    log: (line) => io.stderr(`${new Date().toISOString().slice(11, 19)} ${line}\n`),
  });
}

/** Resolves when SIGINT or SIGTERM arrives. */
export function untilSignal(io: CliIO): Promise<string> {
  return new Promise((resolveSignal) => {
    const off = io.onSignals((name) => {
      off();
      resolveSignal(name);
    });
  });
}

export async function serveCommand(flags: ServeFlags, io: CliIO, version: string): Promise<ExitCodeValue> {
  const store = openStore(flags, io);
  try {
    const server = await startServe(flags, io, store, version);
    // The first stdout line is the URL alone, for scripts and tests to read.
    io.stdout(`${server.url}\n`);
    io.stderr(`volley serve: dashboard and API on ${server.url} (store ${store.path})\n`);
    if (flags.scripts) io.stderr(`scripts from ${scriptsDir(flags.scripts)}\n`);
    const name = await untilSignal(io);
    io.stderr(`${name}: stopping the server${server.manager.activeId ? ' and the active run' : ''}\n`);
    await server.close();
    return ExitCode.OK;
  } finally {
    store.close();
  }
}
