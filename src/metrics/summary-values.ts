/** k6-shaped `values` objects for a metric state, shared by the JSON summary, snapshots and reports. */
import { statistic, type MetricState } from './state.js';

export const TREND_STATS = ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)', 'count'] as const;

/**
 * Trend statistics are rounded to 3 decimals (1 µs for times, finer than the histogram's own
 * resolution). Rates, counter rates and gauges keep full precision: 39 failures of 4,125 is
 * 0.0094545…, and a document that says 0.009 misleads every reader and every threshold. Reports
 * round for display only (src/summary/format.ts).
 */
const round = (v: number): number => (Number.isInteger(v) ? v : Math.round(v * 1000) / 1000);

/** What the terminal summary shows for a trend by default (k6's default --summary-trend-stats). */
export const DEFAULT_DISPLAY_TREND_STATS: readonly string[] = [
  'avg',
  'min',
  'med',
  'p(90)',
  'p(95)',
  'p(99)',
  'max',
];

/**
 * `--summary-trend-stats 'avg,min,med,max,p(90),p(99.9)'` as a list; every malformed entry is a
 * problem. Percentiles are read from the merged histogram, so any p(N) with 0 < N <= 100 is exact
 * to the histogram's resolution.
 */
export function parseTrendStats(text: string, problems: string[]): string[] {
  const out: string[] = [];
  for (const raw of text.split(',')) {
    const stat = raw.trim();
    const p = /^p\((\d+(?:\.\d+)?)\)$/.exec(stat);
    const ok =
      ['avg', 'min', 'med', 'max', 'count'].includes(stat) || (p && Number(p[1]) > 0 && Number(p[1]) <= 100);
    if (!ok)
      problems.push(
        `--summary-trend-stats: '${stat}' is not a trend statistic (avg, min, med, max, count, p(N) with 0 < N <= 100)`,
      );
    else if (!out.includes(stat)) out.push(stat);
  }
  return out;
}

/**
 * `extraTrendStats`: statistics asked for besides the standard ones (`--summary-trend-stats`); the
 * standard ones stay, since reports, comparisons and the dashboard read them.
 */
export function metricValues(
  state: MetricState,
  elapsedSeconds: number,
  extraTrendStats: readonly string[] = [],
): Record<string, number> {
  const names: readonly string[] =
    state.type === 'trend'
      ? [...TREND_STATS, ...extraTrendStats.filter((x) => !(TREND_STATS as readonly string[]).includes(x))]
      : state.type === 'counter'
        ? ['count', 'rate']
        : state.type === 'rate'
          ? ['rate', 'passes', 'fails']
          : ['value', 'min', 'max'];
  const out: Record<string, number> = {};
  for (const n of names) {
    const v = statistic(state, n, elapsedSeconds);
    if (v !== undefined) out[n] = state.type === 'trend' ? round(v) : v;
  }
  return out;
}

export interface LatencyStats {
  count: number;
  avg: number;
  min: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
}

/** Latency statistics in ms from a time trend (zeros when empty). */
export function latencyStats(state: MetricState | undefined): LatencyStats {
  const s = (stat: string): number => (state ? round(statistic(state, stat, 1) ?? 0) : 0);
  return {
    count: state?.count ?? 0,
    avg: s('avg'),
    min: s('min'),
    p50: s('med'),
    p90: s('p(90)'),
    p95: s('p(95)'),
    p99: s('p(99)'),
    max: s('max'),
  };
}
