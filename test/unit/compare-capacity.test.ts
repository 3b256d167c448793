/** compare: per-metric tolerance, percentiles recomputed from histograms, knees, ceilings and phases. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareCapacity, compareSummaries, parseMetricSelector } from '../../src/analysis/compare.js';
import { renderComparison } from '../../src/cli/compare-command.js';
import type { Knee } from '../../src/summary/knee.js';
import type { PhaseAnalysis, PhaseRow } from '../../src/summary/phases.js';
import type { Summary, SummaryMetric } from '../../src/summary/summary.js';

const refs = { base: { id: 'b', source: 'b.json' }, new: { id: 'n', source: 'n.json' } };

const trend = (p99: number): SummaryMetric => ({
  type: 'trend',
  contains: 'time',
  values: { avg: p99 / 2, med: p99 / 3, min: 1, max: p99 * 2, 'p(95)': p99 * 0.9, 'p(99)': p99, count: 1000 },
});

function knee(level: number | null, open = true): Knee {
  return {
    detected: level !== null,
    reason: level === null ? null : 'p99-doubled',
    signal: level === null ? null : 'latency',
    detail: '',
    atSecond: level === null ? null : 10,
    time: null,
    load: level === null ? null : { vus: open ? 50 : level, iterationsPerSec: open ? level : 0 },
    throughputRps: level,
    p99Ms: level === null ? null : 40,
    baselineP99Ms: 10,
    baselineErrorRate: 0,
    errorRate: level === null ? null : 0,
    loadModel: open ? 'open' : 'closed',
  };
}

const phase = (name: string, p99Ms: number): PhaseRow => ({
  name,
  startSecond: 0,
  endSecond: 1,
  load: { from: 1, to: 1 },
  vusAvg: 1,
  requests: 100,
  failures: 0,
  throughputRps: 100,
  p50Ms: p99Ms / 2,
  p95Ms: p99Ms,
  p99Ms,
  errorRate: 0,
});

function phases(recoveredInS: number | null, spikeP99: number): PhaseAnalysis {
  return {
    scenario: 'main',
    loadUnit: 'per-second',
    phases: [phase('warm-up', 20), phase('spike', spikeP99), phase('recovery', 22)],
    recovery: {
      recovered: recoveredInS !== null,
      recoveredInS,
      recoveredAtSecond: recoveredInS,
      baselineP99Ms: 20,
      baselineErrorRate: 0,
      finalP99Ms: 22,
      finalErrorRate: 0,
      tolerance: { p99Ratio: 0.2, errorRatePoints: 0.005, minP99SlackMs: 2 },
      detail: '',
    },
    memory: [],
  };
}

function summary(
  o: { p99?: number; knee?: Knee | null; ceiling?: number | null; phases?: PhaseAnalysis } = {},
): Summary {
  return {
    schema: 'volley.summary/1',
    runId: 'r',
    config: { request: null, script: null, plans: [], scenarios: {}, workers: 1 },
    generator: { saturated: false, saturatedSeconds: 0, seconds: 10, reasons: [] },
    state: { aborted: false },
    metrics: { http_req_duration: trend(o.p99 ?? 10) },
    endpoints: [],
    analysis: { knee: o.knee ?? null, bottlenecks: { signals: [], summary: '' } },
    ...(o.ceiling !== undefined ? { stress: { maxSustainableRate: o.ceiling } } : {}),
    ...(o.phases ? { phases: o.phases } : {}),
  } as unknown as Summary;
}

describe('compare: a tolerance per metric', () => {
  it('parses :tolerance=5% (and 0.05), with or without a direction, in any order', () => {
    assert.deepEqual(parseMetricSelector('http_req_duration:p(99):tolerance=5%'), {
      metric: 'http_req_duration',
      stat: 'p(99)',
      tolerance: 0.05,
    });
    assert.deepEqual(parseMetricSelector('my_trend:p(99.9):higher-is-better:tolerance=0.2'), {
      metric: 'my_trend',
      stat: 'p(99.9)',
      direction: 'higher-is-better',
      tolerance: 0.2,
    });
    assert.deepEqual(parseMetricSelector('my_trend:avg:tolerance=1%:lower-is-better'), {
      metric: 'my_trend',
      stat: 'avg',
      direction: 'lower-is-better',
      tolerance: 0.01,
    });
    assert.throws(() => parseMetricSelector('http_req_duration:p(99):tolerance=5'), /ambiguous/);
  });

  it('each row is judged with its own tolerance; the regression says which', () => {
    const opts = {
      tolerance: 0.5,
      metrics: [
        parseMetricSelector('http_req_duration:p(99):tolerance=5%'),
        parseMetricSelector('http_req_duration:p(95)'),
      ],
    };
    // p99 10 -> 12 ms: +20%, beyond 5% and beyond the 1 ms floor; p95 9 -> 10.8: within 50%.
    const c = compareSummaries(summary({ p99: 10 }), summary({ p99: 12 }), refs, opts);
    assert.deepEqual(
      c.metrics.map((r) => [r.stat, r.status, r.tolerance]),
      [
        ['p(99)', 'regressed', 0.05],
        ['p(95)', 'ok', 0.5],
      ],
    );
    assert.match(c.regressions[0]?.message ?? '', /tolerance 5%/);
  });
});

describe('compare: percentiles recomputed from histograms', () => {
  it("p(99.9), absent from the summaries, comes from each run's lookup", () => {
    const asked: string[] = [];
    const lookup =
      (v: number) =>
      (metric: string, p: number): number => {
        asked.push(`${metric}@${p}`);
        return v;
      };
    const c = compareSummaries(summary(), summary(), refs, {
      metrics: [parseMetricSelector('http_req_duration:p(99.9)')],
      percentiles: { base: lookup(30), new: lookup(45) },
    });
    const r = c.metrics[0];
    assert.deepEqual([r?.base, r?.new, r?.status, r?.fromHistograms], [30, 45, 'regressed', true]);
    assert.deepEqual(asked, ['http_req_duration@99.9', 'http_req_duration@99.9']);
  });

  it('without histograms (summary files) an absent percentile is still an error naming what exists', () => {
    assert.throws(
      () =>
        compareSummaries(summary(), summary(), refs, {
          metrics: [parseMetricSelector('http_req_duration:p(99.9)')],
        }),
      /BASE has no 'p\(99\.9\)' for http_req_duration/,
    );
  });
});

describe('compare: knees, ceilings and phases', () => {
  it('the knee moved from 400 to 620/s: improved', () => {
    const rows = compareCapacity(summary({ knee: knee(400) }), summary({ knee: knee(620) }));
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.message, 'the knee moved from 400/s to 620/s');
    assert.equal(rows[0]?.status, 'improved');
  });

  it('a lower knee regresses and fails the comparison; a knee that vanished is reported', () => {
    const c = compareSummaries(summary({ knee: knee(620) }), summary({ knee: knee(400) }), refs);
    assert.equal(c.verdict, 'regressed');
    assert.deepEqual(
      c.regressions.map((r) => [r.scope, r.message]),
      [['knee', 'the knee moved from 620/s to 400/s']],
    );
    const gone = compareCapacity(summary({ knee: knee(400, false) }), summary({ knee: knee(null, false) }));
    assert.equal(gone[0]?.message, 'no knee in NEW (BASE bent at 400 VUs)');
    assert.equal(gone[0]?.gate, false);
  });

  it('stress ceilings: 500/s -> 430/s regresses beyond 10%', () => {
    const rows = compareCapacity(summary({ ceiling: 500 }), summary({ ceiling: 430 }));
    assert.deepEqual(
      rows.map((r) => [r.kind, r.message, r.status]),
      [['ceiling', 'the ceiling moved from 500/s to 430/s', 'regressed']],
    );
  });

  it('recommended operating points: matched by scenario and for a stress search; a lower one regresses', () => {
    const plan = (scenario: string, recommended: number | null) => ({
      scenario,
      unit: 'arrivals/s',
      slos: [],
      notEvaluated: [],
      headroom: 0.3,
      rows: [],
      highestPassingLoad: recommended === null ? null : Math.round(recommended / 0.7),
      recommended,
      detail: '',
    });
    const base = {
      ...summary(),
      capacityPlan: [plan('main', 280)],
      stress: { maxSustainableRate: 500, capacityPlan: plan('stress', 350) },
    } as unknown as Summary;
    const next = {
      ...summary(),
      capacityPlan: [plan('main', 434)],
      stress: { maxSustainableRate: 400, capacityPlan: plan('stress', 280) },
    } as unknown as Summary;
    const rows = compareCapacity(base, next).filter((r) => r.kind === 'operating-point');
    assert.deepEqual(
      rows.map((r) => [r.message, r.status]),
      [
        ['the recommended operating point (scenario main) moved from 280/s to 434/s', 'improved'],
        ['the recommended operating point (stress search) moved from 350/s to 280/s', 'regressed'],
      ],
    );
    const c = compareSummaries(base, next, refs);
    assert.ok(c.regressions.some((r) => r.metric === 'operating point (stress search)'));
  });

  it('phases: each phase p99 by name, and the recovery verdict', () => {
    const rows = compareCapacity(summary({ phases: phases(2, 100) }), summary({ phases: phases(null, 180) }));
    assert.deepEqual(
      rows.map((r) => [r.kind, r.metric, r.status]),
      [
        ['phase', 'phase warm-up', 'ok'],
        ['phase', 'phase spike', 'regressed'],
        ['phase', 'phase recovery', 'ok'],
        ['recovery', 'recovery', 'regressed'],
      ],
    );
    assert.equal(rows[3]?.message, 'recovery: BASE recovered in 2 s, NEW did not recover');
    const better = compareCapacity(summary({ phases: phases(8, 100) }), summary({ phases: phases(3, 100) }));
    assert.equal(better.at(-1)?.status, 'improved');
    // No phases on one side: no phase rows.
    assert.deepEqual(compareCapacity(summary({ phases: phases(2, 100) }), summary()), []);
  });

  it('the terminal table has a Capacity block with each sentence and its status', () => {
    const c = compareSummaries(
      summary({ knee: knee(400), ceiling: 500 }),
      summary({ knee: knee(620), ceiling: 430 }),
      refs,
    );
    const text = renderComparison(c);
    assert.match(
      text,
      /\nCapacity\n {2}the knee moved from 400\/s to 620\/s {2}\[improved\]\n {2}the ceiling moved from 500\/s to 430\/s {2}\[regressed\]\n/,
    );
    assert.match(text, /✗ the ceiling moved from 500\/s to 430\/s/);
  });
});
