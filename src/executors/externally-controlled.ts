/** externally-controlled's config half (its runtime half: runtime/externally-controlled.ts). */
import { normalizeArrivalVus, splitArrivalVus } from './arrival-plans.js';
import { Problems, baseNormalize } from './common.js';
import type { ExecutorConfig } from './types.js';

/**
 * VUs (closed loop) or an arrival rate (open loop, when `rate` is set) changed live — from the
 * dashboard or the API — up to `maxVUs`, for at most `duration`.
 */
export const externallyControlled: ExecutorConfig = {
  name: 'externally-controlled',
  description: 'VUs or arrival rate changed live from the API or dashboard',
  fields: ['vus', 'maxVUs', 'duration', 'rate', 'timeUnit', 'preAllocatedVUs', 'maxQueue'],
  validate(s, path) {
    const p = new Problems(s, path);
    p.common(this.fields);
    p.int('vus', { min: 0 });
    p.int('maxVUs', { min: 1 });
    p.duration('duration', { required: true, positive: true });
    p.positive('rate', false);
    p.int('preAllocatedVUs', { min: 1 });
    p.int('maxQueue', { min: 0 });
    if (s.rate === undefined && s.vus === undefined)
      p.add(undefined, 'required', 'set vus (closed loop) or rate (open loop)');
    if (typeof s.vus === 'number' && typeof s.maxVUs === 'number' && s.vus > s.maxVUs) {
      p.add('vus', 'conflict', `must be <= maxVUs (${s.maxVUs}) (got ${s.vus})`);
    }
    return p.list;
  },
  normalize(name, s) {
    const n = baseNormalize(name, s);
    if (s.rate === undefined) return { ...n, vus: s.vus ?? 1, maxVUs: s.maxVUs ?? s.vus ?? 1 };
    const perSec = (n.rate * 1000) / n.timeUnitMs;
    return normalizeArrivalVus(n, { ...s, preAllocatedVUs: s.preAllocatedVUs ?? s.maxVUs ?? 1 }, perSec * 4);
  },
  plan(s) {
    const open = s.rate > 0;
    return {
      durationMs: s.durationMs,
      maxDurationMs: s.durationMs + s.gracefulStopMs,
      maxVUs: s.maxVUs,
      plannedIterations: undefined,
      steps: [open ? { atMs: 0, ratePerSec: (s.rate * 1000) / s.timeUnitMs } : { atMs: 0, vus: s.vus }],
      openLoop: open,
    };
  },
  split: (s, seg) => ({ ...splitArrivalVus(s, seg), vus: seg.scale(s.vus) }),
};
