/**
 * The executors' runtime halves over a fake clock: what each starts, when (in fake time), on how
 * many VUs, what it drops when VUs run out, and how it stops. Iterations are fake too: each takes
 * a chosen number of fake milliseconds. Time moves only when a test says so, and between two
 * timers every pending promise settles (one turn of the real event loop drains the microtasks),
 * so the results do not depend on the machine's speed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ScenarioConfig } from '../../src/config/types.js';
import { SegmentSequence, type ExecutionSegment } from '../../src/executors/segments.js';
import { executorFor } from '../../src/executors/registry.js';
import type {
  ControlChange,
  ExecutorContext,
  IterationInfo,
  StopSignal,
  TimerHandle,
  Timers,
  Vu,
} from '../../src/executors/types.js';

interface Pending {
  id: number;
  at: number;
  fn: () => void;
}

/** A clock whose time moves only in `advanceTo`, firing due timers in time order (then creation order). */
class FakeClock {
  t = 0;
  private nextId = 1;
  private pending: Pending[] = [];
  readonly now = (): number => this.t;

  private add(fn: () => void, at: number): TimerHandle {
    const p = { id: this.nextId++, at, fn };
    this.pending.push(p);
    return p;
  }
  private remove(h: TimerHandle): void {
    this.pending = this.pending.filter((p) => p !== h);
  }

  readonly timers: Timers = {
    setTimeout: (fn, ms) => this.add(fn, this.t + Math.max(0, ms)),
    clearTimeout: (h) => this.remove(h),
    // A turn of the event loop takes time too (10 µs here): a runtime that polls with immediates
    // until an instant arrives gets there, as it does on a real loop.
    setImmediate: (fn) => this.add(fn, this.t + 0.01),
    clearImmediate: (h) => this.remove(h),
    unref: () => {},
  };

  /** Fires every timer due up to `t`, letting promises settle after each, and leaves the time at `t`. */
  async advanceTo(t: number): Promise<void> {
    await settle();
    for (;;) {
      let next: Pending | undefined;
      for (const p of this.pending)
        if (p.at <= t && (!next || p.at < next.at || (p.at === next.at && p.id < next.id))) next = p;
      if (!next) break;
      this.remove(next);
      this.t = Math.max(this.t, next.at);
      next.fn();
      await settle();
    }
    this.t = t;
    await settle();
  }
}

/** One turn of the real event loop: every queued microtask (promise reaction) runs before it ends. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

class FakeStop implements StopSignal {
  private listeners: (() => void)[] = [];
  private waiters: (() => void)[] = [];
  private timer: TimerHandle | undefined;
  private reached = false;

  constructor(
    public endAtMs: number,
    public hardAtMs: number,
    private readonly clock: FakeClock,
  ) {}

  untilHard(): Promise<void> {
    if (this.reached) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      this.arm();
    });
  }
  private arm(): void {
    if (this.timer) this.clock.timers.clearTimeout(this.timer);
    this.timer = this.clock.timers.setTimeout(() => {
      this.reached = true;
      for (const w of this.waiters.splice(0)) w();
    }, this.hardAtMs - this.clock.now());
  }
  onChange(cb: () => void): void {
    this.listeners.push(cb);
  }
  /** An external stop (Ctrl-C, abortOnFail), as engine/stop.ts does it. */
  stopNow(graceMs: number): void {
    const t = this.clock.now();
    this.endAtMs = Math.min(this.endAtMs, t);
    this.hardAtMs = Math.min(this.hardAtMs, t + graceMs);
    if (this.waiters.length > 0) this.arm();
    for (const cb of this.listeners) cb();
  }
}

interface FakeVu extends Vu {
  /** Ends the VU's current iteration now (an interrupt). */
  cut?: (() => void) | undefined;
}

interface Start {
  atMs: number;
  vu: number;
  iteration: number;
  intendedAtMs?: number;
}

interface RunOptions {
  /** Fake ms an iteration takes: a number, or per VU and iteration. */
  iterationMs: number | ((vu: number, info: IterationInfo) => number);
  segment?: ExecutionSegment;
  preciseSchedule?: boolean;
}

const wholeSegment = SegmentSequence.equal(1).segment(0);

/** Runs a scenario's runtime half on a fake clock; `step` drives time and reads what happened. */
function start(executor: string, config: Omit<ScenarioConfig, 'executor'>, o: RunOptions) {
  const clock = new FakeClock();
  const def = executorFor(executor);
  const full: ScenarioConfig = { executor, ...config };
  assert.deepEqual(def.validate(full, 'scenarios.s'), [], 'the scenario is valid');
  const segment = o.segment ?? wholeSegment;
  const scenario = def.split(def.normalize('s', full), segment);
  const plan = def.plan(def.normalize('s', full));
  const stop = new FakeStop(plan.durationMs, plan.durationMs + scenario.gracefulStopMs, clock);
  const starts: Start[] = [];
  const vusCreated: number[] = [];
  const retired: number[] = [];
  const interrupted: { atMs: number; vu: number }[] = [];
  const active: { atMs: number; active: number; allocated: number }[] = [];
  const controls: ((c: ControlChange) => void)[] = [];
  let dropped = 0;
  let nextVu = 0;
  let finishedAt: number | undefined;
  const ctx: ExecutorContext = {
    scenario,
    segment,
    startAtMs: 0,
    now: clock.now,
    stop,
    timers: clock.timers,
    newVu: (): Vu => {
      vusCreated.push(clock.now());
      return { id: ++nextVu, interrupted: false };
    },
    retireVu: (vu) => void retired.push(vu.id),
    interruptVu: (v) => {
      const vu = v as FakeVu;
      vu.interrupted = true;
      interrupted.push({ atMs: clock.now(), vu: vu.id });
      vu.cut?.();
    },
    runIteration: (v, info) => {
      const vu = v as FakeVu;
      starts.push({
        atMs: clock.now(),
        vu: vu.id,
        iteration: info.iteration,
        ...(info.intendedAtMs !== undefined && { intendedAtMs: info.intendedAtMs }),
      });
      const ms = typeof o.iterationMs === 'number' ? o.iterationMs : o.iterationMs(vu.id, info);
      return new Promise<void>((resolve) => {
        const h = clock.timers.setTimeout(() => {
          vu.cut = undefined;
          resolve();
        }, ms);
        vu.cut = () => {
          clock.timers.clearTimeout(h);
          vu.cut = undefined;
          resolve();
        };
      });
    },
    dropped: (n) => void (dropped += n),
    scheduleLagUs: () => {},
    setActiveVus: (a, allocated) => void active.push({ atMs: clock.now(), active: a, allocated }),
    onControl: (cb) => void controls.push(cb),
    preciseSchedule: o.preciseSchedule ?? false,
  };
  void def.run(ctx).then(() => (finishedAt = clock.now()));
  return {
    clock,
    stop,
    starts,
    vusCreated,
    retired,
    interrupted,
    active,
    control: (c: ControlChange) => controls.forEach((cb) => cb(c)),
    get dropped() {
      return dropped;
    },
    get finishedAt() {
      return finishedAt;
    },
    /** Start times, grouped: `{ 0: 3, 300: 3 }`. */
    startsByTime(): Record<number, number> {
      const out: Record<number, number> = {};
      for (const s of starts) out[s.atMs] = (out[s.atMs] ?? 0) + 1;
      return out;
    },
  };
}

describe('executor runtimes on a fake clock', () => {
  it('constant-vus: every VU starts at 0 and loops back to back until the window closes', async () => {
    const r = start('constant-vus', { vus: 3, duration: '1s' }, { iterationMs: 300 });
    await r.clock.advanceTo(5000);
    assert.deepEqual(r.vusCreated, [0, 0, 0]);
    assert.deepEqual(r.startsByTime(), { 0: 3, 300: 3, 600: 3, 900: 3 });
    // Iteration numbers are unique and dense.
    assert.deepEqual(
      r.starts.map((s) => s.iteration).sort((a, b) => a - b),
      Array.from({ length: 12 }, (_, i) => i),
    );
    // The last iterations (900 → 1200) finish inside the graceful stop: nothing interrupted.
    assert.deepEqual(r.interrupted, []);
    assert.equal(r.finishedAt, 1200);
    assert.equal(Math.max(...r.active.map((a) => a.active)), 3);
    assert.deepEqual(r.retired.sort(), [1, 2, 3]);
  });

  it('constant-vus: an iteration still running at the graceful stop is interrupted there', async () => {
    const r = start('constant-vus', { vus: 2, duration: '1s', gracefulStop: '500ms' }, { iterationMs: 800 });
    await r.clock.advanceTo(5000);
    assert.deepEqual(r.startsByTime(), { 0: 2, 800: 2 });
    // Started at 800, due at 1600: cut at 1000 + 500.
    assert.deepEqual(r.interrupted, [
      { atMs: 1500, vu: 1 },
      { atMs: 1500, vu: 2 },
    ]);
    assert.equal(r.finishedAt, 1500);
  });

  it('constant-vus on half of two segments: the segment runs its share of the VUs', async () => {
    const segment = SegmentSequence.equal(2).segment(1);
    const r = start('constant-vus', { vus: 5, duration: '1s' }, { iterationMs: 500, segment });
    await r.clock.advanceTo(5000);
    assert.equal(r.vusCreated.length, segment.scale(5));
    assert.equal(r.vusCreated.length, 2);
    // Iteration numbers are this segment's share of the global sequence.
    for (const s of r.starts) assert.ok(segment.owns(s.iteration), `iteration ${s.iteration} is mine`);
  });

  it('ramping-vus: a VU starts at each instant the ramp reaches the next integer, and leaves on the way down', async () => {
    const r = start(
      'ramping-vus',
      {
        startVUs: 0,
        stages: [
          { duration: '1s', target: 4 },
          { duration: '1s', target: 0 },
        ],
        gracefulRampDown: '0s',
      },
      { iterationMs: 100 },
    );
    await r.clock.advanceTo(1100);
    assert.deepEqual(r.vusCreated, [250, 500, 750, 1000]);
    await r.clock.advanceTo(5000);
    // The level as the executor reported it at each change: up by one every 250 ms, then down.
    const levels = r.active.filter((a, i, all) => i === 0 || all[i - 1]?.active !== a.active);
    assert.deepEqual(
      levels.map((a) => [a.atMs, a.active]),
      [
        [0, 0],
        [250, 1],
        [500, 2],
        [750, 3],
        [1000, 4],
        [1250, 3],
        [1500, 2],
        [1750, 1],
        // The stages end at 2000: the last VU's iteration (1950 → 2050) runs out in the graceful stop.
        [2050, 0],
      ],
    );
    assert.equal(r.vusCreated.length, 4);
    assert.equal(r.finishedAt, 2050);
    // The newest VU leaves first; with gracefulRampDown 0 one caught mid-iteration is cut at once.
    assert.deepEqual(r.interrupted, [
      { atMs: 1250, vu: 4 },
      { atMs: 1500, vu: 3 },
      { atMs: 1750, vu: 2 },
    ]);
    // The first VU loops from 250 to the end of the stages: an iteration every 100 ms.
    const first = r.starts.filter((s) => s.vu === 1).map((s) => s.atMs);
    assert.deepEqual(
      first,
      Array.from({ length: 18 }, (_, i) => 250 + i * 100),
    );
  });

  it('constant-arrival-rate: one start per arrival at its planned instant, on preallocated VUs', async () => {
    const r = start(
      'constant-arrival-rate',
      { rate: 10, timeUnit: '1s', duration: '1s', preAllocatedVUs: 2, maxVUs: 2 },
      { iterationMs: 50 },
    );
    await r.clock.advanceTo(5000);
    assert.deepEqual(
      r.starts.map((s) => [s.atMs, s.intendedAtMs]),
      [0, 100, 200, 300, 400, 500, 600, 700, 800, 900].map((t) => [t, t]),
    );
    assert.equal(r.dropped, 0);
    assert.deepEqual(r.vusCreated, [0, 0]);
    assert.equal(r.finishedAt, 950);
  });

  it('constant-arrival-rate: arrivals with no free VU and no queue room are dropped', async () => {
    const r = start(
      'constant-arrival-rate',
      { rate: 10, timeUnit: '1s', duration: '1s', preAllocatedVUs: 1, maxVUs: 2, maxQueue: 0 },
      { iterationMs: 350 },
    );
    await r.clock.advanceTo(5000);
    // Each VU is busy 350 ms: arrivals at 200, 300, 600 and 700 find none free.
    assert.deepEqual(
      r.starts.map((s) => s.atMs),
      [0, 100, 400, 500, 800, 900],
    );
    assert.equal(r.dropped, 4);
    // The second VU is allocated on demand, when the first is busy; never more than maxVUs.
    assert.deepEqual(r.vusCreated, [0, 100]);
    assert.equal(Math.max(...r.active.map((a) => a.allocated)), 2);
  });

  it('constant-arrival-rate: a queued arrival starts late with its clock running, and what is queued at the end is dropped', async () => {
    const r = start(
      'constant-arrival-rate',
      { rate: 10, timeUnit: '1s', duration: '500ms', preAllocatedVUs: 1, maxVUs: 1, maxQueue: 10 },
      { iterationMs: 130 },
    );
    await r.clock.advanceTo(5000);
    assert.deepEqual(
      r.starts.map((s) => [s.atMs, s.intendedAtMs]),
      [
        [0, 0],
        [130, 100],
        [260, 200],
        [390, 300],
      ],
    );
    // The arrival of 400 was still waiting when the window closed at 500.
    assert.equal(r.dropped, 1);
    assert.equal(r.finishedAt, 520);
  });

  it('constant-arrival-rate: an external stop ends the starts at once and cuts the rest at its grace', async () => {
    const r = start(
      'constant-arrival-rate',
      { rate: 10, timeUnit: '1s', duration: '1s', preAllocatedVUs: 5, maxVUs: 5 },
      { iterationMs: 400 },
    );
    await r.clock.advanceTo(450);
    r.stop.stopNow(100);
    await r.clock.advanceTo(5000);
    assert.deepEqual(
      r.starts.map((s) => s.atMs),
      [0, 100, 200, 300, 400],
    );
    // In flight at the stop: those started at 200 (due 600), 300 and 400 — cut at 450 + 100.
    assert.deepEqual(
      r.interrupted.map((i) => i.atMs),
      [550, 550, 550],
    );
    assert.equal(r.finishedAt, 550);
  });

  it('ramping-arrival-rate: arrivals follow the ramp, each at the instant the integral reaches it', async () => {
    const r = start(
      'ramping-arrival-rate',
      { startRate: 0, timeUnit: '1s', stages: [{ duration: '1s', target: 10 }], preAllocatedVUs: 1 },
      { iterationMs: 10 },
    );
    await r.clock.advanceTo(5000);
    // 0 → 10/s over 1 s: N(t) = 5 t², so arrival i is due at sqrt(i / 5) s.
    assert.equal(r.starts.length, 5);
    r.starts.forEach((s, i) => {
      const due = Math.sqrt(i / 5) * 1000;
      assert.ok(Math.abs((s.intendedAtMs as number) - due) < 1e-6, `arrival ${i} due at ${due}`);
      // 1 ms timers, never early: the start is at most 1 ms late.
      assert.ok(s.atMs >= due && s.atMs < due + 1, `arrival ${i} started at ${s.atMs}`);
    });
    assert.equal(r.dropped, 0);
  });

  it('ramping-arrival-rate in precise mode starts each arrival on its due instant', async () => {
    const r = start(
      'ramping-arrival-rate',
      { startRate: 0, timeUnit: '1s', stages: [{ duration: '1s', target: 10 }], preAllocatedVUs: 1 },
      { iterationMs: 10, preciseSchedule: true },
    );
    await r.clock.advanceTo(447);
    assert.equal(r.starts.length, 1, 'arrival 1 (due at 447.2 ms) has not started early');
    await r.clock.advanceTo(5000);
    assert.equal(r.starts.length, 5);
  });

  it('per-vu-iterations: each VU runs exactly its iterations, then the scenario ends', async () => {
    const r = start('per-vu-iterations', { vus: 2, iterations: 3 }, { iterationMs: 100 });
    await r.clock.advanceTo(10_000);
    assert.deepEqual(r.startsByTime(), { 0: 2, 100: 2, 200: 2 });
    for (const vu of [1, 2])
      assert.equal(r.starts.filter((s) => s.vu === vu).length, 3, `VU ${vu} ran 3 iterations`);
    assert.equal(r.finishedAt, 300);
  });

  it('per-vu-iterations: maxDuration ends the starts and the graceful stop cuts the last one', async () => {
    const r = start(
      'per-vu-iterations',
      { vus: 1, iterations: 100, maxDuration: '250ms', gracefulStop: '0s' },
      { iterationMs: 100 },
    );
    await r.clock.advanceTo(10_000);
    assert.deepEqual(
      r.starts.map((s) => s.atMs),
      [0, 100, 200],
    );
    assert.deepEqual(r.interrupted, [{ atMs: 250, vu: 1 }]);
    assert.equal(r.finishedAt, 250);
  });

  it('shared-iterations: the VUs share the pool, so the faster VU runs more of it', async () => {
    const r = start(
      'shared-iterations',
      { vus: 2, iterations: 5 },
      {
        iterationMs: (vu) => (vu === 1 ? 100 : 250),
      },
    );
    await r.clock.advanceTo(10_000);
    assert.deepEqual(
      r.starts.map((s) => [s.atMs, s.vu]),
      [
        [0, 1],
        [0, 2],
        [100, 1],
        [200, 1],
        [250, 2],
      ],
    );
    assert.equal(r.finishedAt, 500);
  });

  it('externally-controlled: VU changes apply at the instant the control names', async () => {
    const r = start('externally-controlled', { vus: 1, maxVUs: 5, duration: '1s' }, { iterationMs: 100 });
    await r.clock.advanceTo(200);
    r.control({ vus: 3, atMs: 300 });
    await r.clock.advanceTo(600);
    assert.deepEqual(r.vusCreated, [0, 300, 300]);
    r.control({ vus: 10, atMs: 600 });
    await r.clock.advanceTo(700);
    assert.equal(r.vusCreated.length, 5, 'capped at maxVUs');
    r.control({ vus: 1, atMs: 800 });
    await r.clock.advanceTo(10_000);
    const last = r.active.filter((a) => a.atMs >= 800 && a.atMs < 1000).at(-1);
    assert.equal(last?.active, 1);
    assert.equal(r.finishedAt, 1000);
  });

  it('externally-controlled with a rate: a rate change takes effect at its instant', async () => {
    const r = start(
      'externally-controlled',
      { rate: 10, timeUnit: '1s', duration: '1s', preAllocatedVUs: 2, maxVUs: 2 },
      { iterationMs: 10 },
    );
    await r.clock.advanceTo(300);
    r.control({ ratePerSec: 20, atMs: 500 });
    await r.clock.advanceTo(10_000);
    // 10/s for the first 500 ms (0..400), then 20/s (500, 550, … 950).
    assert.deepEqual(
      r.starts.map((s) => s.intendedAtMs),
      [0, 100, 200, 300, 400, 500, 550, 600, 650, 700, 750, 800, 850, 900, 950],
    );
  });
});
