/** Load-profile presets: the documented stages exactly, valid scenarios for the executors, every bad option reported. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tryParseDurationMs } from '../../src/config/duration.js';
import { executorFor, validateScenarios } from '../../src/executors/registry.js';
import type { ExecutorPlan } from '../../src/executors/types.js';
import { VolleyError } from '../../src/errors.js';
import {
  PRESETS,
  breakpoint,
  describePreset,
  fivePhase,
  load,
  smoke,
  soak,
  spike,
  stress,
  type PresetScenario,
} from '../../src/script/presets.js';

/** Stages as [duration as emitted, target]. */
const stagesOf = (s: PresetScenario): [string | number, number][] =>
  (s.stages ?? []).map((st) => [st.duration, st.target]);

/** Validates the scenario as the engine would, then plans it. */
function plan(s: PresetScenario): ExecutorPlan {
  assert.deepEqual(validateScenarios({ x: s }), [], 'a valid scenario');
  const e = executorFor(s.executor);
  return e.plan(e.normalize('x', s));
}

/** Every emitted duration is a string that volley parses. */
function assertStringDurations(s: PresetScenario): void {
  for (const d of [s.duration, ...(s.stages ?? []).map((st) => st.duration)]) {
    if (d === undefined) continue;
    assert.equal(typeof d, 'string', `duration ${String(d)} is a string`);
    assert.notEqual(tryParseDurationMs(d), undefined, `duration ${String(d)} parses`);
  }
}

/** Runs `fn` and returns the VolleyError's details (asserting code INVALID_CONFIG). */
function problems(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof VolleyError, `a VolleyError, got ${String(e)}`);
    assert.equal(e.code, 'INVALID_CONFIG');
    assert.ok(e.details.length > 0);
    for (const d of e.details) assert.ok(e.message.includes(d), `the message lists '${d}'`);
    // The same problems, structured: each detail is `PRESET.PATH: MESSAGE` of one of them.
    assert.equal(e.problems.length, e.details.length);
    e.problems.forEach((p, i) => {
      assert.match(p.code, /^[a-z]+(-[a-z]+)*$/, 'a kebab-case code');
      assert.ok((e.details[i] as string).endsWith(`${p.path ? `.${p.path}` : ''}: ${p.message}`));
    });
    return e.details;
  }
  assert.fail('expected a VolleyError');
}

const RAMPING_VUS = { executor: 'ramping-vus', startVUs: 0 } as const;
const RAMPING_RATE = { executor: 'ramping-arrival-rate', startRate: 0, timeUnit: '1s' } as const;

describe('presets: smoke', () => {
  it('defaults: 1 VU for 1 minute (constant-vus)', () => {
    const s = smoke();
    assert.deepEqual(s, { executor: 'constant-vus', vus: 1, duration: '1m' });
    const p = plan(s);
    assert.equal(p.durationMs, 60_000);
    assert.equal(p.maxVUs, 1);
  });

  it('VUs and a duration in seconds', () => {
    const s = smoke({ vus: 3, duration: 90 });
    assert.deepEqual(s, { executor: 'constant-vus', vus: 3, duration: '1m30s' });
    assert.equal(plan(s).durationMs, 90_000);
  });

  it('rate: a constant arrival rate with the default pool', () => {
    const s = smoke({ rate: 5, duration: '10s' });
    assert.deepEqual(s, {
      executor: 'constant-arrival-rate',
      rate: 5,
      timeUnit: '1s',
      duration: '10s',
      preAllocatedVUs: 5,
      maxVUs: 10,
    });
    const p = plan(s);
    assert.equal(p.plannedIterations, 50);
    assert.equal(p.maxVUs, 10);
    assert.equal(p.durationMs, 10_000);
    assert.equal(p.openLoop, true);
  });
});

describe('presets: load', () => {
  it('defaults: 50 VUs, 1m up, 5m hold, 30s down', () => {
    const s = load();
    assert.deepEqual(s, {
      ...RAMPING_VUS,
      stages: [
        { duration: '1m', target: 50 },
        { duration: '5m', target: 50 },
        { duration: '30s', target: 0 },
      ],
    });
    const p = plan(s);
    assert.equal(p.durationMs, 390_000);
    assert.equal(p.maxVUs, 50);
    assert.equal(p.openLoop, false);
  });

  it('VUs', () => {
    const s = load({ vus: 100, hold: '10m' });
    assert.deepEqual(stagesOf(s), [
      ['1m', 100],
      ['10m', 100],
      ['30s', 0],
    ]);
    assert.equal(plan(s).maxVUs, 100);
    assert.equal(plan(s).durationMs, 690_000);
  });

  it('rate: arrivals per second, durations as numbers of seconds', () => {
    const s = load({ rate: 300, rampUp: '10s', hold: 60, rampDown: '5s' });
    assert.deepEqual(s, {
      ...RAMPING_RATE,
      preAllocatedVUs: 30,
      maxVUs: 300,
      stages: [
        { duration: '10s', target: 300 },
        { duration: '1m', target: 300 },
        { duration: '5s', target: 0 },
      ],
    });
    const p = plan(s);
    assert.equal(p.durationMs, 75_000);
    assert.equal(p.maxVUs, 300);
    assert.equal(p.plannedIterations, 300 * 5 + 300 * 60 + 300 * 2.5);
    assert.equal(p.openLoop, true);
  });
});

describe('presets: open-loop pool sizing', () => {
  const poolOf = (s: PresetScenario): [number | undefined, number | undefined] => [
    s.preAllocatedVUs,
    s.maxVUs,
  ];
  it('maxVUs = max(10, ceil(peak)) capped at 10,000; preAllocatedVUs = max(5, ceil(peak / 10))', () => {
    assert.deepEqual(poolOf(load({ rate: 0.5 })), [5, 10]);
    assert.deepEqual(poolOf(load({ rate: 10 })), [5, 10]);
    assert.deepEqual(poolOf(load({ rate: 75.5 })), [8, 76]);
    assert.deepEqual(poolOf(load({ rate: 1000 })), [100, 1000]);
    assert.deepEqual(poolOf(load({ rate: 50_000 })), [5000, 10_000]);
    assert.deepEqual(poolOf(load({ rate: 200_000 })), [10_000, 10_000], 'preAllocatedVUs <= maxVUs');
  });

  it('overrides: each alone, both, and a preAllocatedVUs above the default maxVUs', () => {
    assert.deepEqual(poolOf(load({ rate: 100, preAllocatedVUs: 50 })), [50, 100]);
    assert.deepEqual(poolOf(load({ rate: 100, preAllocatedVUs: 500 })), [500, 500]);
    assert.deepEqual(poolOf(load({ rate: 100, maxVUs: 3 })), [3, 3]);
    assert.deepEqual(poolOf(load({ rate: 100, maxVUs: 400 })), [10, 400]);
    assert.deepEqual(poolOf(load({ rate: 100, preAllocatedVUs: 40, maxVUs: 400 })), [40, 400]);
    for (const s of [load({ rate: 100, preAllocatedVUs: 500 }), load({ rate: 100, maxVUs: 3 })]) plan(s);
  });

  it('the peak of a multi-level preset sizes the pool', () => {
    assert.deepEqual(poolOf(fivePhase({ openLoop: true, peak: 100, spike: 300 })), [30, 300]);
    assert.deepEqual(poolOf(spike({ openLoop: true, base: 5, peak: 50 })), [5, 50]);
  });
});

describe('presets: stress', () => {
  it('defaults: 4 steps of 2m to 200 VUs, each ramped in 12s and held 1m48s, then 1m down', () => {
    const s = stress();
    assert.deepEqual(s, {
      ...RAMPING_VUS,
      stages: [
        { duration: '12s', target: 50, phase: 'step 1' },
        { duration: '1m48s', target: 50, phase: 'step 1' },
        { duration: '12s', target: 100, phase: 'step 2' },
        { duration: '1m48s', target: 100, phase: 'step 2' },
        { duration: '12s', target: 150, phase: 'step 3' },
        { duration: '1m48s', target: 150, phase: 'step 3' },
        { duration: '12s', target: 200, phase: 'step 4' },
        { duration: '1m48s', target: 200, phase: 'step 4' },
        { duration: '1m', target: 0, phase: 'ramp-down' },
      ],
    });
    const p = plan(s);
    assert.equal(p.durationMs, 540_000);
    assert.equal(p.maxVUs, 200);
  });

  it('VUs: levels are rounded to whole VUs, the last is the peak', () => {
    const s = stress({ vus: 10, steps: 3, stepDuration: '45s', rampDown: 0 });
    assert.deepEqual(stagesOf(s), [
      ['4s500ms', 3],
      ['40s500ms', 3],
      ['4s500ms', 7],
      ['40s500ms', 7],
      ['4s500ms', 10],
      ['40s500ms', 10],
      ['0s', 0],
    ]);
    assert.equal(plan(s).durationMs, 135_000);
    assert.equal(plan(s).maxVUs, 10);
  });

  it('rate: levels keep fractions (3 decimals)', () => {
    const s = stress({ rate: 100, steps: 3, stepDuration: '45s' });
    assert.deepEqual(
      stagesOf(s).map(([, t]) => t),
      [33.333, 33.333, 66.667, 66.667, 100, 100, 0],
    );
    const r = stress({ rate: 100, steps: 2, stepDuration: '10s', rampDown: '10s' });
    assert.deepEqual(r, {
      ...RAMPING_RATE,
      preAllocatedVUs: 10,
      maxVUs: 100,
      stages: [
        { duration: '1s', target: 50, phase: 'step 1' },
        { duration: '9s', target: 50, phase: 'step 1' },
        { duration: '1s', target: 100, phase: 'step 2' },
        { duration: '9s', target: 100, phase: 'step 2' },
        { duration: '10s', target: 0, phase: 'ramp-down' },
      ],
    });
    const p = plan(r);
    assert.equal(p.durationMs, 30_000);
    assert.equal(p.maxVUs, 100);
    assert.equal(p.plannedIterations, 25 + 450 + 75 + 900 + 500);
  });

  it('one step is a single ramp and hold', () => {
    assert.deepEqual(stagesOf(stress({ vus: 30, steps: 1, stepDuration: '1m' })), [
      ['6s', 30],
      ['54s', 30],
      ['1m', 0],
    ]);
  });
});

describe('presets: spike', () => {
  it('defaults: base 10, peak 100 (10 × base), in VUs', () => {
    const s = spike();
    assert.deepEqual(s, {
      ...RAMPING_VUS,
      stages: [
        { duration: '10s', target: 10, phase: 'base' },
        { duration: '1m', target: 10, phase: 'base' },
        { duration: '10s', target: 100, phase: 'spike' },
        { duration: '1m', target: 100, phase: 'spike' },
        { duration: '10s', target: 10, phase: 'recovery' },
        { duration: '1m', target: 10, phase: 'recovery' },
      ],
    });
    const p = plan(s);
    assert.equal(p.durationMs, 210_000);
    assert.equal(p.maxVUs, 100);
  });

  it('VUs: the drop back to base takes spikeRampUp too', () => {
    const s = spike({
      base: 20,
      peak: 400,
      baseDuration: '20s',
      spikeRampUp: '5s',
      spikeHold: '20s',
      recovery: '20s',
    });
    assert.deepEqual(stagesOf(s), [
      ['10s', 20],
      ['20s', 20],
      ['5s', 400],
      ['20s', 400],
      ['5s', 20],
      ['20s', 20],
    ]);
    assert.equal(plan(s).durationMs, 80_000);
    assert.equal(plan(s).maxVUs, 400);
    assert.deepEqual(
      stagesOf(spike({ base: 3 })).map(([, t]) => t),
      [3, 3, 30, 30, 3, 3],
    );
  });

  it('openLoop: arrivals per second; spikeRampUp 0 is a square wave', () => {
    const s = spike({
      openLoop: true,
      base: 50,
      peak: 500,
      baseDuration: 30,
      spikeRampUp: 0,
      spikeHold: 30,
      recovery: 30,
    });
    assert.deepEqual(s, {
      ...RAMPING_RATE,
      preAllocatedVUs: 50,
      maxVUs: 500,
      stages: [
        { duration: '10s', target: 50, phase: 'base' },
        { duration: '30s', target: 50, phase: 'base' },
        { duration: '0s', target: 500, phase: 'spike' },
        { duration: '30s', target: 500, phase: 'spike' },
        { duration: '0s', target: 50, phase: 'recovery' },
        { duration: '30s', target: 50, phase: 'recovery' },
      ],
    });
    const p = plan(s);
    assert.equal(p.durationMs, 100_000);
    assert.equal(p.maxVUs, 500);
    assert.equal(p.plannedIterations, 250 + 1500 + 15_000 + 1500);
  });

  it('a spike from nothing (base 0) and fractional rates in open loop', () => {
    assert.deepEqual(
      stagesOf(spike({ base: 0, peak: 40 })).map(([, t]) => t),
      [0, 0, 40, 40, 0, 0],
    );
    plan(spike({ base: 0, peak: 40 }));
    assert.deepEqual(
      stagesOf(spike({ openLoop: true, base: 0.5, peak: 2.5 })).map(([, t]) => t),
      [0.5, 0.5, 2.5, 2.5, 0.5, 0.5],
    );
  });
});

describe('presets: soak', () => {
  it('defaults: 50 VUs, 2m up, 2h hold, 2m down', () => {
    const s = soak();
    assert.deepEqual(s, {
      ...RAMPING_VUS,
      stages: [
        { duration: '2m', target: 50, phase: 'ramp-up' },
        { duration: '2h', target: 50, phase: 'soak' },
        { duration: '2m', target: 0, phase: 'ramp-down' },
      ],
    });
    assert.equal(plan(s).durationMs, 7_440_000);
    assert.equal(plan(s).maxVUs, 50);
  });

  it('VUs and rate', () => {
    assert.deepEqual(stagesOf(soak({ vus: 40, hold: '8h' })), [
      ['2m', 40],
      ['8h', 40],
      ['2m', 0],
    ]);
    const s = soak({ rate: 50, rampUp: '30s', hold: '10m', rampDown: '30s' });
    assert.deepEqual(s, {
      ...RAMPING_RATE,
      preAllocatedVUs: 5,
      maxVUs: 50,
      stages: [
        { duration: '30s', target: 50, phase: 'ramp-up' },
        { duration: '10m', target: 50, phase: 'soak' },
        { duration: '30s', target: 0, phase: 'ramp-down' },
      ],
    });
    const p = plan(s);
    assert.equal(p.durationMs, 660_000);
    assert.equal(p.plannedIterations, 750 + 30_000 + 750);
  });
});

describe('presets: breakpoint', () => {
  it('defaults: 0 → 1000 VUs over 10m', () => {
    const s = breakpoint();
    assert.deepEqual(s, { ...RAMPING_VUS, stages: [{ duration: '10m', target: 1000 }] });
    const p = plan(s);
    assert.equal(p.durationMs, 600_000);
    assert.equal(p.maxVUs, 1000);
  });

  it('VUs and rate', () => {
    assert.deepEqual(stagesOf(breakpoint({ vus: 300, duration: '15m' })), [['15m', 300]]);
    const s = breakpoint({ rate: 2000, duration: '5m' });
    assert.deepEqual(s, {
      ...RAMPING_RATE,
      preAllocatedVUs: 200,
      maxVUs: 2000,
      stages: [{ duration: '5m', target: 2000 }],
    });
    const p = plan(s);
    assert.equal(p.durationMs, 300_000);
    assert.equal(p.maxVUs, 2000);
    assert.equal(p.plannedIterations, 2000 * 150);
  });
});

describe('presets: fivePhase', () => {
  it('defaults: base 10, peak 100, spike 200 (2 × peak), in VUs', () => {
    const s = fivePhase();
    assert.deepEqual(s, {
      ...RAMPING_VUS,
      stages: [
        { duration: '1m', target: 10, phase: 'warm-up' },
        { duration: '2m', target: 100, phase: 'ramp-up' },
        { duration: '5m', target: 100, phase: 'sustained' },
        { duration: '10s', target: 200, phase: 'spike' },
        { duration: '1m', target: 200, phase: 'spike' },
        { duration: '10s', target: 10, phase: 'recovery' },
        { duration: '2m', target: 10, phase: 'recovery' },
      ],
    });
    const p = plan(s);
    assert.equal(p.durationMs, 680_000);
    assert.equal(p.maxVUs, 200);
  });

  it('VUs: the spike defaults to 2 × peak', () => {
    assert.deepEqual(stagesOf(fivePhase({ base: 50, peak: 200 })), [
      ['1m', 50],
      ['2m', 200],
      ['5m', 200],
      ['10s', 400],
      ['1m', 400],
      ['10s', 50],
      ['2m', 50],
    ]);
    assert.equal(plan(fivePhase({ base: 50, peak: 200 })).maxVUs, 400);
  });

  it('openLoop: arrivals per second', () => {
    const s = fivePhase({
      openLoop: true,
      base: 20,
      peak: 100,
      spike: 300,
      warmUp: '30s',
      rampUp: '1m',
      sustained: '2m',
      spikeDuration: '30s',
      recovery: 60,
    });
    assert.deepEqual(s, {
      ...RAMPING_RATE,
      preAllocatedVUs: 30,
      maxVUs: 300,
      stages: [
        { duration: '30s', target: 20, phase: 'warm-up' },
        { duration: '1m', target: 100, phase: 'ramp-up' },
        { duration: '2m', target: 100, phase: 'sustained' },
        { duration: '10s', target: 300, phase: 'spike' },
        { duration: '30s', target: 300, phase: 'spike' },
        { duration: '10s', target: 20, phase: 'recovery' },
        { duration: '1m', target: 20, phase: 'recovery' },
      ],
    });
    const p = plan(s);
    assert.equal(p.durationMs, 320_000);
    assert.equal(p.maxVUs, 300);
    assert.equal(p.plannedIterations, 300 + 3600 + 12_000 + 2000 + 9000 + 1600 + 1200);
  });
});

describe('presets: a short fivePhase', () => {
  it('the ramps into and out of the spike scale with the phases (5% of them, at most 10s): 5 × 4s lasts 22s, not 40s', () => {
    const s = fivePhase({
      base: 5,
      peak: 20,
      warmUp: 4,
      rampUp: 4,
      sustained: 4,
      spikeDuration: 4,
      recovery: 4,
    });
    assert.deepEqual(
      (s.stages ?? []).map((st) => [st.phase, st.duration, st.target]),
      [
        ['warm-up', '4s', 5],
        ['ramp-up', '4s', 20],
        ['sustained', '4s', 20],
        ['spike', '1s', 40],
        ['spike', '4s', 40],
        ['recovery', '1s', 5],
        ['recovery', '4s', 5],
      ],
    );
    assertStringDurations(s);
    assert.equal(plan(s).durationMs, 22_000);
    // 10 s in all: shorter than the 25 s the fixed 10 s ramps forced.
    const tiny = fivePhase({ warmUp: 2, rampUp: 2, sustained: 2, spikeDuration: 2, recovery: 2 });
    assert.deepEqual(
      (tiny.stages ?? []).map((st) => st.duration),
      ['2s', '2s', '2s', '500ms', '2s', '500ms', '2s'],
    );
    assert.equal(plan(tiny).durationMs, 11_000);
  });
});

describe('presets: durations', () => {
  it('numbers are seconds, emitted as strings; strings are kept as written', () => {
    assert.deepEqual(
      stagesOf(load({ rampUp: 0.25, hold: 3661.5, rampDown: 7200 })).map(([d]) => d),
      ['250ms', '1h1m1s500ms', '2h'],
    );
    assert.deepEqual(
      stagesOf(load({ rampUp: '1m30s', hold: '90s', rampDown: '1.5s' })).map(([d]) => d),
      ['1m30s', '90s', '1.5s'],
    );
    assert.deepEqual(
      stagesOf(load({ hold: 0 })).map(([d]) => d),
      ['1m', '0s', '30s'],
    );
  });

  it('every output of every preset, in every mode, has string durations that parse', () => {
    const outputs = [
      smoke(),
      smoke({ rate: 2, duration: 5 }),
      load({ rate: 10, hold: 1.5 }),
      stress({ stepDuration: 33 }),
      stress({ rate: 7, stepDuration: '1m7s' }),
      spike({ spikeRampUp: 2.5 }),
      soak({ rate: 1, hold: 86_400 }),
      breakpoint({ duration: 1 }),
      fivePhase({ openLoop: true, recovery: 0.001 }),
    ];
    for (const s of outputs) {
      assertStringDurations(s);
      plan(s);
    }
  });
});

describe('presets: PRESETS and describePreset', () => {
  it('every preset is reachable by name and valid with its defaults (untyped options)', () => {
    assert.deepEqual(Object.keys(PRESETS), [
      'smoke',
      'load',
      'stress',
      'spike',
      'soak',
      'breakpoint',
      'fivePhase',
    ]);
    for (const [name, fn] of Object.entries(PRESETS)) {
      assert.deepEqual(validateScenarios({ x: fn() }), [], name);
      assert.deepEqual(validateScenarios({ x: fn({}) }), [], name);
    }
    assert.deepEqual(PRESETS.load({ vus: 100, hold: '5m' }), load({ vus: 100, hold: '5m' }));
    assert.deepEqual(
      PRESETS.spike({ openLoop: true, base: 1, peak: 2 }),
      spike({ openLoop: true, base: 1, peak: 2 }),
    );
  });

  it('spreads into a scenario that the executors accept, with common fields beside it', () => {
    const scenario = {
      ...load({ vus: 100, hold: '5m' }),
      startTime: '10s',
      gracefulStop: '5s',
      tags: { t: 'a' },
    };
    assert.deepEqual(validateScenarios({ load: scenario }), []);
  });

  it('describePreset: one line per preset; unknown names are refused with the list', () => {
    for (const name of Object.keys(PRESETS)) {
      const line = describePreset(name);
      assert.ok(line.length > 20 && line.length < 160, `${name}: ${line}`);
      assert.ok(!line.includes('\n'));
    }
    assert.match(describePreset('breakpoint'), /abortOnFail/);
    assert.throws(
      () => describePreset('lod'),
      (e: unknown) =>
        e instanceof VolleyError &&
        e.code === 'INVALID_CONFIG' &&
        /unknown preset 'lod' \(one of: smoke, load, stress, spike, soak, breakpoint, fivePhase\)/.test(
          e.message,
        ),
    );
    assert.throws(() => describePreset('toString'), /unknown preset/);
  });

  it('presets are pure: the options are not changed and every call returns a new object', () => {
    const o = Object.freeze({ rate: 10, hold: '1m' });
    const a = load(o);
    const b = load(o);
    assert.deepEqual(a, b);
    assert.notEqual(a, b);
    assert.notEqual(a.stages, b.stages);
    assert.deepEqual(o, { rate: 10, hold: '1m' });
  });
});

describe('presets: bad options', () => {
  it('the spike example from the docs, and every problem at once', () => {
    assert.deepEqual(
      problems(() => spike({ base: 50, peak: 10 })),
      ['spike.peak: must be >= base (50) (got 10)'],
    );
    try {
      spike({ base: 50, peak: 10, spikeHold: 'soon', recovery: -1 });
    } catch (e) {
      assert.ok(e instanceof VolleyError);
      assert.deepEqual(
        e.problems.map((p) => [p.path, p.code]),
        [
          ['peak', 'conflict'],
          ['spikeHold', 'not-a-duration'],
          ['recovery', 'out-of-range'],
        ],
      );
    }
    const d = problems(() => spike({ base: 50, peak: 10, spikeHold: 'soon', recovery: -1 }));
    assert.deepEqual(d, [
      'spike.peak: must be >= base (50) (got 10)',
      "spike.spikeHold: malformed duration \"soon\" (e.g. '30s', '1m30s', or a number of seconds)",
      'spike.recovery: must be a number of seconds >= 0 (got -1)',
    ]);
    assert.throws(
      () => spike({ base: 50, peak: 10, spikeHold: 'soon', recovery: -1 }),
      /^VolleyError: spike: 3 problems: spike.peak: must be >= base \(50\) \(got 10\); /,
    );
  });

  it('vus and rate: both given, negative, fractional VUs, non-finite, wrong type', () => {
    assert.deepEqual(
      problems(() => load({ vus: 10, rate: 5 })),
      ['load: give vus (closed loop) or rate (open loop), not both'],
    );
    assert.deepEqual(
      problems(() => load({ vus: -1, rate: 0 })),
      [
        'load: give vus (closed loop) or rate (open loop), not both',
        'load.vus: must be a whole number >= 1 (got -1)',
        'load.rate: must be a number > 0 (got 0)',
      ],
    );
    assert.deepEqual(
      problems(() => stress({ vus: -1 })),
      ['stress.vus: must be a whole number >= 1 (got -1)'],
    );
    assert.deepEqual(
      problems(() => soak({ vus: 2.5 })),
      ['soak.vus: must be a whole number >= 1 (got 2.5)'],
    );
    assert.deepEqual(
      problems(() => breakpoint({ vus: 0 })),
      ['breakpoint.vus: must be a whole number >= 1 (got 0)'],
    );
    assert.deepEqual(
      problems(() => smoke({ vus: Number.POSITIVE_INFINITY })),
      ['smoke.vus: must be a whole number >= 1 (got Infinity)'],
    );
    assert.deepEqual(
      problems(() => load({ rate: Number.NaN })),
      ['load.rate: must be a number > 0 (got NaN)'],
    );
    assert.deepEqual(
      problems(() => load({ rate: -5 })),
      ['load.rate: must be a number > 0 (got -5)'],
    );
    assert.deepEqual(
      problems(() => load({ rate: Number.POSITIVE_INFINITY })),
      ['load.rate: must be a number > 0 (got Infinity)'],
    );
    assert.deepEqual(
      problems(() => PRESETS.load({ vus: '100' })),
      ['load.vus: must be a whole number >= 1 (got "100")'],
    );
  });

  it('durations: malformed strings, negative or non-finite numbers, wrong types, zero where it matters', () => {
    assert.deepEqual(
      problems(() => load({ hold: '5 minutes' })),
      ["load.hold: malformed duration \"5 minutes\" (e.g. '30s', '1m30s', or a number of seconds)"],
    );
    assert.deepEqual(
      problems(() => load({ rampUp: -5, rampDown: Number.NaN })),
      [
        'load.rampUp: must be a number of seconds >= 0 (got -5)',
        'load.rampDown: must be a number of seconds >= 0 (got NaN)',
      ],
    );
    assert.deepEqual(
      problems(() => PRESETS.soak({ hold: true })),
      ["soak.hold: must be a duration such as '30s' or a number of seconds (got true)"],
    );
    assert.deepEqual(
      problems(() => smoke({ duration: 0 })),
      ['smoke.duration: must be longer than 0'],
    );
    assert.deepEqual(
      problems(() => breakpoint({ duration: '0s' })),
      ['breakpoint.duration: must be longer than 0'],
    );
    assert.deepEqual(
      problems(() => stress({ stepDuration: 0 })),
      ['stress.stepDuration: must be longer than 0'],
    );
    assert.deepEqual(
      problems(() => load({ rampUp: 0, hold: '0s', rampDown: 0 })),
      ['load: rampUp, hold and rampDown are all 0, so the profile would be empty'],
    );
    assert.deepEqual(
      problems(() => fivePhase({ warmUp: 0, rampUp: 0, sustained: 0, spikeDuration: 0, recovery: '' })),
      ["fivePhase.recovery: malformed duration \"\" (e.g. '30s', '1m30s', or a number of seconds)"],
    );
  });

  it('stress: steps', () => {
    assert.deepEqual(
      problems(() => stress({ steps: 0 })),
      ['stress.steps: must be a whole number >= 1 (got 0)'],
    );
    assert.deepEqual(
      problems(() => stress({ steps: 2.5 })),
      ['stress.steps: must be a whole number >= 1 (got 2.5)'],
    );
    assert.deepEqual(
      problems(() => stress({ steps: 101 })),
      ['stress.steps: must be at most 100 (got 101)'],
    );
  });

  it('spike: levels', () => {
    assert.deepEqual(
      problems(() => spike({ base: -1 })),
      ['spike.base: must be a whole number >= 0 (got -1) (VUs; set openLoop: true for arrivals per second)'],
    );
    assert.deepEqual(
      problems(() => spike({ base: 2.5, peak: 10 })),
      ['spike.base: must be a whole number >= 0 (got 2.5) (VUs; set openLoop: true for arrivals per second)'],
    );
    assert.deepEqual(
      problems(() => spike({ openLoop: true, base: -0.5, peak: Number.NaN })),
      ['spike.base: must be a number >= 0 (got -0.5)', 'spike.peak: must be a number > 0 (got NaN)'],
    );
    assert.deepEqual(
      problems(() => spike({ base: 0 })),
      ['spike.peak: is required when base is 0 (the default peak is 10 × base)'],
    );
    assert.deepEqual(
      problems(() => spike({ base: 0, peak: 0 })),
      ['spike.peak: must be a whole number >= 1 (got 0) (VUs; set openLoop: true for arrivals per second)'],
    );
    assert.deepEqual(
      problems(() => PRESETS.spike({ openLoop: 'yes' })),
      ['spike.openLoop: must be true or false (got "yes")'],
    );
  });

  it('fivePhase: levels', () => {
    assert.deepEqual(
      problems(() => fivePhase({ peak: 100, spike: 50 })),
      ['fivePhase.spike: must be >= peak (100) (got 50)'],
    );
    assert.deepEqual(
      problems(() => fivePhase({ base: 200 })),
      ['fivePhase.peak: must be >= base (200) (got 100)'],
    );
    assert.deepEqual(
      problems(() => fivePhase({ base: 50, peak: 10, spike: 5 })),
      ['fivePhase.peak: must be >= base (50) (got 10)', 'fivePhase.spike: must be >= peak (10) (got 5)'],
    );
    assert.deepEqual(
      problems(() => fivePhase({ peak: -3 })),
      [
        'fivePhase.peak: must be a whole number >= 1 (got -3) (VUs; set openLoop: true for arrivals per second)',
      ],
    );
  });

  it('the open-loop pool: only in open loop, whole numbers >= 1, maxVUs >= preAllocatedVUs', () => {
    assert.deepEqual(
      problems(() => load({ vus: 10, maxVUs: 20 })),
      ['load.maxVUs: sizes the open-loop VU pool; give rate instead of vus'],
    );
    assert.deepEqual(
      problems(() => spike({ preAllocatedVUs: 5 })),
      ['spike.preAllocatedVUs: sizes the open-loop VU pool; set openLoop: true'],
    );
    assert.deepEqual(
      problems(() => load({ rate: 10, preAllocatedVUs: 0, maxVUs: 2.5 })),
      [
        'load.preAllocatedVUs: must be a whole number >= 1 (got 0)',
        'load.maxVUs: must be a whole number >= 1 (got 2.5)',
      ],
    );
    assert.deepEqual(
      problems(() => smoke({ rate: 10, preAllocatedVUs: 20, maxVUs: 10 })),
      ['smoke.maxVUs: must be >= preAllocatedVUs (20) (got 10)'],
    );
  });

  it('unknown options and non-object options', () => {
    assert.deepEqual(
      problems(() => PRESETS.load({ hodl: '10m' })),
      [
        'load.hodl: is not an option of preset load (options: vus, rate, preAllocatedVUs, maxVUs, rampUp, hold, rampDown)',
      ],
    );
    assert.deepEqual(
      problems(() => PRESETS.fivePhase({ rate: true })),
      [
        'fivePhase.rate: is not an option of preset fivePhase (the levels are base, peak and spike; openLoop: true makes them arrivals per second)',
      ],
    );
    assert.deepEqual(
      problems(() => PRESETS.spike({ vus: 10 })),
      ['spike.vus: is not an option of preset spike (the levels are base and peak, in VUs)'],
    );
    assert.deepEqual(
      problems(() => PRESETS.smoke('fast' as unknown as Record<string, unknown>)),
      ['smoke: options must be an object (got "fast")'],
    );
    assert.deepEqual(
      problems(() => PRESETS.load({ vus: null, hold: null })),
      [
        'load.vus: must be a whole number >= 1 (got null)',
        "load.hold: must be a duration such as '30s' or a number of seconds (got null)",
      ],
    );
    // An option set to undefined is absent.
    assert.deepEqual(PRESETS.load({ vus: undefined, rate: undefined, hold: undefined }), load());
  });
});

describe('presets: duration scales the phases', () => {
  const totalMs = (s: PresetScenario): number =>
    (s.stages ?? []).reduce((a, st) => a + (tryParseDurationMs(String(st.duration)) ?? NaN), 0);

  it('fivePhase: 18s keeps the default proportions (1:2:5:1:2) and adds up to 18s', () => {
    const s = fivePhase({ duration: '18s', openLoop: true, base: 20, peak: 50, spike: 200 });
    assertStringDurations(s);
    assert.ok(Math.abs(totalMs(s) - 18_000) <= 3, `total ${totalMs(s)}`);
    const ms = (s.stages ?? []).map((st) => tryParseDurationMs(String(st.duration)) ?? NaN);
    const [warm, up, sustained, , spikeFor, , recovery] = ms as number[];
    assert.ok(Math.abs((up as number) / (warm as number) - 2) < 0.01);
    assert.ok(Math.abs((sustained as number) / (warm as number) - 5) < 0.01);
    assert.ok(Math.abs((spikeFor as number) / (warm as number) - 1) < 0.01);
    assert.ok(Math.abs((recovery as number) / (warm as number) - 2) < 0.01);
    assert.deepEqual(
      (s.stages ?? []).map((st) => st.phase),
      ['warm-up', 'ramp-up', 'sustained', 'spike', 'spike', 'recovery', 'recovery'],
    );
  });

  it('fivePhase: the default length gives the default stages; a phase given keeps its length', () => {
    assert.deepEqual(fivePhase({ duration: '11m20s' }), fivePhase());
    const s = fivePhase({ duration: '20s', recovery: '8s' });
    assert.equal(s.stages?.at(-1)?.duration, '8s');
    assert.ok(Math.abs(totalMs(s) - 20_000) <= 3);
  });

  it('soak, stress and spike fill the duration in proportion', () => {
    assert.deepEqual(stagesOf(soak({ duration: '62m' })), [
      ['1m', 50],
      ['1h', 50],
      ['1m', 0],
    ]);
    assert.equal(totalMs(stress({ duration: '4m30s' })), 270_000);
    assert.equal(stress({ duration: '4m30s' }).stages?.[1]?.duration, '54s');
    assert.equal(totalMs(spike({ duration: '21s' })), 21_000);
  });

  it('a duration shorter than the phases given is refused', () => {
    assert.throws(
      () => soak({ duration: '1m', hold: '2m' }),
      /soak.duration: must be longer than the phases given \(2m\)/,
    );
  });
});
