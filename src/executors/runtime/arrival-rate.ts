/** The arrival-rate executors at run time: their schedule handed to the open-loop runner. */
import { constantSchedule, rampSchedule } from '../arrival-plans.js';
import type { ExecutorContext } from '../types.js';
import { ArrivalRunner } from './arrival-runner.js';

export function runConstantArrivalRate(ctx: ExecutorContext): Promise<void> {
  const s = ctx.scenario;
  return new ArrivalRunner(ctx, constantSchedule(s), s.preAllocatedVUs, s.maxVUs, s.maxQueue).run();
}

export function runRampingArrivalRate(ctx: ExecutorContext): Promise<void> {
  const s = ctx.scenario;
  return new ArrivalRunner(ctx, rampSchedule(s), s.preAllocatedVUs, s.maxVUs, s.maxQueue).run();
}
