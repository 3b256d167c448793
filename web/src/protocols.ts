/**
 * The protocols of a run, as the dashboard shows them: from the summary's `protocols[]` (or, for a
 * summary written before volley had protocol modules, its HTTP metrics — the only protocol then),
 * and from the live snapshot's `protocols[]`.
 */
import type { Summary } from '../../src/server/wire.js';

export interface ProtocolFigures {
  name: string;
  metrics: { count: string; failures: string; duration: string };
  requests: number;
  failures: number;
  errorRate: number;
  rps: number;
  latency: Summary['endpoints'][number]['latency'];
}

/** Summaries written before `protocols` existed spoke HTTP only, with these metrics. */
const LEGACY = { count: 'http_reqs', failures: 'http_req_failed', duration: 'http_req_duration' };

/** Every protocol the run spoke, most requests first (the first is the headline). */
export function summaryProtocols(s: Summary): ProtocolFigures[] {
  if (s.protocols) return s.protocols;
  const v = (m: string, stat: string): number => s.metrics[m]?.values[stat] ?? 0;
  if (v(LEGACY.count, 'count') <= 0) return [];
  return [
    {
      name: 'http',
      metrics: LEGACY,
      requests: v(LEGACY.count, 'count'),
      failures: v(LEGACY.failures, 'passes'),
      errorRate: v(LEGACY.failures, 'rate'),
      rps: v(LEGACY.count, 'rate'),
      latency: {
        count: v(LEGACY.duration, 'count'),
        avg: v(LEGACY.duration, 'avg'),
        min: v(LEGACY.duration, 'min'),
        p50: v(LEGACY.duration, 'med'),
        p90: v(LEGACY.duration, 'p(90)'),
        p95: v(LEGACY.duration, 'p(95)'),
        p99: v(LEGACY.duration, 'p(99)'),
        max: v(LEGACY.duration, 'max'),
      },
    },
  ];
}

/** The headline protocol's metric names (the run's main protocol). */
export function headlineMetrics(s: Summary): ProtocolFigures['metrics'] {
  const ps = summaryProtocols(s);
  return (ps.find((p) => p.name === s.headline) ?? ps[0])?.metrics ?? LEGACY;
}
