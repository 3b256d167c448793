/** `volley serve`: the API, live stream and dashboard over the run store, until SIGINT/SIGTERM. */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VolleyError } from '../errors.js';
import { safeUrl } from '../generators/agent/nats-connect.js';
import { processAlive } from '../store/pid-alive.js';
import type { RunStore } from '../store/run-store.js';
import { startServer, type RunningServer } from '../server/server.js';
import { ExitCode, type ExitCodeValue } from './exit-codes.js';
import type { CliIO } from './io.js';
import { openStore, type StoreFlags } from './store-flags.js';
import { natsAuth } from './agent-flags.js';
import type { AgentPoolSettings } from '../server/run-manager.js';

export const WEB_DIR = fileURLToPath(new URL('../../web', import.meta.url));
export const JOB_ENTRY = fileURLToPath(new URL('./run-job.js', import.meta.url));

export interface ServeFlags extends StoreFlags {
  port?: string;
  host?: string;
  token?: string;
  scripts?: string;
  publicUrl?: string;
  nats?: string;
  natsCreds?: string;
  natsToken?: string;
  natsUser?: string;
  natsPassword?: string;
}

/**
 * The agent pool of `--nats` (else $VOLLEY_NATS_URL), with the credentials of the flags (else
 * $VOLLEY_NATS_*); undefined: the server has no pool. A creds file is made absolute: run
 * processes start in another folder.
 */
export function agentPoolSettings(flags: ServeFlags, env: NodeJS.ProcessEnv): AgentPoolSettings | undefined {
  const url = flags.nats ?? (env.VOLLEY_NATS_URL || undefined);
  const auth = natsAuth(
    { creds: flags.natsCreds, token: flags.natsToken, user: flags.natsUser, password: flags.natsPassword },
    env,
  );
  if (url === undefined) {
    if (flags.natsCreds ?? flags.natsToken ?? flags.natsUser ?? flags.natsPassword)
      throw new VolleyError(
        'INVALID_USAGE',
        'the NATS credentials need --nats nats://HOST:4222 (or VOLLEY_NATS_URL)',
      );
    return undefined;
  }
  if (auth.creds !== undefined) auth.creds = resolve(auth.creds);
  return { url, auth };
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
  /** The agent pool (serve's --nats; the demo has none). */
  nats?: AgentPoolSettings,
): Promise<RunningServer> {
  const interrupted = store.reconcile(processAlive);
  if (interrupted.length > 0)
    io.stderr(`${interrupted.length} run(s) whose process had stopped are now marked interrupted\n`);
  const publicUrl = flags.publicUrl?.replace(/\/+$/, '');
  if (publicUrl !== undefined && !/^https?:\/\/[^/]/.test(publicUrl))
    throw new VolleyError(
      'INVALID_USAGE',
      `--public-url must be an http:// or https:// URL (got '${flags.publicUrl}')`,
    );
  return startServer({
    store,
    publicUrl,
    host: flags.host ?? '127.0.0.1',
    port: parsePort(flags.port, 8089),
    token: flags.token ?? (io.env.VOLLEY_TOKEN || undefined),
    scriptsDir: scriptsDir(flags.scripts),
    webDir: WEB_DIR,
    jobEntry: JOB_ENTRY,
    env,
    nats,
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
    const nats = agentPoolSettings(flags, io.env);
    const server = await startServe(flags, io, store, version, io.env, nats);
    // The first stdout line is the URL alone, for scripts and tests to read.
    io.stdout(`${server.url}\n`);
    io.stderr(`volley serve: dashboard and API on ${server.url} (store ${store.path})\n`);
    if (flags.scripts) io.stderr(`scripts from ${scriptsDir(flags.scripts)}\n`);
    if (nats) io.stderr(`agent pool on NATS at ${safeUrl(nats.url)} (GET /api/agents, the Agents page)\n`);
    const name = await untilSignal(io);
    io.stderr(`${name}: stopping the server${server.manager.activeId ? ' and the active run' : ''}\n`);
    await server.close();
    return ExitCode.OK;
  } finally {
    store.close();
  }
}
