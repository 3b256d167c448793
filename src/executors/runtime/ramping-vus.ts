/** ramping-vus at run time: the VU level changes at the exact instants the stages put it on an integer. */
import { IterationCounter } from '../common.js';
import { vuLevelChanges } from '../stages.js';
import type { ExecutorContext } from '../types.js';
import { realTimers } from './timers.js';
import { untilEnd } from './until-end.js';
import { VuLoops } from './vu-loops.js';

export async function runRampingVus(ctx: ExecutorContext): Promise<void> {
  const s = ctx.scenario;
  const timers = ctx.timers ?? realTimers;
  const counter = new IterationCounter(ctx.segment);
  const loops = new VuLoops(ctx, () => counter.next());
  const pending: ReturnType<typeof timers.setTimeout>[] = [];
  let last = -1;
  // The segment's levels derive from the global ramp (the scale of each global level), so the
  // segments' VUs add up to the global level at every instant.
  for (const change of vuLevelChanges(s.startVUs, s.stages)) {
    const mine = ctx.segment.scale(change.level);
    if (mine === last) continue;
    last = mine;
    const apply = (): void => {
      if (ctx.now() < ctx.stop.endAtMs) loops.setTarget(mine, s.gracefulRampDownMs);
    };
    if (change.atMs === 0) apply();
    else pending.push(timers.setTimeout(apply, ctx.startAtMs + change.atMs - ctx.now()));
  }
  // Keep the scenario alive until its stages end even while the level is 0.
  await untilEnd(ctx);
  for (const t of pending) timers.clearTimeout(t);
  await loops.wait();
}
