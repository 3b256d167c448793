/** The pure comparison: directions, absolute floors, tolerance parsing, endpoints added/removed. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  compareSummaries,
  defaultDirection,
  parseFraction,
  parseMetricSelector,
  type CompareRow,
  type Comparison,
} from '../../src/analysis/compare.js';
import { VolleyError } from '../../src/errors.js';
import type { EndpointSummary, Summary, SummaryMetric } from '../../src/summary/summary.js';

const refs = { base: { id: 'base', source: 'base.json' }, new: { id: 'new', source: 'new.json' } };

function trend(p99: number, extra: Record<string, number> = {}): SummaryMetric {
  return {
    type: 'trend',
    contains: 'time',
    values: {
      avg: p99 / 2,
      min: 0.1,
      med: p99 / 3,
      max: p99 * 2,
      'p(90)': p99 * 0.8,
      'p(95)': p99 * 0.9,
      'p(99)': p99,
      count: 1000,
      ...extra,
    },
  };
}
const rate = (r: number): SummaryMetric => ({
  type: 'rate',
  contains: 'default',
  values: { rate: r, passes: r * 1000, fails: 1000 - r * 1000 },
});
const counter = (perSecond: number): SummaryMetric => ({
  type: 'counter',
  contains: 'default',
  values: { count: perSecond * 10, rate: perSecond },
});

function endpoint(name: string, p99: number, requests = 500, failures = 0): EndpointSummary {
  return {
    protocol: 'http',
    scenario: 'default',
    name,
    method: name.split(' ')[0] as string,
    requests,
    failures,
    rps: requests / 10,
    latency: {
      count: requests,
      avg: p99 / 2,
      min: 0.1,
      p50: p99 / 3,
      p90: p99 * 0.8,
      p95: p99 * 0.9,
      p99,
      max: p99 * 2,
    },
    statuses: { '200': requests - failures },
  };
}

function summary(
  over: {
    metrics?: Record<string, SummaryMetric>;
    endpoints?: EndpointSummary[];
    saturated?: boolean;
    rate?: number;
    url?: string;
  } = {},
): Summary {
  const doc: Omit<Summary, 'analysis' | 'series' | 'monitored'> = {
    schema: 'volley.summary/1',
    runId: 'r',
    startedAt: '2024-01-01T00:00:00.000Z',
    endedAt: '2024-01-01T00:00:10.000Z',
    state: { testRunDurationMs: 10_000, aborted: false, abortReason: null, abortDetail: null },
    verdict: 'passed',
    runErrors: [],
    execution: [],
    config: {
      scenarios: {
        default: { executor: 'constant-arrival-rate', rate: over.rate ?? 100, duration: '10s' },
      } as unknown as Summary['config']['scenarios'],
      thresholds: {},
      request: {
        method: 'GET',
        url: over.url ?? 'http://127.0.0.1:1/a',
        headers: {},
        timeoutMs: 10_000,
        maxRedirects: 0,
      } as unknown as Summary['config']['request'],
      script: null,
      workers: 2,
      plans: [
        {
          scenario: 'default',
          executor: 'constant-arrival-rate',
          durationMs: 10_000,
          maxDurationMs: 40_000,
          maxVUs: 100,
          plannedIterations: 1000,
          openLoop: true,
        },
      ],
    },
    metrics: over.metrics ?? {
      http_req_duration: trend(10),
      http_req_failed: rate(0),
      http_reqs: counter(100),
    },
    correctedLatency: null,
    endpoints: over.endpoints ?? [endpoint('GET /a', 10)],
    errors: {},
    checks: [],
    scriptErrors: [],
    thresholds: { ok: true, results: [] },
    generator: {
      saturated: over.saturated ?? false,
      saturatedSeconds: over.saturated ? 4 : 0,
      seconds: 10,
      reasons: over.saturated ? ['worker CPU busy (4s)'] : [],
      warnings: [],
    } as unknown as Summary['generator'],
    workerErrors: [],
  };
  // Keys added to the summary later are not read by compare.
  return doc as Summary;
}

const row = (c: Comparison, key: string): CompareRow => {
  const r = c.metrics.find((m) => `${m.metric}:${m.stat}` === key);
  assert.ok(r, `no row ${key} in ${c.metrics.map((m) => `${m.metric}:${m.stat}`).join(', ')}`);
  return r;
};

describe('compare: tolerance and selectors', () => {
  it('parses 10%, 0.1 and 0; refuses ambiguous and malformed values', () => {
    assert.equal(parseFraction('10%'), 0.1);
    assert.equal(parseFraction('0.1'), 0.1);
    assert.equal(parseFraction('2.5%'), 0.025);
    assert.equal(parseFraction('0'), 0);
    assert.throws(() => parseFraction('10'), /ambiguous: write 10% or a fraction/);
    assert.throws(() => parseFraction('-5%'), /must be a percentage/);
    assert.throws(
      () => parseFraction('ten'),
      (e: unknown) => e instanceof VolleyError && e.code === 'INVALID_USAGE',
    );
    assert.throws(() => parseFraction('x', '--min-delta-rate'), /^VolleyError: --min-delta-rate 'x'/);
  });

  it('parses NAME:STAT with tag filters and an optional direction', () => {
    assert.deepEqual(parseMetricSelector('http_req_duration:p(99)'), {
      metric: 'http_req_duration',
      stat: 'p(99)',
    });
    assert.deepEqual(parseMetricSelector('http_req_duration{name:GET /a}:p(95)'), {
      metric: 'http_req_duration{name:GET /a}',
      stat: 'p(95)',
    });
    assert.deepEqual(parseMetricSelector('orders:rate:higher-is-better'), {
      metric: 'orders',
      stat: 'rate',
      direction: 'higher-is-better',
    });
    assert.throws(() => parseMetricSelector('http_req_duration'), /must be NAME:STAT/);
    assert.throws(() => parseMetricSelector('http_req_duration:p99'), /must be NAME:STAT/);
  });

  it('knows which way is worse for the built-in metrics', () => {
    assert.equal(defaultDirection('http_req_duration', 'p(99)', 'trend'), 'lower-is-better');
    assert.equal(defaultDirection('http_req_failed', 'rate', 'rate'), 'lower-is-better');
    assert.equal(defaultDirection('http_reqs', 'rate', 'counter'), 'higher-is-better');
    assert.equal(defaultDirection('checks', 'rate', 'rate'), 'higher-is-better');
    assert.equal(defaultDirection('checks', 'fails', 'rate'), 'lower-is-better');
    assert.equal(defaultDirection('dropped_iterations', 'count', 'counter'), 'lower-is-better');
  });
});

describe('compare: run metrics', () => {
  it('identical summaries pass with every delta 0', () => {
    const c = compareSummaries(summary(), summary(), refs);
    assert.equal(c.schema, 'volley.compare/1');
    assert.equal(c.verdict, 'passed');
    assert.deepEqual(c.regressions, []);
    assert.ok(c.metrics.every((r) => r.status === 'ok' && r.delta === 0));
    assert.deepEqual(
      c.metrics.map((r) => `${r.metric}:${r.stat}:${r.gate}`),
      [
        'http_req_duration:med:false',
        'http_req_duration:avg:false',
        'http_req_duration:p(95):true',
        'http_req_duration:p(99):true',
        'http_req_failed:rate:true',
        'http_reqs:rate:true',
      ],
    );
    assert.deepEqual(c.warnings, []);
  });

  it('higher latency beyond the tolerance regresses; lower improves; within the tolerance is ok', () => {
    const base = summary({
      metrics: { http_req_duration: trend(100), http_req_failed: rate(0), http_reqs: counter(100) },
    });
    const worse = compareSummaries(
      base,
      summary({
        metrics: { http_req_duration: trend(111), http_req_failed: rate(0), http_reqs: counter(100) },
      }),
      refs,
    );
    assert.equal(row(worse, 'http_req_duration:p(99)').status, 'regressed');
    assert.equal(row(worse, 'http_req_duration:p(99)').deltaRatio, 0.11);
    assert.equal(worse.verdict, 'regressed');
    assert.match(
      worse.regressions.map((r) => r.message).join('\n'),
      /^http_req_duration p\(99\) 100ms -> 111ms \(\+11\.0ms, \+11\.0%; tolerance 10%, lower-is-better\)$/m,
    );
    const within = compareSummaries(
      base,
      summary({
        metrics: { http_req_duration: trend(110), http_req_failed: rate(0), http_reqs: counter(100) },
      }),
      refs,
    );
    assert.equal(
      row(within, 'http_req_duration:p(99)').status,
      'ok',
      'exactly +10% is within a 10% tolerance',
    );
    const better = compareSummaries(
      base,
      summary({
        metrics: { http_req_duration: trend(50), http_req_failed: rate(0), http_reqs: counter(100) },
      }),
      refs,
    );
    assert.equal(row(better, 'http_req_duration:p(99)').status, 'improved');
    assert.equal(better.verdict, 'passed');
    // The same +11% passes a 20% tolerance.
    assert.equal(
      compareSummaries(
        base,
        summary({
          metrics: { http_req_duration: trend(111), http_req_failed: rate(0), http_reqs: counter(100) },
        }),
        refs,
        { tolerance: 0.2 },
      ).verdict,
      'passed',
    );
  });

  it('lower throughput regresses, higher improves', () => {
    const base = summary();
    const m = (rps: number) => ({
      http_req_duration: trend(10),
      http_req_failed: rate(0),
      http_reqs: counter(rps),
    });
    assert.equal(
      row(compareSummaries(base, summary({ metrics: m(80) }), refs), 'http_reqs:rate').status,
      'regressed',
    );
    assert.equal(
      row(compareSummaries(base, summary({ metrics: m(150) }), refs), 'http_reqs:rate').status,
      'improved',
    );
  });

  it('latency changes under --min-delta-ms never regress, however large relatively', () => {
    const base = summary({
      endpoints: [],
      metrics: { http_req_duration: trend(0.4), http_req_failed: rate(0), http_reqs: counter(100) },
    });
    const next = summary({
      endpoints: [],
      metrics: { http_req_duration: trend(1.2), http_req_failed: rate(0), http_reqs: counter(100) },
    });
    const c = compareSummaries(base, next, refs);
    assert.equal(row(c, 'http_req_duration:p(99)').status, 'ok', '+0.8 ms is under the 1 ms floor (+200%)');
    assert.equal(c.verdict, 'passed');
    assert.equal(compareSummaries(base, next, refs, { minDeltaMs: 0.5 }).verdict, 'regressed');
  });

  it('error rate: 0 -> 0.05% is under the 0.1 pp floor; 0 -> 0.5% and 5% -> 6% regress; 5% -> 5.4% is within 10%', () => {
    const m = (r: number) => ({
      http_req_duration: trend(10),
      http_req_failed: rate(r),
      http_reqs: counter(100),
    });
    const cmp = (a: number, b: number, opts = {}) =>
      row(
        compareSummaries(summary({ metrics: m(a) }), summary({ metrics: m(b) }), refs, opts),
        'http_req_failed:rate',
      );
    assert.equal(cmp(0, 0.0005).status, 'ok');
    assert.equal(cmp(0, 0.0005).deltaRatio, null, 'no relative change from 0');
    assert.equal(cmp(0, 0.005).status, 'regressed');
    assert.equal(cmp(0.05, 0.06).status, 'regressed');
    assert.equal(cmp(0.05, 0.054).status, 'ok');
    assert.equal(cmp(0.005, 0).status, 'improved');
    assert.equal(cmp(0, 0.0005, { minDeltaRate: 0 }).status, 'regressed');
  });

  it('checks: a lower pass rate regresses', () => {
    const m = (r: number) => ({
      http_req_duration: trend(10),
      http_req_failed: rate(0),
      http_reqs: counter(100),
      checks: rate(r),
    });
    const c = compareSummaries(summary({ metrics: m(1) }), summary({ metrics: m(0.95) }), refs);
    assert.equal(row(c, 'checks:rate').direction, 'higher-is-better');
    assert.equal(row(c, 'checks:rate').status, 'regressed', '100% -> 95%: failing checks 0 -> 5%');
    assert.match(
      c.regressions[0]?.message ?? '',
      /checks rate 100\.00% -> 95\.00% .*failing share 0\.00% -> 5\.00%/,
    );
    // 99% -> 98.5% is -0.5% relative, but the failing share grows 50%.
    const small = compareSummaries(summary({ metrics: m(0.99) }), summary({ metrics: m(0.985) }), refs);
    assert.equal(row(small, 'checks:rate').status, 'regressed');
  });

  it('--metric picks what gates (custom metrics too, direction overridable); unknown names and stats list what exists', () => {
    const m = (p99: number, orders: number) => ({
      http_req_duration: trend(p99),
      http_req_failed: rate(0),
      http_reqs: counter(100),
      orders: counter(orders),
    });
    const base = summary({ metrics: m(10, 50) });
    const next = summary({ metrics: m(20, 40) });
    const onlyErrors = compareSummaries(base, next, refs, {
      metrics: [{ metric: 'http_req_failed', stat: 'rate' }],
    });
    assert.equal(onlyErrors.verdict, 'passed', 'p(99) doubled but does not gate');
    assert.equal(onlyErrors.endpoints[0]?.rows.find((r) => r.stat === 'p(99)')?.gate, false);
    const orders = compareSummaries(base, next, refs, {
      metrics: [parseMetricSelector('orders:rate:higher-is-better')],
    });
    assert.equal(orders.verdict, 'regressed');
    assert.equal(orders.regressions[0]?.metric, 'orders');
    assert.equal(
      compareSummaries(base, next, refs, { metrics: [parseMetricSelector('orders:rate')] }).regressions[0],
      undefined,
      'custom counters default to lower-is-better: fewer is an improvement',
    );
    assert.throws(
      () =>
        compareSummaries(base, next, refs, {
          metrics: [
            { metric: 'nope', stat: 'p(99)' },
            { metric: 'http_req_duration', stat: 'p(99.9)' },
          ],
        }),
      (e: unknown) =>
        e instanceof VolleyError &&
        e.details.length === 2 &&
        /no metric 'nope' in either run/.test(e.details[0] as string) &&
        /no 'p\(99\.9\)' for http_req_duration \(it has avg, min, med, max, p\(90\), p\(95\), p\(99\), count\)/.test(
          e.details[1] as string,
        ) &&
        /orders \(count, rate\)/.test(e.hint ?? ''),
    );
  });

  it('iteration_latency and checks join the defaults when present; a metric on one side only is added/removed, not a regression', () => {
    const base = summary({
      metrics: {
        http_req_duration: trend(10),
        http_req_failed: rate(0),
        http_reqs: counter(100),
        iteration_latency: trend(12),
      },
    });
    const c = compareSummaries(base, summary(), refs);
    assert.equal(row(c, 'iteration_latency:p(99)').status, 'removed');
    assert.equal(row(c, 'iteration_latency:p(99)').new, null);
    assert.equal(c.verdict, 'passed');
  });
});

describe('compare: endpoints', () => {
  it('matches by scenario+method+name; added and removed endpoints are listed, not regressions', () => {
    const base = summary({ endpoints: [endpoint('GET /a', 10), endpoint('GET /old', 10)] });
    const next = summary({ endpoints: [endpoint('GET /a', 10), endpoint('POST /new', 500)] });
    const c = compareSummaries(base, next, refs);
    assert.deepEqual(
      c.endpoints.map((e) => `${e.method} ${e.name.split(' ')[1]}:${e.status}`),
      ['GET /a:ok', 'GET /old:removed', 'POST /new:added'],
    );
    assert.equal(c.verdict, 'passed');
  });

  it('one endpoint slower regresses with its name; one with a higher error rate too; too few requests do not gate', () => {
    const base = summary({
      endpoints: [endpoint('GET /a', 10), endpoint('GET /b', 10), endpoint('GET /rare', 10, 20)],
    });
    const next = summary({
      endpoints: [endpoint('GET /a', 30), endpoint('GET /b', 10, 500, 25), endpoint('GET /rare', 100, 20)],
    });
    const c = compareSummaries(base, next, refs);
    assert.deepEqual(
      c.regressions.map((r) => `${r.scope}|${r.metric}:${r.stat}`),
      [
        'default GET /a|http_req_duration:p(95)',
        'default GET /a|http_req_duration:p(99)',
        'default GET /b|http_req_failed:rate',
      ],
    );
    const rare = c.endpoints.find((e) => e.name === 'GET /rare');
    assert.equal(rare?.gate, false);
    assert.equal(
      rare?.rows.find((r) => r.stat === 'p(99)')?.status,
      'regressed',
      'shown as worse, but not gating',
    );
    assert.equal(compareSummaries(base, next, refs, { minRequests: 10 }).regressions.length, 5);
  });
});

describe('compare: shape warnings', () => {
  it('warns on different targets, load and a saturated generator, without failing', () => {
    const c = compareSummaries(
      summary(),
      summary({ rate: 200, url: 'http://127.0.0.1:2/a', saturated: true }),
      refs,
    );
    assert.equal(c.verdict, 'passed');
    assert.ok(
      c.warnings.some((w) =>
        /^different targets: BASE GET http:\/\/127\.0\.0\.1:1\/a, NEW GET http:\/\/127\.0\.0\.1:2\/a$/.test(
          w,
        ),
      ),
      c.warnings.join('\n'),
    );
    assert.ok(c.warnings.some((w) => /scenario 'default' load differs: rate 100 -> 200/.test(w)));
    assert.ok(
      c.warnings.some((w) =>
        /^NEW: the generator was saturated in 4 of 10 seconds \(worker CPU busy \(4s\)\)/.test(w),
      ),
    );
  });
});
