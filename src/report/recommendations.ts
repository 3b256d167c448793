/**
 * What to do next, read from a summary: each recommendation carries the numbers that justify it
 * and an impact score, and the list is sorted by that score (highest first). Pure: no I/O.
 *
 * Impact = requests affected × severity, where
 * - requests affected is how many requests the finding concerns (the failed ones, the ones above
 *   the SLO, the slow endpoint's requests, or every request when the finding is run-wide), and
 * - severity is a weight per kind, in [0, 1]: a failed SLO (1.0) and errors (0.9) come first,
 *   a saturated generator (0.85: every number may be wrong) and dropped iterations (0.8) next,
 *   then queueing hidden by the closed loop (0.7), the knee (0.6), the first degraded signal
 *   (0.5), the slowest endpoint (0.4), and notes (0.1).
 * Ties keep the order above. The same rule ranks `rankBottlenecks`.
 */
import { summaryProtocols } from '../summary/headline.js';
import type { Summary } from '../summary/summary.js';
import { metricValue, ms, pct } from '../summary/format.js';
import { atSecondText } from '../summary/sustained.js';
import { kneeSignal } from '../summary/knee.js';

export type RecommendationKind =
  | 'threshold'
  | 'errors'
  | 'generator'
  | 'dropped'
  | 'queueing'
  | 'knee'
  | 'degraded'
  | 'slow-endpoint'
  | 'note';

export const SEVERITY: Record<RecommendationKind, number> = {
  threshold: 1,
  errors: 0.9,
  generator: 0.85,
  dropped: 0.8,
  queueing: 0.7,
  knee: 0.6,
  degraded: 0.5,
  'slow-endpoint': 0.4,
  note: 0.1,
};

export interface Recommendation {
  kind: RecommendationKind;
  /** One line: what is wrong, with the numbers. */
  title: string;
  /** What to do about it. */
  action: string;
  /** The numbers behind it, as label -> formatted value. */
  evidence: Record<string, string>;
  requestsAffected: number;
  severity: number;
  impact: number;
}

export interface Bottleneck {
  /** Where: `run`, an endpoint label, or a metric name. */
  where: string;
  what: string;
  requestsAffected: number;
  severity: number;
  impact: number;
}

/** `p(99)<200` -> { stat: 'p(99)', op: '<', limit: 200 }; null when not of that form. */
export function parseThresholdExpr(expr: string): { stat: string; op: string; limit: number } | null {
  const m = /^\s*([\w().]+)\s*(<=|>=|<|>|===|==|!=)\s*(-?[\d.]+(?:e[-+]?\d+)?)\s*$/i.exec(expr);
  if (!m) return null;
  return { stat: m[1] as string, op: m[2] as string, limit: Number(m[3]) };
}

/** A metric value formatted for its metric: ms for time trends, % for rates, else a number. */
export function formatMetricValue(summary: Summary, metric: string, v: number | null): string {
  return metricValue(summary.metrics[metric], v);
}

/** By how much a threshold missed, in words: `3.2 ms above the 1 ms limit (3.2×)`. */
export function thresholdMiss(summary: Summary, metric: string, expr: string, actual: number | null): string {
  const p = parseThresholdExpr(expr);
  if (!p || actual === null) return 'failed';
  const above = p.op.startsWith('<');
  const diff = Math.abs(actual - p.limit);
  const diffText =
    summary.metrics[metric]?.type === 'rate'
      ? `${(diff * 100).toFixed(2)}pp`
      : formatMetricValue(summary, metric, diff);
  const ratio =
    p.limit !== 0 ? ` (${(actual / p.limit).toFixed(actual / p.limit >= 10 ? 0 : 1)}× the limit)` : '';
  return `${diffText} ${above ? 'above' : 'below'} the limit ${formatMetricValue(summary, metric, p.limit)}${ratio}`;
}

/** Requests of every protocol the run spoke. */
function totalRequests(s: Summary): number {
  const ps = summaryProtocols(s);
  return ps.length > 0
    ? ps.reduce((a, p) => a + p.requests, 0)
    : s.endpoints.reduce((a, e) => a + e.requests, 0);
}

/** Failed requests of every protocol the run spoke. */
function failedRequests(s: Summary): number {
  const ps = summaryProtocols(s);
  return ps.length > 0
    ? ps.reduce((a, p) => a + p.failures, 0)
    : s.endpoints.reduce((a, e) => a + e.failures, 0);
}

/**
 * `GET /path`; a name that already starts with its method (quick mode's), is its method (a gRPC
 * method's full name) or has no method is not doubled.
 */
export const endpointName = (e: { method: string; name: string }): string =>
  e.method === '' || e.name === e.method || e.name.startsWith(`${e.method} `)
    ? e.name
    : `${e.method} ${e.name}`;
const label = endpointName;

function make(
  kind: RecommendationKind,
  requestsAffected: number,
  title: string,
  action: string,
  evidence: Record<string, string>,
): Recommendation {
  const severity = SEVERITY[kind];
  // At least 1 so run-wide findings on an empty run still rank among themselves.
  const impact = Math.max(1, requestsAffected) * severity;
  return { kind, title, action, evidence, requestsAffected, severity, impact };
}

const order = Object.keys(SEVERITY) as RecommendationKind[];

function rank<T extends { impact: number; kind?: RecommendationKind }>(xs: T[]): T[] {
  return xs
    .map((x, i) => ({ x, i }))
    .sort(
      (a, b) =>
        b.x.impact - a.x.impact ||
        order.indexOf(a.x.kind ?? 'note') - order.indexOf(b.x.kind ?? 'note') ||
        a.i - b.i,
    )
    .map((e) => e.x);
}

export function recommendations(s: Summary): Recommendation[] {
  const out: Recommendation[] = [];
  const total = totalRequests(s);
  const failedReqs = failedRequests(s);

  // Failed SLOs: which one, by how much. Affected: the share of requests beyond a percentile
  // limit (p(99) -> 1%), the failed ones for a rate, else every request.
  for (const t of s.thresholds.results) {
    if (t.ok) continue;
    const p = parseThresholdExpr(t.threshold);
    const pm = p ? /^p\((\d+(?:\.\d+)?)\)$/.exec(p.stat) : null;
    const affected = pm
      ? Math.ceil((total * (100 - Number(pm[1]))) / 100)
      : s.metrics[t.metric]?.type === 'rate'
        ? failedReqs
        : total;
    out.push(
      make(
        'threshold',
        // A failed SLO fails the whole run: it ranks over every request.
        total,
        `SLO failed: ${t.metric} ${t.threshold} — actual ${formatMetricValue(s, t.metric, t.actual)}, ${thresholdMiss(s, t.metric, t.threshold, t.actual)}`,
        s.metrics[t.metric]?.contains === 'time'
          ? `Find where the time goes (the slowest endpoints below, the first degraded signal), or relax the SLO to what users actually need; re-run at a lower rate to see whether the limit holds without load.`
          : `Look at the error classes and statuses below: the cause of the failures breaks this SLO.`,
        {
          metric: t.metric,
          threshold: t.threshold,
          actual: formatMetricValue(s, t.metric, t.actual),
          limit: p ? formatMetricValue(s, t.metric, p.limit) : '—',
          abortOnFail: String(t.abortOnFail),
          'requests beyond it': String(affected),
        },
      ),
    );
  }

  // Errors: classes, and the worst endpoint by 5xx/failure share.
  const errTotal = Object.values(s.errors).reduce((a, b) => a + b, 0);
  if (failedReqs > 0 || errTotal > 0) {
    const classes = Object.entries(s.errors)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    const worst = [...s.endpoints]
      .filter((e) => e.failures > 0)
      .sort((a, b) => b.failures / Math.max(1, b.requests) - a.failures / Math.max(1, a.requests))[0];
    const fiveXX = worst
      ? Object.entries(worst.statuses)
          .filter(([k]) => /^5\d\d$/.test(k))
          .reduce((a, [, v]) => a + v, 0)
      : 0;
    const evidence: Record<string, string> = {
      'failed requests': `${failedReqs} of ${total} (${pct(total ? failedReqs / total : 0)})`,
    };
    if (classes) evidence['error classes'] = classes;
    if (worst) {
      evidence['worst endpoint'] =
        `${label(worst)}: ${pct(worst.failures / Math.max(1, worst.requests))} failed`;
      if (fiveXX > 0) evidence['5xx share there'] = pct(fiveXX / Math.max(1, worst.requests));
    }
    out.push(
      make(
        'errors',
        failedReqs,
        `${pct(total ? failedReqs / total : 0)} of requests failed${worst ? ` (worst: ${label(worst)}, ${pct(worst.failures / Math.max(1, worst.requests))})` : ''}`,
        errTotal > 0
          ? 'Transport errors (connect/timeout/reset) point at connection limits or an overloaded target: check its accept queue, keep-alive and timeouts.'
          : 'Status failures (4xx/5xx): read the target logs for that endpoint; a 5xx share that grows with load is the capacity limit.',
        evidence,
      ),
    );
  }

  // Generator saturation: results may understate the target.
  if (s.generator.saturated) {
    out.push(
      make(
        'generator',
        total,
        `The load generator saturated in ${s.generator.saturatedSeconds} of ${s.generator.seconds} s: results may understate the target`,
        'Run with more worker threads (--workers), on a bigger machine, or from several machines; do not read capacity from this run.',
        {
          'saturated seconds': `${s.generator.saturatedSeconds} of ${s.generator.seconds}`,
          reasons: s.generator.reasons.join('; ') || '—',
          'CPU max': `${s.generator.cpuPercent.max.toFixed(0)}% of a core`,
        },
      ),
    );
  }

  // Dropped iterations.
  const dropped = s.metrics.dropped_iterations?.values.count ?? 0;
  if (dropped > 0) {
    out.push(
      make(
        'dropped',
        dropped,
        `${dropped} iterations were dropped: the planned rate was not delivered`,
        'Raise --max-vus (preAllocatedVUs/maxVUs) so the arrival rate has VUs to run on, or the target is too slow for this rate.',
        {
          dropped: String(dropped),
          'planned rate share lost': pct(
            dropped / Math.max(1, dropped + (s.metrics.iterations?.values.count ?? 0)),
          ),
        },
      ),
    );
  }

  // Corrected vs service latency.
  const c = s.correctedLatency;
  if (c?.differs) {
    out.push(
      make(
        'queueing',
        total,
        `Users wait longer than the service time shows: corrected p99 ${ms(c.iterationLatency.p99)} vs service p99 ${ms(c.serviceTime.p99)}`,
        'Requests queued before they were sent (too few VUs or connections for the rate): the corrected latency is what users see. Raise VUs or lower the rate to find the capacity.',
        {
          'service p50/p99': `${ms(c.serviceTime.p50)} / ${ms(c.serviceTime.p99)}`,
          'corrected p50/p99': `${ms(c.iterationLatency.p50)} / ${ms(c.iterationLatency.p99)}`,
        },
      ),
    );
  }

  // The knee: capacity at that load.
  const k = s.analysis.knee;
  if (k?.detected) {
    out.push(
      make(
        'knee',
        total,
        `Capacity knee (${kneeSignal(k) ?? '—'}) at ${k.load ? `${k.load.vus} VUs / ${k.load.iterationsPerSec.toFixed(0)} arrivals/s` : atSecondText(k.atSecond ?? 0)}: ${k.throughputRps !== null ? `${k.throughputRps.toFixed(0)} req/s` : ''}${k.p99Ms !== null ? `, p99 ${ms(k.p99Ms)}` : ''}${k.signal === 'errors' && k.errorRate != null ? `, ${pct(k.errorRate)} failed` : ''}`,
        'Plan for less than this load, or scale the target; load above the knee only adds latency.',
        {
          signal: kneeSignal(k) ?? '—',
          reason: k.reason ?? '—',
          'at second (from 0)': k.atSecond === null ? '—' : String(k.atSecond),
          detail: k.detail,
          'baseline p99': ms(k.baselineP99Ms),
        },
      ),
    );
  }

  // First degraded signal.
  const first = s.analysis.bottlenecks.signals[0];
  if (first) {
    const afterShare = s.series.length > 0 ? s.series.filter((p) => p.second >= first.atSecond) : [];
    const affected = afterShare.reduce((a, p) => a + p.requests, 0);
    out.push(
      make(
        'degraded',
        affected,
        `${first.metric} degraded first, at ${atSecondText(first.atSecond)}: ${first.detail}`,
        first.signal === 'generator'
          ? 'The generator was the first limit: see generator health before blaming the target.'
          : first.signal === 'target-cpu'
            ? 'The target ran out of CPU: profile it or add cores/instances.'
            : 'Look at what the target does at that moment (its logs, pools, GC): the signals after it are likely effects.',
        { signal: first.signal, metric: first.metric, 'at second (from 0)': String(first.atSecond) },
      ),
    );
  }

  // Slowest endpoints by p99 share (p99 × requests over the sum of that product).
  if (s.endpoints.length > 1) {
    const weight = s.endpoints.map((e) => e.latency.p99 * e.requests);
    const sum = weight.reduce((a, b) => a + b, 0);
    const i = weight.indexOf(Math.max(...weight));
    const e = s.endpoints[i];
    if (e && sum > 0 && (weight[i] as number) / sum > 0.3) {
      out.push(
        make(
          'slow-endpoint',
          e.requests,
          `${label(e)} carries ${pct((weight[i] as number) / sum)} of the tail time (p99 ${ms(e.latency.p99)} × ${e.requests} requests)`,
          'Optimise this endpoint first: it weighs most in the tail users feel.',
          { p99: ms(e.latency.p99), p95: ms(e.latency.p95), requests: String(e.requests) },
        ),
      );
    }
  }

  if (out.length === 0 && total > 0) {
    out.push(
      make(
        'note',
        0,
        'Nothing to fix at this load: every SLO held, no errors, the generator kept up',
        'Raise the load (a ramp, or `volley stress`) to find the capacity.',
        { requests: String(total) },
      ),
    );
  }
  return rank(out);
}

/** Bottlenecks ranked by impact (requests affected × severity, see the module comment). */
export function rankBottlenecks(s: Summary): Bottleneck[] {
  const out: (Bottleneck & { kind: RecommendationKind })[] = [];
  const total = totalRequests(s);
  for (const sig of s.analysis.bottlenecks.signals) {
    const affected = s.series.filter((p) => p.second >= sig.atSecond).reduce((a, p) => a + p.requests, 0);
    const kind: RecommendationKind =
      sig.signal === 'generator' ? 'generator' : sig.signal === 'errors' ? 'errors' : 'degraded';
    out.push({
      kind,
      where: sig.metric,
      what: `from ${atSecondText(sig.atSecond)}: ${sig.detail}`,
      requestsAffected: affected,
      severity: SEVERITY[kind],
      impact: Math.max(1, affected) * SEVERITY[kind],
    });
  }
  for (const e of s.endpoints) {
    if (e.failures > 0)
      out.push({
        kind: 'errors',
        where: label(e),
        what: `${e.failures} of ${e.requests} failed (${pct(e.failures / Math.max(1, e.requests))})`,
        requestsAffected: e.failures,
        severity: SEVERITY.errors,
        impact: e.failures * SEVERITY.errors,
      });
  }
  if (s.endpoints.length > 1) {
    const sum = s.endpoints.reduce((a, e) => a + e.latency.p99 * e.requests, 0);
    for (const e of s.endpoints) {
      const share = sum > 0 ? (e.latency.p99 * e.requests) / sum : 0;
      if (share > 0.3)
        out.push({
          kind: 'slow-endpoint',
          where: label(e),
          what: `${pct(share)} of tail time (p99 ${ms(e.latency.p99)})`,
          requestsAffected: e.requests,
          severity: SEVERITY['slow-endpoint'],
          impact: e.requests * SEVERITY['slow-endpoint'],
        });
    }
  }
  if (s.generator.saturated && !out.some((o) => o.kind === 'generator'))
    out.push({
      kind: 'generator',
      where: 'generator',
      what: `saturated ${s.generator.saturatedSeconds} of ${s.generator.seconds} s (${s.generator.reasons.join('; ')})`,
      requestsAffected: total,
      severity: SEVERITY.generator,
      impact: Math.max(1, total) * SEVERITY.generator,
    });
  return rank(out).map(({ kind: _kind, ...b }) => b);
}
