import { ArrivalRunner } from './arrival-runner.js';
import { ArrivalSchedule } from './arrival-schedule.js';
import { Problems, baseNormalize } from './common.js';
import type { ExecutorDefinition, NormalizedScenario } from './types.js';
import type { ScenarioConfig } from '../config/types.js';
import type { ExecutionSegment } from '../engine/segments.js';

/** Queue bound default: ten seconds of arrivals at the peak rate, at least 1000. */
export const defaultMaxQueue = (peakPerSec: number): number => Math.max(1000, Math.ceil(peakPerSec * 10));

export function validateArrivalVus(p: Problems): void {
  p.int('preAllocatedVUs', { min: 1 });
  p.int('maxVUs', { min: 1 });
  p.int('maxQueue', { min: 0 });
  const s = p.s;
  if (s.preAllocatedVUs === undefined && s.maxVUs === undefined) {
    p.list.push(`${p.path}.preAllocatedVUs is required (VUs ready at the start; maxVUs may allow more)`);
  }
  if (typeof s.preAllocatedVUs === 'number' && typeof s.maxVUs === 'number' && s.maxVUs < s.preAllocatedVUs) {
    p.list.push(`${p.path}.maxVUs (${s.maxVUs}) must be >= preAllocatedVUs (${s.preAllocatedVUs})`);
  }
}

export function normalizeArrivalVus(
  n: NormalizedScenario,
  s: ScenarioConfig,
  peakPerSec: number,
): NormalizedScenario {
  const pre = s.preAllocatedVUs ?? s.maxVUs ?? 1;
  return {
    ...n,
    preAllocatedVUs: pre,
    maxVUs: s.maxVUs ?? pre,
    maxQueue: s.maxQueue ?? defaultMaxQueue(peakPerSec),
  };
}

export const splitArrivalVus = (s: NormalizedScenario, seg: ExecutionSegment): NormalizedScenario => ({
  ...s,
  preAllocatedVUs: seg.scale(s.preAllocatedVUs),
  maxVUs: seg.scale(s.maxVUs),
  maxQueue: seg.scale(s.maxQueue),
});

const perSec = (s: NormalizedScenario, rate: number): number => (rate * 1000) / s.timeUnitMs;

export function constantSchedule(s: NormalizedScenario): ArrivalSchedule {
  const r = perSec(s, s.rate);
  return new ArrivalSchedule([{ durationMs: s.durationMs, fromPerSec: r, toPerSec: r }]);
}

/** A fixed number of iteration starts per time unit, whatever the target's latency (open loop). */
export const constantArrivalRate: ExecutorDefinition = {
  name: 'constant-arrival-rate',
  description: 'starts iterations at a fixed rate, independent of response times (open loop)',
  fields: ['rate', 'timeUnit', 'duration', 'preAllocatedVUs', 'maxVUs', 'maxQueue'],
  validate(s, path) {
    const p = new Problems(s, path);
    p.common(this.fields);
    p.positive('rate', true);
    p.duration('timeUnit', { positive: true });
    p.duration('duration', { required: true, positive: true });
    validateArrivalVus(p);
    return p.list;
  },
  normalize(name, s) {
    const n = baseNormalize(name, s);
    return normalizeArrivalVus(n, s, perSec(n, n.rate));
  },
  plan(s) {
    const sched = constantSchedule(s);
    return {
      durationMs: s.durationMs,
      maxDurationMs: s.durationMs + s.gracefulStopMs,
      maxVUs: s.maxVUs,
      plannedIterations: sched.totalArrivals,
      steps: [{ atMs: 0, ratePerSec: perSec(s, s.rate) }],
      openLoop: true,
    };
  },
  split: splitArrivalVus,
  run: (ctx) => {
    const s = ctx.scenario;
    return new ArrivalRunner(ctx, constantSchedule(s), s.preAllocatedVUs, s.maxVUs, s.maxQueue).run();
  },
};
