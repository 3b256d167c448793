/** constant-arrival-rate's config half (its runtime half: runtime/arrival-rate.ts). */
import {
  constantSchedule,
  normalizeArrivalVus,
  perSec,
  splitArrivalVus,
  validateArrivalVus,
} from './arrival-plans.js';
import { Problems, baseNormalize } from './common.js';
import type { ExecutorConfig } from './types.js';

/** A fixed number of iteration starts per time unit, whatever the target's latency (open loop). */
export const constantArrivalRate: ExecutorConfig = {
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
};
