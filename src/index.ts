/**
 * volley's script API: `import { defineTest, check, between, group, data } from 'volley'`.
 * Scripts are bundled with this module left out, so a script always gets the API of the volley
 * that runs it.
 */
import type { CheckSet } from './script/api.js';
import { dataRegistry } from './script/data-access.js';
import type { SharedData } from './script/data/shared-data.js';
import { requireVu } from './script/thread-state.js';

export { defineTest, between, constant, pacing } from './script/define.js';
export { Counter, Gauge, Rate, Trend } from './script/metrics.js';
export * as presets from './script/presets.js';
export type { SharedData } from './script/data/shared-data.js';
export type * from './script/api.js';

/**
 * Runs every predicate on `value`, records each in the `checks` metric (tagged `check`, with the
 * VU's scenario and group), and returns whether all passed. A predicate that throws has failed.
 */
export function check<T>(value: T, checks: CheckSet<T>, tags?: Record<string, string>): boolean {
  return requireVu('check').check(value, checks, tags);
}

/** Runs `fn` with the samples it produces tagged `group` (nested groups: `::outer::inner`); records `group_duration`. */
export function group<R>(name: string, fn: () => R | Promise<R>): Promise<R> {
  return requireVu('group').group(name, fn);
}

/** Sleeps this VU for `seconds` (a hard stop wakes it). */
export function sleep(seconds: number): Promise<void> {
  return requireVu('sleep').sleep(seconds);
}

/**
 * Test data loaded once and shared read-only by every VU and worker (no copy per VU). Paths are
 * relative to the script's folder. Call at the top of the script so a missing file fails before
 * any traffic is sent.
 */
export const data = {
  csv<T = Record<string, string>>(
    path: string,
    options?: { header?: boolean; delimiter?: string },
  ): SharedData<T> {
    return dataRegistry().csv<T>(path, options);
  },
  json<T = unknown>(path: string): SharedData<T> {
    return dataRegistry().json<T>(path);
  },
  /**
   * A file's bytes, e.g. for an upload (`http.file(data.file('report.pdf'), 'report.pdf')`): read
   * once per test, shipped to every generator with the test; each call returns its own copy.
   */
  file(path: string): Buffer {
    return dataRegistry().file(path);
  },
};
