import { ArrivalRunner } from './arrival-runner.js';
import { IterationCounter, Problems, baseNormalize, untilEnd } from './common.js';
import { constantSchedule, normalizeArrivalVus, splitArrivalVus } from './constant-arrival-rate.js';
import type { ExecutorDefinition } from './types.js';
import { VuLoops } from './vu-loops.js';

/**
 * VUs (closed loop) or an arrival rate (open loop, when `rate` is set) changed live — from the
 * dashboard or the API — up to `maxVUs`, for at most `duration`.
 */
export const externallyControlled: ExecutorDefinition = {
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
      p.list.push(`${path}: set vus (closed loop) or rate (open loop)`);
    if (typeof s.vus === 'number' && typeof s.maxVUs === 'number' && s.vus > s.maxVUs) {
      p.list.push(`${path}.vus (${s.vus}) must be <= maxVUs (${s.maxVUs})`);
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
  async run(ctx) {
    const s = ctx.scenario;
    if (s.rate > 0) {
      return new ArrivalRunner(ctx, constantSchedule(s), s.preAllocatedVUs, s.maxVUs, s.maxQueue, true).run();
    }
    const counter = new IterationCounter(ctx.segment);
    const loops = new VuLoops(ctx, () => counter.next());
    loops.setTarget(s.vus, -1);
    ctx.onControl((c) => {
      if (c.vus === undefined) return;
      const globalVus = Math.min(c.vus, Number.MAX_SAFE_INTEGER);
      const mine = Math.min(ctx.segment.scale(globalVus), s.maxVUs);
      setTimeout(() => loops.setTarget(mine, s.gracefulStopMs), Math.max(0, c.atMs - ctx.now()));
    });
    await untilEnd(ctx);
    await loops.wait();
  },
};
