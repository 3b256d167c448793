/**
 * Closed-loop VUs: each VU runs iterations back to back. `VuLoops` holds a changeable number of
 * them (constant, ramping and externally-controlled VU executors), retiring the newest first when
 * the target drops and interrupting any that outlive the hard stop.
 */
import type { ExecutorContext, Timers, Vu } from '../types.js';
import { realTimers } from './timers.js';

interface Loop {
  vu: Vu;
  retired: boolean;
  busy: boolean;
  done: Promise<void>;
}

export class VuLoops {
  private readonly loops: Loop[] = [];
  private readonly finished: Promise<void>[] = [];
  private allocated = 0;
  private readonly timers: Timers;

  constructor(
    private readonly ctx: ExecutorContext,
    /** The next iteration number, or undefined when there is no more work. */
    private readonly nextIteration: (vu: Vu) => number | undefined,
  ) {
    this.timers = ctx.timers ?? realTimers;
  }

  get active(): number {
    return this.loops.length;
  }

  /** Grows or shrinks to `n` running VUs. Shrinking lets a retired VU finish its iteration (gracefulRampDown). */
  setTarget(n: number, rampDownMs: number): void {
    while (this.loops.length < n) this.start();
    while (this.loops.length > n) {
      const loop = this.loops.pop() as Loop;
      loop.retired = true;
      if (loop.busy && rampDownMs >= 0) {
        const t = this.timers.setTimeout(() => {
          if (loop.busy) this.ctx.interruptVu(loop.vu);
        }, rampDownMs);
        void loop.done.then(() => this.timers.clearTimeout(t));
      }
    }
    this.report();
  }

  private report(): void {
    this.ctx.setActiveVus(this.loops.length, this.allocated);
  }

  private start(): void {
    const vu = this.ctx.newVu();
    this.allocated++;
    const loop: Loop = { vu, retired: false, busy: false, done: Promise.resolve() };
    loop.done = this.run(loop);
    this.loops.push(loop);
    this.finished.push(loop.done);
  }

  private async run(loop: Loop): Promise<void> {
    const { ctx } = this;
    while (!loop.retired && !loop.vu.interrupted && ctx.now() < ctx.stop.endAtMs) {
      const iteration = this.nextIteration(loop.vu);
      if (iteration === undefined) break;
      loop.busy = true;
      await ctx.runIteration(loop.vu, { iteration });
      loop.busy = false;
    }
    const idx = this.loops.indexOf(loop);
    if (idx >= 0) this.loops.splice(idx, 1);
    this.allocated--;
    ctx.retireVu(loop.vu);
    this.report();
  }

  /** Waits for every VU ever started, interrupting the busy ones at the hard stop. */
  async wait(): Promise<void> {
    let done = false;
    const all = (async () => {
      // Loops may be added while waiting (ramping); wait until the list stops growing.
      let seen = 0;
      while (seen < this.finished.length) {
        const batch = this.finished.slice(seen);
        seen = this.finished.length;
        await Promise.all(batch);
      }
      done = true;
    })();
    await Promise.race([all, this.ctx.stop.untilHard()]);
    if (!done) {
      for (const l of this.loops) if (l.busy) this.ctx.interruptVu(l.vu);
      for (const l of this.loops) l.retired = true;
      await all;
    }
  }
}
