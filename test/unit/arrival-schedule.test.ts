import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { SegmentSequence, fraction } from '../../src/executors/segments.js';
import { ArrivalSchedule } from '../../src/executors/arrival-schedule.js';
import { rampingArrivalRate } from '../../src/executors/ramping-arrival-rate.js';

const count = (s: ArrivalSchedule): number => {
  let i = 0;
  while (s.offset(i) < s.durationMs) i++;
  return i;
};

describe('arrival schedule', () => {
  it('constant rate: evenly spaced, exact count', () => {
    const s = new ArrivalSchedule([{ durationMs: 2000, fromPerSec: 1000, toPerSec: 1000 }]);
    assert.equal(s.offset(0), 0);
    assert.equal(s.offset(1), 1);
    assert.equal(s.offset(1500), 1500);
    assert.equal(count(s), 2000);
    assert.equal(s.totalArrivals, 2000);
  });

  it('linear ramp 0→100/s over 10 s: 500 arrivals, dense at the end', () => {
    const s = new ArrivalSchedule([{ durationMs: 10_000, fromPerSec: 0, toPerSec: 100 }]);
    assert.equal(count(s), 500);
    // N(t) = 5 t² (t in s) → the 125th arrival at t = 5 s
    assert.ok(Math.abs(s.offset(125) - 5000) < 1);
  });

  it('stages chain and a zero-rate stage is skipped', () => {
    const s = new ArrivalSchedule([
      { durationMs: 1000, fromPerSec: 0, toPerSec: 0 },
      { durationMs: 1000, fromPerSec: 100, toPerSec: 100 },
    ]);
    assert.equal(s.offset(0), 1000);
    assert.equal(count(s), 100);
  });

  it('changeRate keeps arrivals before the change and switches after', () => {
    const s = new ArrivalSchedule([{ durationMs: 4000, fromPerSec: 100, toPerSec: 100 }]);
    const before = s.offset(50);
    s.changeRate(2000, 10);
    assert.equal(s.offset(50), before);
    assert.ok(Math.abs(s.offset(200) - 2000) < 1e-6);
    assert.ok(Math.abs(s.offset(201) - 2100) < 1e-6);
    assert.equal(count(s), 220);
  });
});

/** A small deterministic PRNG (mulberry32), so a failing shape can be replayed from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Shape {
  startRate: number;
  stages: { durationMs: number; target: number }[];
}

/** The schedule ramping-arrival-rate builds (rates per second, timeUnit 1s). */
const scheduleOf = (sh: Shape): ArrivalSchedule => {
  let from = sh.startRate;
  return new ArrivalSchedule(
    sh.stages.map((st) => {
      const p = { durationMs: st.durationMs, fromPerSec: from, toPerSec: st.target };
      from = st.target;
      return p;
    }),
  );
};

/**
 * Cumulative arrivals at each stage boundary, exactly: with integer rates (per s) and integer
 * durations (ms) every stage's area is an integer number of 1/2000ths of an arrival.
 */
function exactBoundaries(sh: Shape): number[] {
  const out = [0];
  let from = sh.startRate;
  let twoThousandths = 0;
  for (const st of sh.stages) {
    twoThousandths += (from + st.target) * st.durationMs;
    out.push(twoThousandths);
    from = st.target;
  }
  return out; // in 1/2000 arrivals
}
/** ceil(x / 2000) for a non-negative integer x, without floating point. */
const ceilDiv2000 = (x: number): number => Math.floor((x + 1999) / 2000);

/** The shapes the bug was found with, then random ones of every kind. */
function shapes(): { name: string; shape: Shape }[] {
  const fixed: { name: string; shape: Shape }[] = [
    {
      name: 'ramp 50→500 6s, hold 2s',
      shape: {
        startRate: 50,
        stages: [
          { durationMs: 6000, target: 500 },
          { durationMs: 2000, target: 500 },
        ],
      },
    },
    {
      name: 'ramp 50→500 6s, ramp →600 2s',
      shape: {
        startRate: 50,
        stages: [
          { durationMs: 6000, target: 500 },
          { durationMs: 2000, target: 600 },
        ],
      },
    },
    {
      name: 'ramp 0→500 12s, hold 4s',
      shape: {
        startRate: 0,
        stages: [
          { durationMs: 12_000, target: 500 },
          { durationMs: 4000, target: 500 },
        ],
      },
    },
    {
      name: 'hold, ramp down to 0',
      shape: {
        startRate: 300,
        stages: [
          { durationMs: 1500, target: 300 },
          { durationMs: 2500, target: 0 },
        ],
      },
    },
    {
      name: 'ramp to 0, idle, ramp up',
      shape: {
        startRate: 80,
        stages: [
          { durationMs: 1000, target: 0 },
          { durationMs: 700, target: 0 },
          { durationMs: 900, target: 150 },
        ],
      },
    },
  ];
  const rnd = prng(20261203);
  const kinds = ['ramp→hold', 'ramp→steeper', 'hold→down', 'ramp→0', 'any'] as const;
  const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
  for (let n = 0; n < 400; n++) {
    const kind = kinds[n % kinds.length] as (typeof kinds)[number];
    const r0 = int(0, 800);
    const d = (): number => int(1, 80) * 100 + (rnd() < 0.3 ? int(1, 99) : 0);
    let stages: Shape['stages'];
    if (kind === 'ramp→hold') {
      const t = int(1, 900);
      stages = [
        { durationMs: d(), target: t },
        { durationMs: d(), target: t },
      ];
    } else if (kind === 'ramp→steeper') {
      const t = int(r0 + 1, r0 + 400);
      stages = [
        { durationMs: d(), target: t },
        { durationMs: int(1, 30) * 100, target: t + int(100, 900) },
      ];
    } else if (kind === 'hold→down') {
      stages = [
        { durationMs: d(), target: r0 },
        { durationMs: d(), target: int(0, r0) },
      ];
    } else if (kind === 'ramp→0') {
      stages = [
        { durationMs: d(), target: int(1, 900) },
        { durationMs: d(), target: 0 },
      ];
    } else {
      stages = Array.from({ length: int(1, 6) }, () => ({
        durationMs: d(),
        target: rnd() < 0.2 ? 0 : int(0, 1000),
      }));
    }
    fixed.push({ name: `random #${n} (${kind})`, shape: { startRate: r0, stages } });
  }
  return fixed;
}

describe('arrival schedule over many stage shapes', () => {
  it('every planned arrival is finite, non-decreasing and inside its stage; per-stage counts are exact', () => {
    for (const { name, shape } of shapes()) {
      const s = scheduleOf(shape);
      const bounds = exactBoundaries(shape);
      const planned = ceilDiv2000(bounds[bounds.length - 1] as number);
      assert.equal(s.totalArrivals, planned, `${name}: totalArrivals`);
      let prev = -Infinity;
      let stage = 0;
      let stageStart = 0;
      for (let i = 0; i < planned; i++) {
        const t = s.offset(i);
        assert.ok(Number.isFinite(t), `${name}: arrival ${i} is at ${t}`);
        assert.ok(t >= prev, `${name}: arrival ${i} at ${t} before arrival ${i - 1} at ${prev}`);
        assert.ok(t >= 0 && t < s.durationMs, `${name}: arrival ${i} at ${t} outside [0, ${s.durationMs})`);
        prev = t;
        // The stage that must hold arrival i: the one whose exact cumulative range contains i.
        while (i * 2000 >= (bounds[stage + 1] as number))
          stageStart += (shape.stages[stage++] as Shape['stages'][0]).durationMs;
        const end = stageStart + (shape.stages[stage] as Shape['stages'][0]).durationMs;
        assert.ok(
          t >= stageStart && t < end,
          `${name}: arrival ${i} at ${t} outside its stage ${stage} [${stageStart}, ${end})`,
        );
      }
      assert.equal(s.offset(planned), Infinity, `${name}: arrival ${planned} is past the end`);
    }
  });

  it('segments of 1, 2 and 3 workers (and 1/4 + 3/4) schedule exactly the planned total between them', () => {
    const seqs = [SegmentSequence.equal(1), SegmentSequence.equal(2), SegmentSequence.equal(3)];
    seqs.push(new SegmentSequence([fraction(0, 1), fraction(1, 4), fraction(1, 1)]));
    for (const { name, shape } of shapes().slice(0, 60)) {
      for (const seq of seqs) {
        let sum = 0;
        for (let k = 0; k < seq.length; k++) {
          // What a worker's runner does: walk its own indices with its own schedule until Infinity.
          const seg = seq.segment(k);
          const s = scheduleOf(shape);
          for (let i = 0; Number.isFinite(s.offset(i)); i++) if (seg.owns(i)) sum++;
        }
        assert.equal(sum, scheduleOf(shape).totalArrivals, `${name}, ${seq.length} segments`);
      }
    }
  });

  it("ramping-arrival-rate's plannedIterations is what its schedule runs", () => {
    for (const { name, shape } of shapes().slice(0, 40)) {
      const n = rampingArrivalRate.normalize('s', {
        executor: 'ramping-arrival-rate',
        startRate: shape.startRate,
        stages: shape.stages.map((st) => ({ duration: `${st.durationMs}ms`, target: st.target })),
        preAllocatedVUs: 1,
      });
      const plan = rampingArrivalRate.plan(n);
      assert.equal(plan.plannedIterations, ceilDiv2000(exactBoundaries(shape).at(-1) as number), name);
      assert.equal(plan.durationMs, scheduleOf(shape).durationMs, name);
    }
  });

  it('the boundary arrival of 50→500/s over 6 s then 500/s is found (it used to loop forever)', async () => {
    // In a worker, so the old endless loop fails the test instead of hanging the file.
    const url = new URL('../../src/executors/arrival-schedule.js', import.meta.url).href;
    const w = new Worker(
      `import { ArrivalSchedule } from ${JSON.stringify(url)};
       import { parentPort } from 'node:worker_threads';
       const s = new ArrivalSchedule([{ durationMs: 6000, fromPerSec: 50, toPerSec: 500 }, { durationMs: 2000, fromPerSec: 500, toPerSec: 500 }]);
       const out = [];
       for (let i = 1648; i <= 2650; i++) out.push(s.offset(i));
       parentPort.postMessage(out);`,
      { eval: true, type: 'module' } as WorkerOptions,
    );
    const timer = setTimeout(() => void w.terminate(), 5000);
    const out = await new Promise<number[] | undefined>((resolve) => {
      w.once('message', resolve);
      w.once('exit', () => resolve(undefined));
    });
    clearTimeout(timer);
    await w.terminate();
    assert.ok(out, 'offset() did not return within 5 s');
    assert.equal(out[1650 - 1648], 6000, 'arrival 1650 opens the hold');
    assert.equal(out[1651 - 1648], 6002);
    assert.equal(out[2649 - 1648], 7998);
    assert.equal(out[2650 - 1648], Infinity);
  });
});
