/**
 * What the script API's free functions (`check`, `group`, custom metrics, `data`) need from the
 * thread they run in: the metric sink (worker threads only), the custom metrics the script
 * declared, its data registry, and — through AsyncLocalStorage — the VU whose code is running, so
 * `check(res, …)` imported from 'volley' is tagged with that VU's scenario and group.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { MetricDefinition } from '../metrics/definitions.js';
import type { MetricSink } from '../metrics/sink.js';
import type { Tags } from '../metrics/tags.js';
import type { CheckSet } from './api.js';

/** The recording context of the VU whose code is running. */
export interface VuScope {
  /** Tags every sample of this VU carries now: test, scenario and the current `group`. */
  readonly tags: Tags;
  /** A stable key for `tags`, for caching series per scope. */
  readonly key: string;
  check<T>(value: T, checks: CheckSet<T>, tags?: Record<string, string>): boolean;
  group<R>(name: string, fn: () => R | Promise<R>): Promise<R>;
  sleep(seconds: number): Promise<void>;
}

export const currentVu = new AsyncLocalStorage<VuScope>();

export interface ThreadState {
  /** Set in worker threads; the main thread (setup, teardown, planning) records nothing. */
  sink: MetricSink | undefined;
  /** Custom metrics declared by the script in this thread, by name. */
  readonly customMetrics: Map<string, MetricDefinition>;
  /** Folder relative data paths resolve against (the script's folder). */
  scriptDir: string;
}

export const threadState: ThreadState = {
  sink: undefined,
  customMetrics: new Map(),
  scriptDir: '.',
};

export function requireVu(fn: string): VuScope {
  const scope = currentVu.getStore();
  if (!scope) {
    throw new Error(
      `${fn}() was called outside VU code: call it inside a scenario's exec, a user's task, onStart or onStop`,
    );
  }
  return scope;
}
