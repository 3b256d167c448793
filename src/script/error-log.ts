/**
 * Exceptions thrown by user code, counted per scenario and message with the first stack seen
 * (source-mapped to the user's file). Workers ship what is new each second; the main thread adds up.
 */
import { realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ScriptErrorEntry } from '../summary/types.js';
import { k6GlobalHint } from './k6-hints.js';

// The entry is a shape of the summary document (its `scriptErrors`); counting them is this module's job.
export type { ScriptErrorEntry };

const VOLLEY_DIST = fileURLToPath(new URL('../', import.meta.url));
/** volley's own dependencies (commander's parseAsync sits under every script load): not the user's frames. */
const VOLLEY_DEPS = ((): string | undefined => {
  try {
    return realpathSync(dirname(dirname(createRequire(import.meta.url).resolve('commander'))));
  } catch {
    return undefined; // commander not resolvable from here: nothing extra to filter
  }
})();
/** Distinct messages kept per thread; a script throwing unique messages cannot grow memory without bound. */
const MAX_ENTRIES = 100;

/** `Error: message` and the frames that belong to the user's code. */
export function userStack(err: unknown): { message: string; stack: string } {
  if (!(err instanceof Error)) return { message: `thrown: ${String(err)}`, stack: '' };
  const message = `${err.name}: ${err.message}`;
  const frames = (err.stack ?? '')
    .split('\n')
    .filter((l) => /^\s+at /.test(l))
    .filter((l) => !l.includes('node:internal') && !l.includes(VOLLEY_DIST) && !l.includes('(node:'))
    .filter((l) => VOLLEY_DEPS === undefined || !l.includes(`${VOLLEY_DEPS}/`));
  return { message, stack: frames.slice(0, 8).join('\n') };
}

export class ScriptErrorLog {
  private readonly entries = new Map<string, ScriptErrorEntry>();
  private readonly pending = new Map<string, number>();

  record(scenario: string, err: unknown): void {
    let { message, stack } = userStack(err);
    let key = `${scenario}\u0000${message}`;
    let e = this.entries.get(key);
    if (!e && this.entries.size >= MAX_ENTRIES) {
      message = `(other errors beyond the first ${MAX_ENTRIES} distinct messages)`;
      stack = '';
      key = `${scenario}\u0000${message}`;
      e = this.entries.get(key);
    }
    if (!e) {
      // `__ENV is not defined` in an iteration: say what it is in volley, under the frames.
      const hint = k6GlobalHint(message);
      if (hint) stack = `${stack}${stack ? '\n' : ''}    hint: ${hint}`;
      e = { scenario, message, stack, count: 0 };
      this.entries.set(key, e);
    }
    e.count++;
    this.pending.set(key, (this.pending.get(key) ?? 0) + 1);
  }

  /** What was recorded since the last drain (counts are deltas). */
  drain(): ScriptErrorEntry[] {
    const out: ScriptErrorEntry[] = [];
    for (const [key, n] of this.pending) {
      const e = this.entries.get(key) as ScriptErrorEntry;
      out.push({ ...e, count: n });
    }
    this.pending.clear();
    return out;
  }
}

/** Main thread: the totals over every worker. */
export class ScriptErrorTotals {
  private readonly totals = new Map<string, ScriptErrorEntry>();
  add(entries: readonly ScriptErrorEntry[] | undefined): void {
    for (const e of entries ?? []) {
      const key = `${e.scenario}\u0000${e.message}`;
      const t = this.totals.get(key);
      if (t) t.count += e.count;
      else this.totals.set(key, { ...e });
    }
  }
  list(): ScriptErrorEntry[] {
    return [...this.totals.values()].sort((a, b) => b.count - a.count);
  }
}
