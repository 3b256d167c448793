import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  analysePhases,
  leastSquares,
  memoryGrowth,
  phaseSpans,
  phaseTableRows,
  type PhaseSpan,
} from '../../src/summary/phases.js';
import type { SeriesPoint } from '../../src/summary/types.js';

/** A synthetic second: `rps` requests at p99 `p99` ms, `fails` of them failed. */
function pt(second: number, rps: number, p99: number, fails = 0, rssMB = 100): SeriesPoint {
  return {
    second,
    time: new Date(second * 1000).toISOString(),
    requests: rps,
    failures: fails,
    iterations: rps,
    dropped: 0,
    vus: 10,
    latency: {
      count: rps,
      avg: p99 / 2,
      min: 1,
      p50: p99 / 2,
      p90: p99 * 0.9,
      p95: p99 * 0.95,
      p99,
      max: p99,
    },
    cpuPercent: 10,
    rssMB,
    saturated: false,
  };
}

/** A five-phase shape over 20 s: warm-up 0-3, ramp-up 3-6, sustained 6-10, spike 10-13, recovery 13-20. */
const SPANS: PhaseSpan[] = phaseSpans(0, 0, [
  { durationMs: 3000, target: 10, phase: 'warm-up' },
  { durationMs: 3000, target: 50, phase: 'ramp-up' },
  { durationMs: 4000, target: 50, phase: 'sustained' },
  { durationMs: 500, target: 200, phase: 'spike' },
  { durationMs: 2500, target: 200, phase: 'spike' },
  { durationMs: 500, target: 10, phase: 'recovery' },
  { durationMs: 6500, target: 10, phase: 'recovery' },
]);

function timeline(recoveryP99: (s: number) => number): SeriesPoint[] {
  const out: SeriesPoint[] = [];
  for (let s = 0; s < 20; s++) {
    if (s < 3) out.push(pt(s, 10, 20));
    else if (s < 10) out.push(pt(s, 50, 25));
    else if (s < 13) out.push(pt(s, 200, 300, 20));
    else out.push(pt(s, 10, recoveryP99(s)));
  }
  return out;
}

describe('phases: spans and table', () => {
  it('merges consecutive stages of one phase and carries the planned load', () => {
    assert.deepEqual(
      SPANS.map((s) => [s.name, s.startMs, s.endMs, s.loadFrom, s.loadTo]),
      [
        ['warm-up', 0, 3000, 0, 10],
        ['ramp-up', 3000, 6000, 10, 50],
        ['sustained', 6000, 10000, 50, 50],
        ['spike', 10000, 13000, 50, 200],
        ['recovery', 13000, 20000, 200, 10],
      ],
    );
  });

  it('a row per phase: seconds, requests, throughput, weighted percentiles, error rate', () => {
    const a = analysePhases(
      'main',
      'per-second',
      SPANS,
      timeline(() => 20),
    );
    const spike = a.phases.find((p) => p.name === 'spike');
    assert.deepEqual(
      { ...spike, load: undefined },
      {
        name: 'spike',
        startSecond: 10,
        endSecond: 13,
        load: undefined,
        vusAvg: 10,
        requests: 600,
        failures: 60,
        throughputRps: 200,
        p50Ms: 150,
        p95Ms: 285,
        p99Ms: 300,
        errorRate: 0.1,
      },
    );
    const rows = phaseTableRows(a);
    assert.deepEqual(rows[0], [
      'phase',
      'seconds',
      'load',
      'requests',
      'req/s',
      'p50',
      'p95',
      'p99',
      'errors',
    ]);
    assert.deepEqual(rows[4], [
      'spike',
      '10-13',
      '50→200/s',
      '600',
      '200.0',
      '150 ms',
      '285 ms',
      '300 ms',
      '10%',
    ]);
  });
});

describe('phases: the five-phase recovery verdict', () => {
  it('recovered: the first second from which the rolling values stay within tolerance', () => {
    // p99 back to 20 ms from second 16 on: the rolling 3 s windows are within 20% + 2 ms from the
    // one over 16-18, so the service was back at 16, 3 s into the recovery phase (from 13).
    const a = analysePhases(
      'main',
      'per-second',
      SPANS,
      timeline((s) => (s < 16 ? 200 : 20)),
    );
    assert.equal(a.recovery?.recovered, true);
    assert.equal(a.recovery?.recoveredAtSecond, 16);
    assert.equal(a.recovery?.recoveredInS, 3);
    assert.match(a.recovery?.detail ?? '', /^recovered in 3 s \(p99 20 ms vs warm-up 20 ms/);
  });

  it('recovered at once when the recovery phase is healthy from its first second', () => {
    const a = analysePhases(
      'main',
      'per-second',
      SPANS,
      timeline(() => 21),
    );
    assert.equal(a.recovery?.recoveredInS, 0);
  });

  it('did not recover: p99 still high at the end, with the numbers', () => {
    const a = analysePhases(
      'main',
      'per-second',
      SPANS,
      timeline(() => 140),
    );
    assert.equal(a.recovery?.recovered, false);
    assert.equal(a.recovery?.recoveredInS, null);
    assert.equal(a.recovery?.detail, 'did not recover: p99 140 ms vs warm-up 20 ms');
  });

  it('did not recover: errors above the warm-up by more than 0.5 points', () => {
    const tl = timeline(() => 20).map((p) => (p.second >= 13 ? { ...p, failures: 1 } : p));
    const a = analysePhases('main', 'per-second', SPANS, tl);
    assert.equal(a.recovery?.recovered, false);
    assert.equal(a.recovery?.detail, 'did not recover: error rate 10% vs warm-up 0%');
  });

  it('a relapse at the end counts: recovery must hold to the end', () => {
    const a = analysePhases(
      'main',
      'per-second',
      SPANS,
      timeline((s) => (s === 19 ? 500 : 20)),
    );
    assert.equal(a.recovery?.recovered, false);
  });

  it('no verdict without a warm-up and a recovery phase', () => {
    const spans = phaseSpans(0, 0, [{ durationMs: 20_000, target: 10, phase: 'step 1' }]);
    assert.equal(
      analysePhases(
        's',
        'vus',
        spans,
        timeline(() => 20),
      ).recovery,
      null,
    );
  });
});

describe('phases: memory growth by least squares', () => {
  it('slope and r² of a line', () => {
    const fit = leastSquares([0, 1, 2, 3], [10, 12, 14, 16]);
    assert.equal(fit?.slope, 2);
    assert.equal(fit?.r2, 1);
    assert.equal(leastSquares([0, 1], [1, 2]), null);
  });

  it('growing: 0.01 MB/s is 36 MB/h; flat: a sawtooth with no trend', () => {
    const secs = Array.from({ length: 600 }, (_, i) => i);
    const g = memoryGrowth(
      'target',
      'target_rss_mb',
      secs,
      secs.map((s) => 200 + s * 0.01),
    );
    assert.equal(g?.verdict, 'growing');
    assert.equal(g?.mbPerHour, 36);
    const f = memoryGrowth(
      'generator',
      'rssMB',
      secs,
      secs.map((s) => 100 + (s % 10)),
    );
    assert.equal(f?.verdict, 'flat');
    assert.ok(Math.abs(f?.mbPerHour ?? 99) < 10);
  });

  it('flat: a steep but small rise (2 MB in 10 s, a warm-up) is under the 5 MB floor', () => {
    const secs = Array.from({ length: 11 }, (_, i) => i);
    const g = memoryGrowth(
      'generator',
      'rssMB',
      secs,
      secs.map((s) => 90 + s * 0.2),
    );
    assert.equal(g?.mbPerHour, 720);
    assert.equal(g?.verdict, 'flat');
  });

  it('a soak phase gets the target and generator verdicts', () => {
    const spans = phaseSpans(0, 0, [
      { durationMs: 2000, target: 5, phase: 'ramp-up' },
      { durationMs: 16_000, target: 5, phase: 'soak' },
      { durationMs: 2000, target: 0, phase: 'ramp-down' },
    ]);
    const tl = Array.from({ length: 20 }, (_, s) => pt(s, 10, 20, 0, 80));
    const a = analysePhases('soak', 'vus', spans, tl, {
      target_rss_mb: tl.map((p) => 50 + p.second * 0.5),
    });
    assert.deepEqual(
      a.memory.map((m) => [m.source, m.verdict, m.mbPerHour, m.seconds]),
      [
        ['target', 'growing', 1800, 16],
        ['generator', 'flat', 0, 16],
      ],
    );
  });
});
