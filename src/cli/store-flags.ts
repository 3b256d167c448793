/** Where the run store lives: --db, then VOLLEY_DB, then ~/.volley/volley.db (docs/store.md). */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { VolleyError } from '../errors.js';
import { RunStore } from '../store/run-store.js';
import type { CliIO } from './io.js';

export interface StoreFlags {
  db?: string;
  /** false with --no-store. */
  store?: boolean;
}

export function defaultDbPath(env: NodeJS.ProcessEnv): string {
  return join(env.HOME || homedir(), '.volley', 'volley.db');
}

export function dbPath(flags: StoreFlags, env: NodeJS.ProcessEnv): { path: string; explicit: boolean } {
  if (flags.db !== undefined && flags.db !== '') return { path: resolve(flags.db), explicit: true };
  if (env.VOLLEY_DB) return { path: resolve(env.VOLLEY_DB), explicit: true };
  return { path: defaultDbPath(env), explicit: false };
}

/** For commands that need the store (runs, serve): any failure is an error. */
export function openStore(flags: StoreFlags, io: CliIO): RunStore {
  return RunStore.open(dbPath(flags, io.env).path, notice(io));
}

const notice =
  (io: CliIO) =>
  (line: string): void =>
    io.stderr(`notice: ${line}\n`);

/**
 * For `volley run`: records unless --no-store. A store chosen on purpose (--db, VOLLEY_DB) that
 * cannot be opened is an error before any traffic; the default one only warns, so a read-only
 * home never blocks a test.
 */
export function openStoreFor(flags: StoreFlags, io: CliIO): RunStore | undefined {
  if (flags.store === false) return undefined;
  const { path, explicit } = dbPath(flags, io.env);
  try {
    return RunStore.open(path, notice(io));
  } catch (err) {
    if (explicit || !(err instanceof VolleyError)) throw err;
    io.stderr(`warning: ${err.message}; this run is not recorded (set --db or VOLLEY_DB, or --no-store)\n`);
    return undefined;
  }
}
