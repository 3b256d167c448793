/** Load-profile presets: the documented stages exactly, valid scenarios for the executors, every bad option reported. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tryParseDurationMs } from '../../src/config/duration.js';
import { executorFor, validateScenarios } from '../../src/executors/registry.js';
import { VolleyError } from '../../src/errors.js';
import {
  breakpoint,
  fivePhase,
  load,
  PRESETS,
  smoke,
  soak,
  spike,
  stress,
  type PresetScenario,
} from '../../src/script/presets.js';

const stages = (s: PresetScenario): [number, number][] =>
  (s.stages ?? []).map((st) => [tryParseDurationMs(st.duration) as number, st.target]);

function plan(s: PresetScenario) {
  assert.deepEqual(validateScenarios({ x: s }), [], 'a valid scenario');
  const e = executorFor(s.executor);
  return e.plan(e.normalize('x', s));
}

describe('presets', () => {
  it('smoke: 1 VU for 1 minute, or a constant rate', () => {
    assert.deepEqual(smoke(), { executor: 'constant-vus', vus: 1, duration: '1m' });
    const open = smoke({ rate: 5, duration: '10s' });
    assert.equal(open.executor, 'constant-arrival-rate');
    assert.equal(plan(open).plannedIterations, 50);
  });

  it('load: ramp up, hold, ramp down — in VUs and in arrivals per second', () => {
    const s = load({ vus: 100 });
    assert.equal(s.executor, 'ramping-vus');
    assert.deepEqual(stages(s), [
      [60_000, 100],
      [300_000, 100],
      [30_000, 0],
    ]);
    const p = plan(s);
    assert.equal(p.durationMs, 390_000);
    assert.equal(p.maxVUs, 100);
    const o = load({ rate: 300, rampUp: '10s', hold: 60, rampDown: '5s' });
    assert.equal(o.executor, 'ramping-arrival-rate');
    assert.deepEqual(stages(o), [
      [10_000, 300],
      [60_000, 300],
      [5_000, 0],
    ]);
    assert.equal(o.maxVUs, 300);
    assert.equal(o.preAllocatedVUs, 30);
    assert.equal(plan(o).plannedIterations, 300 * 5 + 300 * 60 + 300 * 2.5);
  });

  it('stress: equal steps to the peak, each ramped in 10 % of the step', () => {
    const s = stress({ vus: 200, steps: 4, stepDuration: '2m', rampDown: '1m' });
    assert.deepEqual(stages(s), [
      [12_000, 50],
      [108_000, 50],
      [12_000, 100],
      [108_000, 100],
      [12_000, 150],
      [108_000, 150],
      [12_000, 200],
      [108_000, 200],
      [60_000, 0],
    ]);
    assert.equal(plan(s).maxVUs, 200);
  });

  it('spike: base, a sudden surge to the peak, recovery at base', () => {
    const s = spike({
      base: 20,
      peak: 400,
      baseDuration: '20s',
      spikeRampUp: '5s',
      spikeHold: '20s',
      recovery: '20s',
    });
    assert.deepEqual(stages(s), [
      [10_000, 20],
      [20_000, 20],
      [5_000, 400],
      [20_000, 400],
      [10_000, 20],
      [20_000, 20],
      [10_000, 0],
    ]);
    assert.equal(plan(s).maxVUs, 400);
    assert.equal(spike({ base: 5, peak: 50, openLoop: true }).executor, 'ramping-arrival-rate');
  });

  it('soak and breakpoint', () => {
    assert.deepEqual(stages(soak({ vus: 40 })), [
      [120_000, 40],
      [7_200_000, 40],
      [120_000, 0],
    ]);
    const b = breakpoint({ rate: 2000, duration: '5m' });
    assert.deepEqual(stages(b), [[300_000, 2000]]);
    assert.equal(plan(b).plannedIterations, 2000 * 150);
  });

  it('fivePhase: warm-up → ramp-up → sustained → spike → recovery', () => {
    const s = fivePhase({ base: 10, peak: 100, spike: 300 });
    assert.deepEqual(stages(s), [
      [60_000, 10],
      [120_000, 100],
      [300_000, 100],
      [5_000, 300],
      [60_000, 300],
      [5_000, 100],
      [120_000, 100],
      [30_000, 0],
    ]);
    assert.equal(plan(s).maxVUs, 300);
    assert.equal(plan(s).durationMs, 700_000);
  });

  it('every preset is reachable by name', () => {
    for (const [name, fn] of Object.entries(PRESETS))
      assert.deepEqual(validateScenarios({ x: fn({}) }), [], name);
  });

  it('bad options are all reported at once', () => {
    assert.throws(
      () => spike({ base: 50, peak: 10, spikeHold: 'soon' }),
      (e: unknown) =>
        e instanceof VolleyError &&
        e.details.includes('spike: peak (10) must be >= base (50)') &&
        e.details.some((d) => d.includes('spikeHold: malformed duration')),
    );
    assert.throws(() => load({ vus: 10, rate: 5 }), /give vus or rate, not both/);
    assert.throws(() => stress({ vus: -1 }), /vus must be a number >= 0/);
    assert.throws(() => fivePhase({ peak: 100, spike: 50 }), /spike \(50\) must be >= peak \(100\)/);
  });
});
