/** constant-vus's config half (its runtime half: runtime/constant-vus.ts). */
import { Problems, baseNormalize } from './common.js';
import type { ExecutorConfig } from './types.js';

/** A fixed number of VUs loop for a duration (closed loop). */
export const constantVus: ExecutorConfig = {
  name: 'constant-vus',
  description: 'a fixed number of VUs run iterations back to back for a duration',
  fields: ['vus', 'duration'],
  validate(s, path) {
    const p = new Problems(s, path);
    p.common(this.fields);
    p.int('vus', { min: 1 });
    p.duration('duration', { required: true, positive: true });
    return p.list;
  },
  normalize: (name, s) => baseNormalize(name, s),
  plan: (s) => ({
    durationMs: s.durationMs,
    maxDurationMs: s.durationMs + s.gracefulStopMs,
    maxVUs: s.vus,
    plannedIterations: undefined,
    steps: [{ atMs: 0, vus: s.vus }],
    openLoop: false,
  }),
  split: (s, seg) => ({ ...s, vus: seg.scale(s.vus) }),
};
