/** The live per-second view every consumer shares: progress line, NDJSON stream, dashboard, store. */
import type { Aggregator, ClosedSecond } from '../metrics/aggregator.js';
import { headlineMetrics, type HeadlineMetrics, type ProtocolHeadline } from '../metrics/definitions.js';
import { MetricState } from '../metrics/state.js';
import { latencyStats, metricValues, type LatencyStats } from '../metrics/summary-values.js';
// The protocol modules register their metrics and headlines when the registry loads.
import '../protocols/registry.js';
import type { WorkerHealth } from './protocol.js';

export const SNAPSHOT_SCHEMA = 'volley.snapshot/1';

export interface GeneratorSecond {
  workers: WorkerHealth[];
  /** Whole process CPU over the second, in percent of one core (200 = two cores busy). */
  cpuPercent: number;
  rssMB: number;
  /** Sustained: a resource strained in at least 3 of the last 4 seconds (src/engine/saturation.ts). */
  saturated: boolean;
  /** What held, by resource, when saturated (empty otherwise). */
  reasons: string[];
  /** This second's readings over their limit, sustained or not (absent in older streams). */
  strained?: string[];
  /** Workers that sent nothing for over 2.5 s (a busy loop): their numbers are missing from this second. */
  unresponsive: { worker: number; silentMs: number }[];
}

/** Requests sent and not answered when the second closed: a target that hangs shows here, not as 0 req/s. */
export interface InflightRequests {
  requests: number;
  /** Age of the oldest unanswered request, ms (0 when none). */
  oldestAgeMs: number;
}

export interface EndpointSecond {
  /** The protocol (module) whose headline metrics these are. */
  protocol: string;
  scenario: string;
  name: string;
  method: string;
  requests: number;
  failures: number;
  latency: LatencyStats;
}

export interface EndpointTotal extends EndpointSecond {
  rps: number;
}

/** One protocol's headline figures (a run that speaks several protocols has one each). */
export interface ProtocolSecond {
  protocol: string;
  /** Its headline metric names. */
  metrics: HeadlineMetrics;
  /** During this second. */
  requests: number;
  failures: number;
  latency: LatencyStats;
  /** Over the sliding window. */
  current: { rps: number; latency: LatencyStats; errorRate: number };
  /** Since the start. */
  cumulative: { requests: number; failures: number; latency: LatencyStats };
}

export interface Snapshot {
  schema: typeof SNAPSHOT_SCHEMA;
  second: number;
  time: string;
  elapsedMs: number;
  requests: number;
  failures: number;
  errorRate: number;
  iterations: number;
  dropped: number;
  vus: number;
  vusMax: number;
  /** The protocols' headline duration during this second. */
  latency: LatencyStats;
  /** Over the sliding window ("current"). */
  current: {
    windowSeconds: number;
    latency: LatencyStats;
    iterationLatency: LatencyStats | undefined;
    rps: number;
  };
  /** Since the start. */
  cumulative: {
    requests: number;
    failures: number;
    latency: LatencyStats;
    iterationLatency: LatencyStats | undefined;
    /** Per endpoint since the start (the live Locust-style table); rps over the elapsed time. */
    endpoints: EndpointTotal[];
  };
  scheduleLagP99Ms: number | undefined;
  /** Per protocol that has sent anything, in registration order (absent in older streams). */
  protocols?: ProtocolSecond[];
  endpoints: EndpointSecond[];
  /** Every metric's values during this second, summed over tags (k6 `values` shape). */
  metrics: Record<string, Record<string, number>>;
  generator: GeneratorSecond;
  inflight: InflightRequests;
}

/** A headline metric's state: one protocol's, or several merged (a run that speaks two protocols). */
function headlineState(
  heads: readonly HeadlineMetrics[],
  role: keyof HeadlineMetrics,
  read: (metric: string) => MetricState | undefined,
): MetricState | undefined {
  if (heads.length === 1) return read((heads[0] as HeadlineMetrics)[role]);
  let out: MetricState | undefined;
  for (const h of heads) {
    const st = read(h[role]);
    if (!st) continue;
    out ??= new MetricState(st.type, st.contains);
    out.merge(st);
  }
  return out;
}

/** Each protocol's own headline figures, for the protocols that sent anything since the start. */
function protocolSeconds(
  agg: Aggregator,
  one: readonly ClosedSecond[],
  heads: readonly ProtocolHeadline[],
): ProtocolSecond[] {
  const out: ProtocolSecond[] = [];
  for (const h of heads) {
    const total = agg.total(h.count);
    if (!total || total.sum <= 0) continue;
    const cur = agg.current(h.count)?.sum ?? 0;
    const curFailed = agg.current(h.failures);
    out.push({
      protocol: h.protocol,
      metrics: { count: h.count, failures: h.failures, duration: h.duration },
      requests: agg.mergeSeconds(one, h.count)?.sum ?? 0,
      failures: agg.mergeSeconds(one, h.failures)?.trues ?? 0,
      latency: latencyStats(agg.mergeSeconds(one, h.duration)),
      current: {
        rps: agg.windowSpan > 0 ? cur / agg.windowSpan : 0,
        latency: latencyStats(agg.current(h.duration)),
        errorRate: curFailed && curFailed.count > 0 ? curFailed.trues / curFailed.count : 0,
      },
      cumulative: {
        requests: total.sum,
        failures: agg.total(h.failures)?.trues ?? 0,
        latency: latencyStats(agg.total(h.duration)),
      },
    });
  }
  return out;
}

export function buildSnapshot(
  agg: Aggregator,
  closed: ClosedSecond,
  runStartEpochMs: number,
  generator: GeneratorSecond,
  inflight: InflightRequests = { requests: 0, oldestAgeMs: 0 },
): Snapshot {
  const one = [closed];
  const heads = headlineMetrics();
  const sec = (metric: string) => agg.mergeSeconds(one, metric);
  const secHead = (role: keyof HeadlineMetrics) => headlineState(heads, role, sec);
  const totalHead = (role: keyof HeadlineMetrics) => headlineState(heads, role, (m) => agg.total(m));
  const reqs = secHead('count')?.sum ?? 0;
  const failed = secHead('failures');
  const failures = failed ? failed.trues : 0;
  const metrics: Record<string, Record<string, number>> = {};
  for (const name of agg.metricNames()) {
    const st = sec(name);
    if (st) metrics[name] = metricValues(st, 1);
  }
  const endpoints: EndpointSecond[] = [];
  const endpointTotals: EndpointTotal[] = [];
  const elapsedS = closed.second + 1;
  for (const filter of agg.endpoints()) {
    for (const h of heads) {
      const r = agg.mergeSeconds(one, h.count, filter);
      if (r && r.sum > 0)
        endpoints.push({
          protocol: h.protocol,
          ...filter,
          requests: r.sum,
          failures: agg.mergeSeconds(one, h.failures, filter)?.trues ?? 0,
          latency: latencyStats(agg.mergeSeconds(one, h.duration, filter)),
        });
      const total = agg.total(h.count, filter)?.sum ?? 0;
      if (total > 0)
        endpointTotals.push({
          protocol: h.protocol,
          ...filter,
          requests: total,
          failures: agg.total(h.failures, filter)?.trues ?? 0,
          latency: latencyStats(agg.total(h.duration, filter)),
          rps: total / elapsedS,
        });
    }
  }
  const curReqs = headlineState(heads, 'count', (m) => agg.current(m))?.sum ?? 0;
  const itLatCur = agg.current('iteration_latency');
  const itLatCum = agg.total('iteration_latency');
  const lag = sec('schedule_lag');
  const cumFailed = totalHead('failures');
  return {
    schema: SNAPSHOT_SCHEMA,
    second: closed.second,
    time: new Date(runStartEpochMs + (closed.second + 1) * 1000).toISOString(),
    elapsedMs: (closed.second + 1) * 1000,
    requests: reqs,
    failures,
    errorRate: reqs > 0 ? failures / reqs : 0,
    iterations: sec('iterations')?.sum ?? 0,
    dropped: sec('dropped_iterations')?.sum ?? 0,
    vus: sec('vus')?.value ?? 0,
    vusMax: sec('vus_max')?.value ?? 0,
    latency: latencyStats(secHead('duration')),
    current: {
      windowSeconds: agg.windowSpan,
      latency: latencyStats(headlineState(heads, 'duration', (m) => agg.current(m))),
      iterationLatency: itLatCur && itLatCur.count > 0 ? latencyStats(itLatCur) : undefined,
      rps: agg.windowSpan > 0 ? curReqs / agg.windowSpan : 0,
    },
    cumulative: {
      requests: totalHead('count')?.sum ?? 0,
      failures: cumFailed?.trues ?? 0,
      latency: latencyStats(totalHead('duration')),
      iterationLatency: itLatCum && itLatCum.count > 0 ? latencyStats(itLatCum) : undefined,
      endpoints: endpointTotals,
    },
    scheduleLagP99Ms: lag && lag.count > 0 ? latencyStats(lag).p99 : undefined,
    protocols: protocolSeconds(agg, one, heads),
    endpoints,
    metrics,
    generator,
    inflight,
  };
}
