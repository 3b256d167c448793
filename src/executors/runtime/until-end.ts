/** The wait shared by the runtimes that run for a time window rather than a count. */
import type { ExecutorContext } from '../types.js';
import { realTimers } from './timers.js';

/** Resolves when the scenario's start window closes, following an earlier external stop. */
export function untilEnd(ctx: ExecutorContext): Promise<void> {
  const timers = ctx.timers ?? realTimers;
  return new Promise<void>((resolve) => {
    let t = timers.setTimeout(resolve, Math.max(0, ctx.stop.endAtMs - ctx.now()));
    ctx.stop.onChange(() => {
      timers.clearTimeout(t);
      t = timers.setTimeout(resolve, Math.max(0, ctx.stop.endAtMs - ctx.now()));
    });
  });
}
