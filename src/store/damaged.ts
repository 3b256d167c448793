/**
 * A run store whose file is damaged (torn pages, a truncated copy, not SQLite at all) is a
 * problem with the user's file, not a volley bug: one error that says how to check it and what to
 * do, instead of SQLite's message under "internal error" and a stack. `guardDatabase` converts
 * at the driver boundary, so every repository (runs, benches) gets it.
 */
import type Database from 'better-sqlite3';
import { VolleyError } from '../errors.js';

/** SQLite's result codes for a file that is not (or no longer) a sound database. */
const DAMAGED = /^SQLITE_(CORRUPT|NOTADB)/;

export class DamagedStoreError extends VolleyError {
  constructor(
    readonly path: string,
    cause: Error,
  ) {
    super(
      'UNREADABLE_FILE',
      `the run store ${path} is damaged (${cause.message}): check it with sqlite3 '${path}' 'PRAGMA integrity_check', then restore a backup or move the file away (volley starts a new one)`,
      { cause },
    );
    this.name = 'DamagedStoreError';
  }
}

export function isDamage(err: unknown): err is Error & { code: string } {
  const code = (err as { code?: unknown } | null)?.code;
  return err instanceof Error && typeof code === 'string' && DAMAGED.test(code);
}

function convert<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (isDamage(err)) throw new DamagedStoreError(path, err);
    throw err;
  }
}

const STATEMENT_CALLS = new Set(['run', 'get', 'all', 'iterate']);

/** The same database, whose statements, exec and pragma throw DamagedStoreError on damage. */
export function guardDatabase(db: Database.Database, path: string): Database.Database {
  const statement = (st: Database.Statement): Database.Statement =>
    new Proxy(st, {
      get(target, prop, receiver) {
        const v: unknown = Reflect.get(target, prop, receiver);
        if (typeof v !== 'function' || typeof prop !== 'string' || !STATEMENT_CALLS.has(prop)) return v;
        return (...args: unknown[]) =>
          convert(path, () => (v as (...a: unknown[]) => unknown).apply(target, args));
      },
    });
  return new Proxy(db, {
    get(target, prop, receiver) {
      const v: unknown = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function') return v;
      const fn = v as (...a: unknown[]) => unknown;
      if (prop === 'prepare')
        return (...args: unknown[]) =>
          statement(convert(path, () => fn.apply(target, args)) as Database.Statement);
      if (prop === 'exec' || prop === 'pragma')
        return (...args: unknown[]) => convert(path, () => fn.apply(target, args));
      return fn.bind(target);
    },
  });
}
