/**
 * The capacity plan on synthetic timelines: stage rows from the executor plans, the SLOs judged per
 * stage, the recommended operating point with its headroom, and the cases with nothing to recommend.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { capacityCells, capacityPlans, parseHeadroom } from '../../src/summary/capacity.js';
import { stressCapacityPlan, type ProbeResult } from '../../src/analysis/stress.js';
import type { TimelineSecond, ScenarioPlan } from '../../src/summary/input.js';
import type { ExecutorPlan, NormalizedScenario } from '../../src/executors/types.js';

const lat = (p: number) => ({ count: 1, avg: p, min: p, p50: p / 2, p90: p, p95: p, p99: p, max: p });

/** One second at `rate` requests, `failures` of them failed, p99 `p99` ms, the target at `cpu`% when given. */
function second(i: number, rate: number, failures: number, p99: number, cpu?: number): TimelineSecond {
  const metrics: TimelineSecond['metrics'] = {
    http_req_duration: {
      avg: p99 / 2,
      min: 1,
      med: p99 / 2,
      max: p99,
      'p(90)': p99,
      'p(95)': p99,
      'p(99)': p99,
      count: rate,
    },
    http_req_failed: { rate: rate ? failures / rate : 0, passes: failures, fails: rate - failures },
  };
  if (cpu !== undefined) metrics.target_cpu_percent = { avg: cpu, max: cpu, count: 1 };
  return {
    second: i,
    time: new Date(Date.UTC(2026, 0, 1, 0, 0, i + 1)).toISOString(),
    requests: rate,
    failures,
    errorRate: rate ? failures / rate : 0,
    iterations: rate,
    dropped: 0,
    vus: 10,
    latency: lat(p99),
    metrics,
    generator: { cpuPercent: 10, rssMB: 100, saturated: false, reasons: [] },
  };
}

function arrivalPlan(stages: { durationMs: number; target: number }[], startRate = 0): ScenarioPlan[] {
  return [
    {
      scenario: {
        name: 'ramp',
        executor: 'ramping-arrival-rate',
        startTimeMs: 0,
        startRate,
        timeUnitMs: 1000,
        stages,
      } as NormalizedScenario,
      plan: { openLoop: true } as ExecutorPlan,
    },
  ];
}

/** Stages of 3 s at 100, 200, 300, 400 /s; p99 from `p99At(rate)`. */
function steps(
  p99At: (rate: number) => number,
  failAt = Infinity,
): { tl: TimelineSecond[]; plans: ScenarioPlan[] } {
  const rates = [100, 200, 300, 400];
  const tl: TimelineSecond[] = [];
  rates.forEach((r, k) => {
    for (let j = 0; j < 3; j++) tl.push(second(k * 3 + j, r, r >= failAt ? r / 10 : 0, p99At(r), r / 4));
  });
  return {
    tl,
    plans: arrivalPlan(
      rates.map((target) => ({ durationMs: 3000, target })),
      100,
    ),
  };
}

const SLOS = { http_req_duration: ['p(99)<100'], http_req_failed: ['rate<0.01'] };

describe('capacity plan: stages and the recommended point', () => {
  it('a stage that breaks an SLO: recommends 70% of the highest passing stage below it', () => {
    const { tl, plans } = steps((r) => (r >= 400 ? 250 : 20));
    const [plan] = capacityPlans(tl, plans, SLOS);
    assert.ok(plan);
    assert.equal(plan.rows.length, 4);
    assert.deepEqual(
      plan.rows.map((r) => r.passed),
      [true, true, true, false],
    );
    assert.equal(plan.rows[3]?.p99Ms, 250);
    assert.match(plan.rows[3]?.failures[0] ?? '', /http_req_duration: p\(99\)<100 \(stage: 250\)/);
    assert.equal(plan.rows[2]?.throughputRps, 300);
    assert.equal(plan.rows[2]?.targetCpuPercent, 75);
    assert.equal(plan.highestPassingLoad, 300);
    assert.equal(plan.recommended, 210);
    assert.equal(
      plan.detail,
      'recommended: 210/s (the highest passing stage held 300/s, the lowest failing held 400/s; 30% headroom)',
    );
  });

  it('errors fail a stage (a rate SLO summed over the stage); the headroom is configurable', () => {
    const { tl, plans } = steps(() => 20, 300);
    const [plan] = capacityPlans(tl, plans, SLOS, 0.2);
    assert.deepEqual(
      plan?.rows.map((r) => r.passed),
      [true, true, false, false],
    );
    assert.equal(plan?.recommended, 160);
    assert.match(plan?.detail ?? '', /20% headroom/);
  });

  it('no stage passing: no recommendation, and says so', () => {
    const { tl, plans } = steps(() => 500);
    const [plan] = capacityPlans(tl, plans, SLOS);
    assert.equal(plan?.recommended, null);
    assert.equal(plan?.highestPassingLoad, null);
    assert.match(plan?.detail ?? '', /no stage held every SLO \(the lowest, 100\/s, already failed\)/);
  });

  it('a single stage that passes: recommends from it', () => {
    const tl = Array.from({ length: 5 }, (_, i) => second(i, 50, 0, 10));
    const [plan] = capacityPlans(tl, arrivalPlan([{ durationMs: 5000, target: 50 }]), SLOS);
    assert.equal(plan?.rows.length, 1);
    assert.equal(plan?.rows[0]?.startLoad, 0);
    assert.equal(plan?.rows[0]?.load, 50);
    assert.equal(plan?.recommended, 35);
  });

  it('a pass at a load above a failing stage does not count (ramp down after a failure)', () => {
    const rates = [100, 300, 200];
    const tl: TimelineSecond[] = [];
    rates.forEach((r, k) => {
      for (let j = 0; j < 2; j++) tl.push(second(k * 2 + j, r, 0, r === 300 ? 500 : 10));
    });
    const plans = arrivalPlan(
      rates.map((target) => ({ durationMs: 2000, target })),
      100,
    );
    const [plan] = capacityPlans(tl, plans, SLOS);
    assert.equal(plan?.highestPassingLoad, 200);
    assert.equal(plan?.recommended, 140);
  });

  it('without thresholds the default SLO is 1% errors; tag-filtered thresholds are listed as not judged', () => {
    const { tl, plans } = steps(() => 20, 400);
    const [plan] = capacityPlans(tl, plans, { 'http_req_duration{name:x}': ['p(95)<10'] });
    assert.deepEqual(plan?.notEvaluated, ['http_req_duration{name:x}: p(95)<10']);
    assert.equal(plan?.rows[3]?.passed, false);
    assert.equal(plan?.recommended, 210);
  });

  it('a monitor SLO with no readings fails the stage; with readings it is judged on the worst second', () => {
    const { tl, plans } = steps(() => 20);
    const [plan] = capacityPlans(tl, plans, { target_cpu_percent: ['max<80'] });
    // CPU is rate/4: 25, 50, 75, 100 %.
    assert.deepEqual(
      plan?.rows.map((r) => r.passed),
      [true, true, true, false],
    );
    const [none] = capacityPlans(tl, plans, { target_memory_percent: ['max<75'] });
    assert.equal(none?.recommended, null);
    assert.match(none?.rows[0]?.failures[0] ?? '', /no readings/);
  });

  it('a run that does not ramp has no plan; a VU ramp is in VUs', () => {
    const tl = Array.from({ length: 4 }, (_, i) => second(i, 50, 0, 10));
    assert.deepEqual(
      capacityPlans(
        tl,
        [
          {
            scenario: { name: 'c', executor: 'constant-vus' } as NormalizedScenario,
            plan: {} as ExecutorPlan,
          },
        ],
        SLOS,
      ),
      [],
    );
    const vuPlan: ScenarioPlan[] = [
      {
        scenario: {
          name: 'v',
          executor: 'ramping-vus',
          startTimeMs: 0,
          startVUs: 1,
          stages: [{ durationMs: 4000, target: 20 }],
        } as NormalizedScenario,
        plan: { openLoop: false } as ExecutorPlan,
      },
    ];
    const [plan] = capacityPlans(tl, vuPlan, SLOS);
    assert.equal(plan?.unit, 'vus');
    assert.equal(plan?.recommended, 14);
    assert.equal(capacityCells(plan!)[0]?.[1], 'VUs');
  });

  it('parses a headroom', () => {
    assert.equal(parseHeadroom('30%'), 0.3);
    assert.equal(parseHeadroom('0.25'), 0.25);
    assert.equal(parseHeadroom('40'), 0.4);
    assert.equal(parseHeadroom('100%'), undefined);
    assert.equal(parseHeadroom('x'), undefined);
  });
});

describe('capacity plan of a stress search', () => {
  const probe = (rate: number, passed: boolean): ProbeResult => ({
    rate,
    achievedRate: rate,
    p50: 5,
    p95: 8,
    p99: 10,
    errorRate: passed ? 0 : 0.2,
    dropped: 0,
    passed,
    failures: passed ? [] : ['error rate 20.00% > 5.00%'],
    failureKinds: passed ? [] : ['errors'],
    generatorSaturated: false,
    durationMs: 2000,
  });
  it('rows by rate; recommended from the highest passing probe', () => {
    const plan = stressCapacityPlan(
      [probe(100, true), probe(200, true), probe(400, false), probe(300, true), probe(350, false)],
      {
        errorThreshold: 0.05,
        slos: ['http_req_duration:p(99)<50'],
      },
    );
    assert.deepEqual(
      plan.rows.map((r) => r.load),
      [100, 200, 300, 350, 400],
    );
    assert.equal(plan.recommended, 210);
    assert.equal(
      plan.detail,
      'recommended: 210/s (the highest passing probe held 300/s, the lowest failing held 350/s; 30% headroom)',
    );
  });
});
