/** ramping-arrival-rate's config half (its runtime half: runtime/arrival-rate.ts). */
import { normalizeArrivalVus, rampSchedule, splitArrivalVus, validateArrivalVus } from './arrival-plans.js';
import { Problems, baseNormalize } from './common.js';
import { totalStageMs } from './stages.js';
import type { ExecutorConfig } from './types.js';

/** The arrival rate follows stages of linear ramps (open loop). */
export const rampingArrivalRate: ExecutorConfig = {
  name: 'ramping-arrival-rate',
  description: 'the iteration start rate follows stages of linear ramps (open loop)',
  fields: ['startRate', 'timeUnit', 'stages', 'preAllocatedVUs', 'maxVUs', 'maxQueue'],
  validate(s, path) {
    const p = new Problems(s, path);
    p.common(this.fields);
    if (s.startRate !== undefined && (typeof s.startRate !== 'number' || !(s.startRate >= 0))) {
      const code = typeof s.startRate === 'number' ? 'out-of-range' : 'wrong-type';
      p.add('startRate', code, `must be a number >= 0 (got ${JSON.stringify(s.startRate)})`);
    }
    p.duration('timeUnit', { positive: true });
    p.stages(true);
    validateArrivalVus(p);
    return p.list;
  },
  normalize(name, s) {
    const n = baseNormalize(name, s);
    const peak = (Math.max(n.startRate, ...n.stages.map((st) => st.target)) * 1000) / n.timeUnitMs;
    return normalizeArrivalVus(n, s, peak);
  },
  plan(s) {
    const sched = rampSchedule(s);
    const d = totalStageMs(s.stages);
    const k = 1000 / s.timeUnitMs;
    const steps = [{ atMs: 0, ratePerSec: s.startRate * k }];
    let t = 0;
    for (const st of s.stages) {
      t += st.durationMs;
      steps.push({ atMs: t, ratePerSec: st.target * k });
    }
    return {
      durationMs: d,
      maxDurationMs: d + s.gracefulStopMs,
      maxVUs: s.maxVUs,
      plannedIterations: sched.totalArrivals,
      steps,
      openLoop: true,
    };
  },
  split: splitArrivalVus,
};
