import {
  IterationCounter,
  Problems,
  baseNormalize,
  iterationPlan,
  validateIterationFields,
} from './common.js';
import type { ExecutorDefinition } from './types.js';
import { VuLoops } from './vu-loops.js';

/** VUs share a fixed pool of iterations: faster VUs do more (bounded by maxDuration). */
export const sharedIterations: ExecutorDefinition = {
  name: 'shared-iterations',
  description: 'a fixed number of iterations shared by a number of VUs',
  fields: ['vus', 'iterations', 'maxDuration'],
  validate(s, path) {
    const p = new Problems(s, path);
    validateIterationFields(p, this.fields);
    if (typeof s.vus === 'number' && typeof s.iterations === 'number' && s.iterations < s.vus) {
      p.list.push(`${path}.iterations (${s.iterations}) must be >= vus (${s.vus})`);
    }
    return p.list;
  },
  normalize: (name, s) => baseNormalize(name, s),
  plan: (s) => iterationPlan(s, s.iterations),
  split: (s, seg) => ({ ...s, vus: seg.scale(s.vus), iterations: seg.scale(s.iterations) }),
  async run(ctx) {
    const counter = new IterationCounter(ctx.segment);
    let left = ctx.scenario.iterations;
    const loops = new VuLoops(ctx, () => {
      if (left <= 0) return undefined;
      left--;
      return counter.next();
    });
    loops.setTarget(ctx.scenario.vus, -1);
    await loops.wait();
  },
};
