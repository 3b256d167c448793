/**
 * Which protocol a summary's headline numbers come from: the run's main protocol (the one that
 * sent the most requests, or the only one), and its metric names. Reports, the store's run listing
 * and the analyses read a summary's requests, error rate and latency through this, never by a
 * protocol's metric name, so a gRPC or WebSocket run reads like an HTTP one.
 */
import { headlineMetrics, type HeadlineMetrics } from '../metrics/definitions.js';
import type { LatencyStats } from '../metrics/summary-values.js';

/** One protocol's headline numbers over the whole run (the summary's `protocols[]`). */
export interface ProtocolSummary {
  /** The protocol module's name (`http`, `grpc`, `ws`, …). */
  name: string;
  /** Its headline metrics' names: request count, failure rate, duration. */
  metrics: HeadlineMetrics;
  requests: number;
  failures: number;
  /** failures / requests (0 with no requests). */
  errorRate: number;
  /** requests per second over the run. */
  rps: number;
  latency: LatencyStats;
}

/** What a summary's headline is read from (enough of a Summary for it). */
export interface HeadlineSource {
  headline?: string | null;
  protocols?: readonly ProtocolSummary[];
  metrics: Readonly<Record<string, { values: Record<string, number> } | undefined>>;
}

/** The headline protocol's name and metrics. */
export interface Headline extends HeadlineMetrics {
  protocol: string;
}

/** Summaries written before protocol modules existed (no `protocols` key) spoke HTTP only. */
const LEGACY: Headline = {
  protocol: 'http',
  count: 'http_reqs',
  failures: 'http_req_failed',
  duration: 'http_req_duration',
};

/**
 * The summary's headline protocol and its metrics. A summary written before `protocols` existed
 * is an HTTP run's; one whose run sent no request has the first registered protocol's.
 */
export function summaryHeadline(s: HeadlineSource): Headline {
  const named = s.protocols?.find((p) => p.name === s.headline) ?? s.protocols?.[0];
  if (named) return { protocol: named.name, ...named.metrics };
  if (s.protocols === undefined) return LEGACY;
  const h = headlineMetrics()[0];
  return h ? { protocol: h.protocol, count: h.count, failures: h.failures, duration: h.duration } : LEGACY;
}

/**
 * The summary's protocols, most requests first. A summary written before `protocols` existed gets
 * one entry, its headline protocol's, read from its metrics (empty when it sent no request).
 */
export function summaryProtocols(s: HeadlineSource): readonly ProtocolSummary[] {
  if (s.protocols) return s.protocols;
  const h = summaryHeadline(s);
  const reqs = s.metrics[h.count]?.values;
  if (!reqs || (reqs.count ?? 0) <= 0) return [];
  const d = s.metrics[h.duration]?.values ?? {};
  const failures = s.metrics[h.failures]?.values.passes ?? 0;
  return [
    {
      name: h.protocol,
      metrics: { count: h.count, failures: h.failures, duration: h.duration },
      requests: reqs.count ?? 0,
      failures,
      errorRate: s.metrics[h.failures]?.values.rate ?? 0,
      rps: Math.round((reqs.rate ?? 0) * 10) / 10,
      latency: {
        count: d.count ?? 0,
        avg: d.avg ?? 0,
        min: d.min ?? 0,
        p50: d.med ?? 0,
        p90: d['p(90)'] ?? 0,
        p95: d['p(95)'] ?? 0,
        p99: d['p(99)'] ?? 0,
        max: d.max ?? 0,
      },
    },
  ];
}

/** The headline's totals: requests (count and rate), error rate and duration values, from `metrics`. */
export function headlineValues(s: HeadlineSource): {
  headline: Headline;
  requests: number;
  rps: number;
  errorRate: number;
  failures: number;
  duration: Record<string, number> | undefined;
} {
  const headline = summaryHeadline(s);
  const reqs = s.metrics[headline.count]?.values;
  const failed = s.metrics[headline.failures]?.values;
  return {
    headline,
    requests: reqs?.count ?? 0,
    rps: reqs?.rate ?? 0,
    errorRate: failed?.rate ?? 0,
    failures: failed?.passes ?? 0,
    duration: s.metrics[headline.duration]?.values,
  };
}
