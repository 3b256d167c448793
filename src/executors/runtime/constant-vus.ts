/** constant-vus at run time: `vus` closed-loop VUs from the start until the window closes. */
import { IterationCounter } from '../common.js';
import type { ExecutorContext } from '../types.js';
import { VuLoops } from './vu-loops.js';

export async function runConstantVus(ctx: ExecutorContext): Promise<void> {
  const counter = new IterationCounter(ctx.segment);
  const loops = new VuLoops(ctx, () => counter.next());
  loops.setTarget(ctx.scenario.vus, -1);
  await loops.wait();
}
