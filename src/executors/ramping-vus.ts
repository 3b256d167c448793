import { IterationCounter, Problems, baseNormalize, untilEnd } from './common.js';
import { totalStageMs, vuLevelChanges } from './stages.js';
import type { ExecutorDefinition } from './types.js';
import { VuLoops } from './vu-loops.js';

/** VUs follow stages (linear ramps between targets), closed loop. */
export const rampingVus: ExecutorDefinition = {
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
      p.list.push(`${path}: every stage targets 0 VUs and startVUs is 0, so nothing would run`);
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
  async run(ctx) {
    const s = ctx.scenario;
    const counter = new IterationCounter(ctx.segment);
    const loops = new VuLoops(ctx, () => counter.next());
    const timers: NodeJS.Timeout[] = [];
    let last = -1;
    for (const change of vuLevelChanges(s.startVUs, s.stages)) {
      const mine = ctx.segment.scale(change.level);
      if (mine === last) continue;
      last = mine;
      const apply = (): void => {
        if (ctx.now() < ctx.stop.endAtMs) loops.setTarget(mine, s.gracefulRampDownMs);
      };
      if (change.atMs === 0) apply();
      else timers.push(setTimeout(apply, ctx.startAtMs + change.atMs - ctx.now()));
    }
    // Keep the scenario alive until its stages end even while the level is 0.
    await untilEnd(ctx);
    for (const t of timers) clearTimeout(t);
    await loops.wait();
  },
};
