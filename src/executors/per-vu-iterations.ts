import {
  IterationCounter,
  Problems,
  baseNormalize,
  iterationPlan,
  validateIterationFields,
} from './common.js';
import type { ExecutorDefinition } from './types.js';
import { VuLoops } from './vu-loops.js';

/** Each VU runs exactly `iterations` iterations (bounded by maxDuration). */
export const perVuIterations: ExecutorDefinition = {
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
  async run(ctx) {
    const counter = new IterationCounter(ctx.segment);
    const done = new Map<number, number>();
    const loops = new VuLoops(ctx, (vu) => {
      const n = done.get(vu.id) ?? 0;
      if (n >= ctx.scenario.iterations) return undefined;
      done.set(vu.id, n + 1);
      return counter.next();
    });
    loops.setTarget(ctx.scenario.vus, -1);
    await loops.wait();
  },
};
