import { ArrivalRunner } from './arrival-runner.js';
import { ArrivalSchedule } from './arrival-schedule.js';
import { Problems, baseNormalize } from './common.js';
import { normalizeArrivalVus, splitArrivalVus, validateArrivalVus } from './constant-arrival-rate.js';
import { totalStageMs } from './stages.js';
import type { ExecutorDefinition, NormalizedScenario } from './types.js';

function rampSchedule(s: NormalizedScenario): ArrivalSchedule {
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

/** The arrival rate follows stages of linear ramps (open loop). */
export const rampingArrivalRate: ExecutorDefinition = {
  name: 'ramping-arrival-rate',
  description: 'the iteration start rate follows stages of linear ramps (open loop)',
  fields: ['startRate', 'timeUnit', 'stages', 'preAllocatedVUs', 'maxVUs', 'maxQueue'],
  validate(s, path) {
    const p = new Problems(s, path);
    p.common(this.fields);
    if (s.startRate !== undefined && (typeof s.startRate !== 'number' || !(s.startRate >= 0))) {
      p.list.push(`${path}.startRate must be a number >= 0 (got ${JSON.stringify(s.startRate)})`);
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
  run: (ctx) => {
    const s = ctx.scenario;
    return new ArrivalRunner(ctx, rampSchedule(s), s.preAllocatedVUs, s.maxVUs, s.maxQueue).run();
  },
};
