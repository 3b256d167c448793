/** Evaluates parsed thresholds against the aggregator's cumulative state: live (once a second) and at the end. */
import type { Aggregator } from '../metrics/aggregator.js';
import { statistic } from '../metrics/state.js';
import type { Operator, Threshold } from './parse.js';

export interface ThresholdResult {
  key: string;
  source: string;
  ok: boolean;
  /** The observed statistic (ms for time trends); undefined when the metric had no samples. */
  actual: number | undefined;
  abortOnFail: boolean;
  /** Why the threshold fails without a value (a monitor metric that recorded nothing). */
  reason?: string;
}

/** Whether `a OP b` holds: a threshold's comparison (the capacity plan judges stages with it too). */
export function compare(a: number, op: Operator, b: number): boolean {
  switch (op) {
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '==':
      return a === b;
    case '!=':
      return a !== b;
  }
}

export function evaluateThreshold(t: Threshold, agg: Aggregator, elapsedSeconds: number): ThresholdResult {
  const state = agg.total(t.metric, t.filter);
  // A counter or rate with no samples is 0 (so `count>10` fails and `rate<0.01` passes). A trend
  // or gauge with no samples has no value: the threshold passes and reports "no data".
  const empty = t.stat === 'count' || t.metricType === 'counter' || t.metricType === 'rate';
  const actual = state ? statistic(state, t.stat, elapsedSeconds) : empty ? 0 : undefined;
  // A monitor metric without readings means the monitor watched nothing useful (no --monitor-pid
  // or --monitor-prometheus, a process that exited, an endpoint never scraped): it cannot pass.
  if (actual === undefined && isMonitorMetric(t.metric))
    return {
      key: t.key,
      source: t.source,
      ok: false,
      actual,
      abortOnFail: t.abortOnFail,
      reason: `no samples of ${t.metric}: ${t.metric.startsWith('prom_') ? 'nothing was scraped for it (check --monitor-prometheus and --monitor-series)' : 'no process was monitored (check --monitor-pid, and that the process did not exit)'}`,
    };
  const ok = actual === undefined ? true : compare(actual, t.op, t.value);
  return { key: t.key, source: t.source, ok, actual, abortOnFail: t.abortOnFail };
}

/** Metrics of the resource monitor (src/monitor): readings of the target, not of the load. */
export function isMonitorMetric(name: string): boolean {
  return name.startsWith('target_') || name.startsWith('prom_');
}

/** The thresholds that call for an abort now: failing, abortOnFail, past their delayAbortEval. */
export function abortingThresholds(
  thresholds: readonly Threshold[],
  results: readonly ThresholdResult[],
  elapsedMs: number,
): Threshold[] {
  // A threshold with no value yet (a monitor that has not read) fails the end, never aborts early.
  return thresholds.filter(
    (t, i) =>
      t.abortOnFail &&
      results[i]?.ok === false &&
      results[i]?.actual !== undefined &&
      elapsedMs >= t.delayAbortEvalMs,
  );
}
