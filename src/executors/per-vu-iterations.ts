/** per-vu-iterations's config half (its runtime half: runtime/iterations.ts). */
import { Problems, baseNormalize, iterationPlan, validateIterationFields } from './common.js';
import type { ExecutorConfig } from './types.js';

/** Each VU runs exactly `iterations` iterations (bounded by maxDuration). */
export const perVuIterations: ExecutorConfig = {
  name: 'per-vu-iterations',
  description: 'each VU runs a fixed number of iterations',
  fields: ['vus', 'iterations', 'maxDuration'],
  validate(s, path) {
    const p = new Problems(s, path);
    validateIterationFields(p, this.fields);
    return p.list;
  },
  normalize: (name, s) => baseNormalize(name, s),
  plan: (s) => iterationPlan(s, s.vus * s.iterations),
  split: (s, seg) => ({ ...s, vus: seg.scale(s.vus) }),
};
