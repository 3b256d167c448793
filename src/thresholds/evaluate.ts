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
}

function compare(a: number, op: Operator, b: number): boolean {
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
  // A metric with no samples yet has count 0 (so `count>10` fails and `count<10` passes); other
  // statistics of an empty metric are 0 — k6 evaluates the same way.
  const actual = state ? statistic(state, t.stat, elapsedSeconds) : t.stat === 'count' ? 0 : undefined;
  const ok = actual === undefined ? true : compare(actual, t.op, t.value);
  return { key: t.key, source: t.source, ok, actual, abortOnFail: t.abortOnFail };
}

/** The thresholds that call for an abort now: failing, abortOnFail, past their delayAbortEval. */
export function abortingThresholds(
  thresholds: readonly Threshold[],
  results: readonly ThresholdResult[],
  elapsedMs: number,
): Threshold[] {
  return thresholds.filter(
    (t, i) => t.abortOnFail && results[i]?.ok === false && elapsedMs >= t.delayAbortEvalMs,
  );
}
