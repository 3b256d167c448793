/** The breakpoint search itself, with probes whose outcome is a function of the rate. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stressSearch, type ProbeResult, type StressOptions } from '../../src/analysis/stress.js';

const OPTS: StressOptions = {
  startRate: 10,
  maxRate: 100_000,
  probeDurationMs: 1000,
  cooldownMs: 100,
  errorThreshold: 0.05,
  resolution: 0.05,
  maxProbes: 30,
};

function probeAt(capacity: number, saturatedFrom = Infinity) {
  const rates: number[] = [];
  const probe = async (rate: number): Promise<ProbeResult> => {
    rates.push(rate);
    const passed = rate <= capacity;
    return {
      rate,
      achievedRate: rate,
      p50: 1,
      p95: 2,
      p99: passed ? 3 : 500,
      errorRate: 0,
      dropped: 0,
      passed,
      failures: passed ? [] : ['http_req_duration p(99)<300 (was 500)'],
      failureKinds: passed ? [] : ['slo'],
      generatorSaturated: rate >= saturatedFrom,
      durationMs: 1000,
    };
  };
  return { probe, rates };
}

const noSleep = async (): Promise<void> => {};

describe('stressSearch', () => {
  it('doubles, then bisects to the resolution around the capacity', async () => {
    const { probe, rates } = probeAt(730);
    const r = await stressSearch(OPTS, probe, noSleep);
    assert.deepEqual(rates.slice(0, 8), [10, 20, 40, 80, 160, 320, 640, 1280]);
    assert.equal(r.ceiling, 'target');
    assert.ok(r.maxSustainableRate !== null && r.breakdownRate !== null);
    assert.ok(r.maxSustainableRate <= 730 && r.breakdownRate > 730);
    assert.ok((r.breakdownRate - r.maxSustainableRate) / r.maxSustainableRate <= 0.05);
    assert.equal(r.probes.length, rates.length);
  });

  it('sleeps the cooldown between probes, never before the first', async () => {
    const { probe } = probeAt(50);
    const sleeps: number[] = [];
    const r = await stressSearch(OPTS, probe, async (ms) => void sleeps.push(ms));
    assert.equal(sleeps.length, r.probes.length - 1);
    assert.ok(sleeps.every((ms) => ms === 100));
  });

  it('stops at --max-rate when everything passes, and says so', async () => {
    const { probe, rates } = probeAt(Infinity);
    const r = await stressSearch({ ...OPTS, maxRate: 100 }, probe, noSleep);
    assert.deepEqual(rates, [10, 20, 40, 80, 100]);
    assert.equal(r.ceiling, 'max-rate');
    assert.equal(r.maxSustainableRate, 100);
    assert.equal(r.breakdownRate, null);
  });

  it('reports a start rate that already fails', async () => {
    const { probe } = probeAt(5);
    const r = await stressSearch(OPTS, probe, noSleep);
    assert.equal(r.ceiling, 'start-rate');
    assert.equal(r.maxSustainableRate, null);
    assert.equal(r.breakdownRate, 10);
  });

  it('blames the generator when the first failure is slow and the generator saturated', async () => {
    const { probe } = probeAt(300, 300);
    const r = await stressSearch(OPTS, probe, noSleep);
    assert.equal(r.ceiling, 'generator');
    assert.match(r.detail, /volley's on this machine/);
  });

  it('respects the probe limit', async () => {
    const { probe, rates } = probeAt(Infinity);
    const r = await stressSearch({ ...OPTS, maxProbes: 3 }, probe, noSleep);
    assert.equal(rates.length, 3);
    assert.equal(r.ceiling, 'probe-limit');
  });
});
