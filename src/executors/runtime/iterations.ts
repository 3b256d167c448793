/** The two iteration-count executors at run time: per-vu-iterations and shared-iterations. */
import { IterationCounter } from '../common.js';
import type { ExecutorContext } from '../types.js';
import { VuLoops } from './vu-loops.js';

/** Each VU runs exactly `iterations` iterations (bounded by maxDuration, the scenario's window). */
export async function runPerVuIterations(ctx: ExecutorContext): Promise<void> {
  const counter = new IterationCounter(ctx.segment);
  const done = new Map<number, number>();
  const loops = new VuLoops(ctx, (vu) => {
    const n = done.get(vu.id) ?? 0;
    if (n >= ctx.scenario.iterations) return undefined;
    done.set(vu.id, n + 1);
    return counter.next();
  });
  loops.setTarget(ctx.scenario.vus, -1);
  await loops.wait();
}

/** The VUs share the segment's `iterations`: a VU free first takes the next one. */
export async function runSharedIterations(ctx: ExecutorContext): Promise<void> {
  const counter = new IterationCounter(ctx.segment);
  let left = ctx.scenario.iterations;
  const loops = new VuLoops(ctx, () => {
    if (left <= 0) return undefined;
    left--;
    return counter.next();
  });
  loops.setTarget(ctx.scenario.vus, -1);
  await loops.wait();
}
