/** The config pieces the arrival-rate executors share: VU pool fields and their schedules. */
import { ArrivalSchedule } from './arrival-schedule.js';
import type { Problems } from './common.js';
import type { NormalizedScenario } from './types.js';
import type { ScenarioConfig } from '../config/types.js';
import type { ExecutionSegment } from './segments.js';

/** Queue bound default: ten seconds of arrivals at the peak rate, at least 1000. */
export const defaultMaxQueue = (peakPerSec: number): number => Math.max(1000, Math.ceil(peakPerSec * 10));

export function validateArrivalVus(p: Problems): void {
  p.int('preAllocatedVUs', { min: 1 });
  p.int('maxVUs', { min: 1 });
  p.int('maxQueue', { min: 0 });
  const s = p.s;
  if (s.preAllocatedVUs === undefined && s.maxVUs === undefined) {
    p.add('preAllocatedVUs', 'required', 'is required (VUs ready at the start; maxVUs may allow more)');
  }
  if (typeof s.preAllocatedVUs === 'number' && typeof s.maxVUs === 'number' && s.maxVUs < s.preAllocatedVUs) {
    p.add('maxVUs', 'conflict', `must be >= preAllocatedVUs (${s.preAllocatedVUs}) (got ${s.maxVUs})`);
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

export const perSec = (s: NormalizedScenario, rate: number): number => (rate * 1000) / s.timeUnitMs;

/** `rate` per timeUnit for `duration`. */
export function constantSchedule(s: NormalizedScenario): ArrivalSchedule {
  const r = perSec(s, s.rate);
  return new ArrivalSchedule([{ durationMs: s.durationMs, fromPerSec: r, toPerSec: r }]);
}

/** From `startRate` through each stage's target, linearly. */
export function rampSchedule(s: NormalizedScenario): ArrivalSchedule {
  const k = 1000 / s.timeUnitMs;
  let from = s.startRate * k;
  return new ArrivalSchedule(
    s.stages.map((st) => {
      const piece = { durationMs: st.durationMs, fromPerSec: from, toPerSec: st.target * k };
      from = st.target * k;
      return piece;
    }),
  );
}
