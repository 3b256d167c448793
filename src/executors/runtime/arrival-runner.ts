/**
 * The open-loop runtime shared by the arrival-rate executors. Each owned arrival has an intended
 * time; the scheduler wakes with a coarse timer until the last millisecond and then polls with
 * setImmediate, dispatching every arrival that is due, each with its own intended time (no
 * per-request timers, no per-second bursts). An arrival with no free VU waits in a bounded queue
 * with its clock running (that wait is part of `iteration_latency`); past the bound it is dropped.
 */
import type { ArrivalSchedule } from '../arrival-schedule.js';
import type { ExecutorContext, TimerHandle, Timers, Vu } from '../types.js';
import { realTimers } from './timers.js';

export class ArrivalRunner {
  private readonly idle: Vu[] = [];
  private readonly busy = new Set<Vu>();
  private allocated = 0;
  private qAt: Float64Array;
  private qIt: Float64Array;
  private qHead = 0;
  private qLen = 0;
  private i = -1;
  private nextAt = 0;
  private schedulingDone = false;
  private finished = false;
  private resolveDone: () => void = () => {};
  private timer: TimerHandle | undefined;
  private immediate: TimerHandle | undefined;
  private readonly timers: Timers;

  constructor(
    private readonly ctx: ExecutorContext,
    private readonly schedule: ArrivalSchedule,
    private readonly preAllocatedVUs: number,
    private readonly maxVUs: number,
    private readonly maxQueue: number,
    /**
     * The rate is changed live (externally-controlled): a schedule with no arrival left (rate 0)
     * is a pause that lasts until the next change or the scenario's end, not the end of the run.
     */
    private readonly live = false,
  ) {
    this.timers = ctx.timers ?? realTimers;
    const cap = Math.max(16, Math.min(maxQueue, 1 << 16));
    this.qAt = new Float64Array(cap);
    this.qIt = new Float64Array(cap);
  }

  async run(): Promise<void> {
    const { ctx } = this;
    for (let k = 0; k < this.preAllocatedVUs; k++) this.idle.push(this.allocate());
    // The idle pool is a stack: the first VUs made (those a worker warmed before the start, their
    // connections open) go on top, so they are the first used.
    this.idle.reverse();
    this.report();
    ctx.onControl((c) => {
      if (c.ratePerSec === undefined) return;
      this.schedule.changeRate(c.atMs - ctx.startAtMs, c.ratePerSec);
      // Recompute the pending arrival under the new rate; arrivals already dispatched stay as they were.
      this.nextAt = ctx.startAtMs + this.schedule.offset(this.i);
      this.wake();
    });
    ctx.stop.onChange(() => {
      if (ctx.now() >= ctx.stop.endAtMs) {
        this.dropQueue();
        this.wake();
      }
    });
    const done = new Promise<void>((resolve) => (this.resolveDone = resolve));
    this.advance();
    this.tick();
    await Promise.race([done, ctx.stop.untilHard()]);
    if (!this.finished) {
      this.stopScheduling();
      this.dropQueue();
      for (const vu of this.busy) ctx.interruptVu(vu);
      await done;
    }
    for (const vu of this.idle) ctx.retireVu(vu);
    this.idle.length = 0;
  }

  private allocate(): Vu {
    this.allocated++;
    return this.ctx.newVu();
  }

  private report(): void {
    this.ctx.setActiveVus(this.busy.size, this.allocated);
  }

  /** Moves to the next arrival this segment owns. */
  private advance(): void {
    const seg = this.ctx.segment;
    do this.i++;
    while (!seg.owns(this.i));
    this.nextAt = this.ctx.startAtMs + this.schedule.offset(this.i);
  }

  private wake(): void {
    if (this.schedulingDone) return this.maybeFinish();
    if (this.timer) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.immediate) this.immediate = this.timers.setImmediate(this.tick);
  }

  private readonly tick = (): void => {
    this.timer = undefined;
    this.immediate = undefined;
    if (this.schedulingDone) return;
    const { ctx } = this;
    const now = ctx.now();
    this.dispatchDue(now);
    if (this.live && !Number.isFinite(this.nextAt) && now < ctx.stop.endAtMs) {
      // Paused (rate 0): wait for a rate change (onControl wakes us) or the end of the window.
      // (Capped at setTimeout's maximum; an early wake just sleeps again.)
      this.timer = this.timers.setTimeout(
        this.tick,
        Math.min(2 ** 31 - 1, Math.max(1, Math.ceil(ctx.stop.endAtMs - now))),
      );
      return;
    }
    if (!Number.isFinite(this.nextAt) || this.pastStop(this.nextAt)) {
      this.stopScheduling();
      // No iteration starts after the end: arrivals still waiting for a VU are dropped.
      if (this.busy.size === 0 || now >= ctx.stop.endAtMs) this.dropQueue();
      else this.scheduleQueueDrop();
      this.maybeFinish();
      return;
    }
    // Timers have 1 ms granularity. Default mode: sleep on a timer rounded up (it never fires
    // early); every arrival due by the time it fires is dispatched at once, each keeping its own
    // intended time — the lateness (< ~1 ms) is recorded as schedule_lag and counted in
    // iteration_latency. Precise mode: sleep on a timer rounded down, then poll with setImmediate
    // (I/O is still served between polls) for the last fraction of a millisecond: dispatch lags
    // by microseconds, at the price of a busier event loop.
    const delay = this.nextAt - now;
    if (!this.ctx.preciseSchedule)
      this.timer = this.timers.setTimeout(this.tick, Math.max(1, Math.ceil(delay)));
    else if (delay >= 2) this.timer = this.timers.setTimeout(this.tick, Math.floor(delay) - 1);
    else this.immediate = this.timers.setImmediate(this.tick);
  };

  /** Dispatches every arrival due by `now`, each with its own intended time and lag. */
  private dispatchDue(now: number): void {
    const { ctx } = this;
    while (this.nextAt <= now && !this.pastStop(this.nextAt)) {
      ctx.scheduleLagUs((now - this.nextAt) * 1000);
      this.dispatch(this.i, this.nextAt);
      this.advance();
    }
  }

  /**
   * Is an arrival intended at `at` past the stop? The schedule's own end needs no test here: every
   * arrival it plans lies before it (past it `offset` is Infinity), and comparing absolute times
   * would lose a last arrival that rounds onto the end once the epoch start is added. Only a stop
   * moved earlier than the planned end (an external stop) cuts the schedule short.
   */
  private pastStop(at: number): boolean {
    const { ctx } = this;
    const plannedEnd = ctx.startAtMs + this.schedule.durationMs;
    return ctx.stop.endAtMs < plannedEnd && at >= ctx.stop.endAtMs;
  }

  /** Drops whatever is still queued when the scenario's start window closes. */
  private scheduleQueueDrop(): void {
    const t = this.timers.setTimeout(
      () => {
        this.dropQueue();
        this.maybeFinish();
      },
      Math.max(0, this.ctx.stop.endAtMs - this.ctx.now()),
    );
    this.timers.unref(t);
  }

  private stopScheduling(): void {
    this.schedulingDone = true;
    if (this.timer) this.timers.clearTimeout(this.timer);
    if (this.immediate) this.timers.clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  }

  private dispatch(iteration: number, at: number): void {
    let vu = this.idle.pop();
    if (!vu && this.allocated < this.maxVUs) vu = this.allocate();
    if (vu) return this.start(vu, iteration, at);
    if (this.qLen < this.maxQueue) return this.enqueue(iteration, at);
    this.ctx.dropped(1);
  }

  private enqueue(iteration: number, at: number): void {
    if (this.qLen === this.qAt.length) {
      const grow = (old: Float64Array): Float64Array => {
        const n = new Float64Array(old.length * 2);
        for (let k = 0; k < this.qLen; k++) n[k] = old[(this.qHead + k) % old.length] as number;
        return n;
      };
      this.qAt = grow(this.qAt);
      this.qIt = grow(this.qIt);
      this.qHead = 0;
    }
    const pos = (this.qHead + this.qLen) % this.qAt.length;
    this.qAt[pos] = at;
    this.qIt[pos] = iteration;
    this.qLen++;
  }

  private dropQueue(): void {
    if (this.qLen > 0) this.ctx.dropped(this.qLen);
    this.qLen = 0;
    this.qHead = 0;
  }

  private start(vu: Vu, iteration: number, at: number): void {
    this.busy.add(vu);
    this.report();
    void this.ctx.runIteration(vu, { iteration, intendedAtMs: at }).then(() => this.onDone(vu));
  }

  private onDone(vu: Vu): void {
    this.busy.delete(vu);
    if (vu.interrupted) {
      this.allocated--;
      this.ctx.retireVu(vu);
    } else if (this.qLen > 0 && this.ctx.now() < this.ctx.stop.endAtMs) {
      const at = this.qAt[this.qHead] as number;
      const it = this.qIt[this.qHead] as number;
      this.qHead = (this.qHead + 1) % this.qAt.length;
      this.qLen--;
      return this.start(vu, it, at);
    } else {
      this.idle.push(vu);
    }
    this.report();
    // An iteration ends on an I/O callback: the loop is awake anyway, so arrivals that fell due
    // since the last tick go out now instead of waiting for the timer (up to ~2 ms late at 1 ms
    // granularity). The armed timer stays as it is; when it fires it finds less or nothing to do.
    if (!this.schedulingDone && this.nextAt <= this.ctx.now()) this.dispatchDue(this.ctx.now());
    this.maybeFinish();
  }

  private maybeFinish(): void {
    if (this.finished || !this.schedulingDone || this.busy.size > 0 || this.qLen > 0) return;
    this.finished = true;
    this.resolveDone();
  }
}
