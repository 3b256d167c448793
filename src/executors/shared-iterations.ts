/** shared-iterations's config half (its runtime half: runtime/iterations.ts). */
import { Problems, baseNormalize, iterationPlan, validateIterationFields } from './common.js';
import type { ExecutorConfig } from './types.js';

/** VUs share a fixed pool of iterations: faster VUs do more (bounded by maxDuration). */
export const sharedIterations: ExecutorConfig = {
  name: 'shared-iterations',
  description: 'a fixed number of iterations shared by a number of VUs',
  fields: ['vus', 'iterations', 'maxDuration'],
  validate(s, path) {
    const p = new Problems(s, path);
    validateIterationFields(p, this.fields);
    if (typeof s.vus === 'number' && typeof s.iterations === 'number' && s.iterations < s.vus) {
      p.add('iterations', 'conflict', `must be >= vus (${s.vus}) (got ${s.iterations})`);
    }
    return p.list;
  },
  normalize: (name, s) => baseNormalize(name, s),
  plan: (s) => iterationPlan(s, s.iterations),
  split: (s, seg) => ({ ...s, vus: seg.scale(s.vus), iterations: seg.scale(s.iterations) }),
};
