/** ramping-vus's config half (its runtime half: runtime/ramping-vus.ts). */
import { Problems, baseNormalize } from './common.js';
import { totalStageMs, vuLevelChanges } from './stages.js';
import type { ExecutorConfig } from './types.js';

/** VUs follow stages (linear ramps between targets), closed loop. */
export const rampingVus: ExecutorConfig = {
  name: 'ramping-vus',
  description: 'the number of VUs follows stages of linear ramps',
  fields: ['startVUs', 'stages', 'gracefulRampDown'],
  validate(s, path) {
    const p = new Problems(s, path);
    p.common(this.fields);
    p.int('startVUs', { min: 0 });
    p.stages(true);
    p.duration('gracefulRampDown', {});
    if (Array.isArray(s.stages) && s.stages.every((st) => st?.target === 0) && (s.startVUs ?? 1) === 0) {
      p.add(undefined, 'nothing-to-run', 'every stage targets 0 VUs and startVUs is 0, so nothing would run');
    }
    return p.list;
  },
  normalize: (name, s) => ({ ...baseNormalize(name, s), startVUs: s.startVUs ?? 1 }),
  plan(s) {
    const d = totalStageMs(s.stages);
    return {
      durationMs: d,
      maxDurationMs: d + s.gracefulStopMs,
      maxVUs: Math.max(s.startVUs, ...s.stages.map((st) => Math.round(st.target))),
      plannedIterations: undefined,
      steps: vuLevelChanges(s.startVUs, s.stages).map((c) => ({ atMs: c.atMs, vus: c.level })),
      openLoop: false,
    };
  },
  // The segment's levels are derived at run time from the global ramp (scale of each global level).
  split: (s) => s,
};
