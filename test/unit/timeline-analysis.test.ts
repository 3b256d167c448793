/**
 * The per-second analyses on synthetic timelines: the knee's error signal, the minimum count behind
 * an error hint, and generator saturation as a sustained, per-resource signal.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
// The hints name the registered protocols' headline metrics (http_req_failed): load the modules.
import '../../src/protocols/registry.js';
import { bottleneckHints } from '../../src/summary/bottlenecks.js';
import { detectKnee } from '../../src/summary/knee.js';
import { firstSustained } from '../../src/summary/sustained.js';
import { runIsSaturated, SaturationTracker, secondStrain } from '../../src/engine/saturation.js';
import type { Snapshot } from '../../src/engine/snapshot.js';
import type { ExecutorPlan, NormalizedScenario } from '../../src/executors/types.js';
import type { WorkerHealth } from '../../src/engine/protocol.js';

const lat = (p99: number) => ({ count: 1, avg: p99, min: p99, p50: p99, p90: p99, p95: p99, p99, max: p99 });

function second(i: number, requests: number, failures: number, p99 = 5, saturated = false): Snapshot {
  return {
    second: i,
    time: new Date(Date.UTC(2026, 0, 1, 0, 0, i + 1)).toISOString(),
    requests,
    failures,
    errorRate: requests > 0 ? failures / requests : 0,
    iterations: requests,
    dropped: 0,
    vus: 10,
    latency: lat(p99),
    metrics: {},
    generator: {
      workers: [],
      cpuPercent: 10,
      rssMB: 100,
      saturated,
      reasons: saturated ? ['event-loop delay p99 80 ms'] : [],
    },
  } as unknown as Snapshot;
}

const rampPlan = [
  {
    scenario: { name: 'default', executor: 'ramping-arrival-rate' } as NormalizedScenario,
    plan: { openLoop: true } as ExecutorPlan,
  },
];

describe('knee: errors that rise with the load', () => {
  it('is found at the error onset, named as the errors signal, with a 0-based atSecond', () => {
    // 20 → 240 arrivals/s; from second 6 (140/s) the service refuses a growing share, latency flat.
    const tl = Array.from({ length: 12 }, (_, i) => {
      const rate = 20 + i * 20;
      return second(i, rate, i >= 6 ? Math.round(rate * 0.05 * (i - 5)) : 0);
    });
    const k = detectKnee(tl, rampPlan);
    assert.ok(k?.detected, JSON.stringify(k));
    assert.equal(k.signal, 'errors');
    assert.equal(k.reason, 'errors-rose');
    assert.equal(k.atSecond, 6);
    assert.equal(k.load?.iterationsPerSec, 140);
    assert.equal(k.baselineErrorRate, 0);
    assert.ok(Math.abs((k.errorRate ?? 0) - 7 / 140) < 1e-12);
  });

  it('a constant error share is not a knee; nor is a handful of failures', () => {
    const constant = Array.from({ length: 12 }, (_, i) =>
      second(i, 100 + i * 20, Math.round((100 + i * 20) * 0.1)),
    );
    assert.equal(detectKnee(constant, rampPlan)?.detected, false);
    // One failure in each of three seconds at 50/s: 2% of requests, but 3 failures in all.
    const few = Array.from({ length: 12 }, (_, i) => second(i, 50, i >= 6 && i < 9 ? 1 : 0));
    const k = detectKnee(few, rampPlan);
    assert.equal(k?.detected, false, JSON.stringify(k));
    assert.match(k?.detail ?? '', /errors did not rise with the load/);
  });
});

describe('bottleneck hints need a minimum count', () => {
  it('one failure in 52 requests is not "http_req_failed degraded first"', () => {
    // 52 requests over a few slow seconds, one of them failing: held over 1% for 3 seconds at most.
    const tl = [
      second(0, 10, 0),
      second(1, 10, 0),
      second(2, 8, 1),
      second(3, 8, 0),
      second(4, 8, 0),
      second(5, 8, 0),
    ];
    // Even a single failure held in every second (3 failed of 24) stays under the minimum.
    const held = [
      second(0, 10, 0),
      second(1, 10, 0),
      second(2, 8, 1),
      second(3, 8, 1),
      second(4, 8, 1),
      second(5, 8, 0),
    ];
    for (const t of [tl, held]) {
      const h = bottleneckHints(t);
      assert.equal(
        h.signals.find((s) => s.signal === 'errors'),
        undefined,
        JSON.stringify(h),
      );
      assert.equal(h.first, null);
    }
    const real = [
      second(0, 50, 0),
      second(1, 50, 0),
      second(2, 50, 5),
      second(3, 50, 6),
      second(4, 50, 7),
      second(5, 50, 0),
    ];
    const h = bottleneckHints(real);
    assert.equal(h.first, 'errors');
    assert.equal(h.signals[0]?.atSecond, 2);
    assert.match(h.summary, /^http_req_failed degraded first, at 2 s \(/);
  });

  it('firstSustained with a weight needs the held seconds to total the minimum', () => {
    const w = [1, 1, 1, 1, 4, 4];
    assert.equal(
      firstSustained(6, () => true, { need: 3, weight: (i) => w[i] as number, minWeight: 5 }),
      2,
    );
    assert.equal(
      firstSustained(6, () => true, { need: 3 }),
      0,
    );
    assert.equal(
      firstSustained(6, () => true, { need: 3, weight: () => 1, minWeight: 5 }),
      -1,
    );
  });
});

describe('generator saturation is sustained and names its resource', () => {
  const calm: WorkerHealth = { elu: 0.3, loopDelayP99Ms: 5, loopDelayMaxMs: 8, heapUsedMB: 50 };
  const slowLoop: WorkerHealth = { ...calm, loopDelayP99Ms: 80 };
  const busy: WorkerHealth = { ...calm, elu: 0.99 };

  it('reads each resource against its limit', () => {
    assert.deepEqual(
      secondStrain([calm, busy], 12, { cpuPercent: 195, cores: 2 }).map((s) => s.resource),
      ['event-loop utilisation', 'schedule lag', 'CPU'],
    );
    assert.deepEqual(
      secondStrain([slowLoop], undefined, { cpuPercent: 20, cores: 2 }).map((s) => s.detail),
      ['event-loop delay p99 80 ms'],
    );
    // Precise scheduling polls on purpose: busyness and CPU say nothing there.
    assert.deepEqual(secondStrain([busy], undefined, { polling: true, cpuPercent: 200, cores: 2 }), []);
  });

  it('one strained second (start-up, a GC) is not a saturation; 3 of the last 4 are', () => {
    const t = new SaturationTracker();
    const strain = (w: WorkerHealth) => secondStrain([w], undefined, { cores: 64 });
    const seq = [
      slowLoop,
      calm,
      calm,
      slowLoop,
      calm,
      calm,
      calm,
      calm,
      slowLoop,
      slowLoop,
      calm,
      slowLoop,
      slowLoop,
      calm,
    ];
    const flags = seq.map((w) => t.push(strain(w)).length > 0);
    //                      0      1      2      3      4      5      6      7      8      9      10    11    12     13
    assert.deepEqual(flags, [
      false,
      false,
      false,
      false,
      false,
      false,
      false,
      false,
      false,
      false,
      false,
      true,
      true,
      false,
    ]);
    assert.equal(t.saturatedSeconds, 2);
    assert.deepEqual(t.reasons(), ['event-loop delay (2s)']);
    assert.equal(runIsSaturated(t.saturatedSeconds, seq.length), true);
    // The demo's case: 2 isolated busy seconds of 16 do not flag the run.
    const demo = new SaturationTracker();
    for (let i = 0; i < 16; i++) demo.push(strain(i === 3 || i === 9 ? busy : calm));
    assert.equal(demo.saturatedSeconds, 0);
    assert.equal(runIsSaturated(demo.saturatedSeconds, 16), false);
  });

  it('a saturated second gives the generator hint at that second, named by resource', () => {
    const tl = Array.from({ length: 8 }, (_, i) => second(i, 100, 0, 5, i >= 4));
    const h = bottleneckHints(tl);
    assert.equal(h.first, 'generator');
    assert.equal(h.signals[0]?.atSecond, 4);
    assert.match(h.signals[0]?.detail ?? '', /event-loop delay p99 80 ms/);
  });
});
