/**
 * externally-controlled at run time: closed-loop VUs, or an open-loop rate when `rate` is set,
 * each changed by control messages at the instant they name (the same on every worker).
 */
import { constantSchedule } from '../arrival-plans.js';
import { IterationCounter } from '../common.js';
import type { ExecutorContext } from '../types.js';
import { ArrivalRunner } from './arrival-runner.js';
import { realTimers } from './timers.js';
import { untilEnd } from './until-end.js';
import { VuLoops } from './vu-loops.js';

export async function runExternallyControlled(ctx: ExecutorContext): Promise<void> {
  const s = ctx.scenario;
  if (s.rate > 0) {
    return new ArrivalRunner(ctx, constantSchedule(s), s.preAllocatedVUs, s.maxVUs, s.maxQueue, true).run();
  }
  const timers = ctx.timers ?? realTimers;
  const counter = new IterationCounter(ctx.segment);
  const loops = new VuLoops(ctx, () => counter.next());
  loops.setTarget(s.vus, -1);
  ctx.onControl((c) => {
    if (c.vus === undefined) return;
    const globalVus = Math.min(c.vus, Number.MAX_SAFE_INTEGER);
    const mine = Math.min(ctx.segment.scale(globalVus), s.maxVUs);
    timers.setTimeout(() => loops.setTarget(mine, s.gracefulStopMs), Math.max(0, c.atMs - ctx.now()));
  });
  await untilEnd(ctx);
  await loops.wait();
}
