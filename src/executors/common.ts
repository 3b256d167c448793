/** Validation, normalisation and runtime pieces shared by the executors. */
import { tryParseDurationMs } from '../config/duration.js';
import type { ScenarioConfig } from '../config/types.js';
import type { ExecutionSegment } from '../engine/segments.js';
import type { ExecutorContext, NormalizedScenario, Vu } from './types.js';

export const COMMON_FIELDS: readonly (keyof ScenarioConfig)[] = [
  'executor',
  'startTime',
  'gracefulStop',
  'tags',
  'exec',
];
export const DEFAULT_GRACEFUL_STOP_MS = 30_000;

export class Problems {
  readonly list: string[] = [];
  constructor(
    readonly s: ScenarioConfig,
    readonly path: string,
  ) {}

  private raw(field: keyof ScenarioConfig): unknown {
    return (this.s as unknown as Record<string, unknown>)[field];
  }

  int(field: keyof ScenarioConfig, opts: { required?: boolean; min?: number }): void {
    const v = this.raw(field);
    if (v === undefined) {
      if (opts.required) this.list.push(`${this.path}.${field} is required`);
      return;
    }
    const min = opts.min ?? 0;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
      this.list.push(`${this.path}.${field} must be an integer >= ${min} (got ${JSON.stringify(v)})`);
    }
  }

  positive(field: keyof ScenarioConfig, required: boolean): void {
    const v = this.raw(field);
    if (v === undefined) {
      if (required) this.list.push(`${this.path}.${field} is required`);
      return;
    }
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
      this.list.push(`${this.path}.${field} must be a number > 0 (got ${JSON.stringify(v)})`);
    }
  }

  duration(field: keyof ScenarioConfig, opts: { required?: boolean; positive?: boolean }): void {
    const v = this.raw(field);
    if (v === undefined) {
      if (opts.required) this.list.push(`${this.path}.${field} is required`);
      return;
    }
    const ms = typeof v === 'string' || typeof v === 'number' ? tryParseDurationMs(v) : undefined;
    if (ms === undefined) this.list.push(`${this.path}.${field}: malformed duration ${JSON.stringify(v)}`);
    else if (opts.positive && ms <= 0) this.list.push(`${this.path}.${field} must be longer than 0`);
  }

  stages(required: boolean): void {
    const st = this.s.stages;
    if (st === undefined) {
      if (required) this.list.push(`${this.path}.stages is required`);
      return;
    }
    if (!Array.isArray(st) || st.length === 0) {
      this.list.push(`${this.path}.stages must be a non-empty list of { duration, target }`);
      return;
    }
    st.forEach((stage, i) => {
      const p = `${this.path}.stages[${i}]`;
      if (typeof stage !== 'object' || stage === null) {
        this.list.push(`${p} must be { duration, target }`);
        return;
      }
      const d = tryParseDurationMs(stage.duration);
      if (d === undefined)
        this.list.push(`${p}.duration: malformed duration ${JSON.stringify(stage.duration)}`);
      if (typeof stage.target !== 'number' || !Number.isFinite(stage.target) || stage.target < 0) {
        this.list.push(`${p}.target must be a number >= 0 (got ${JSON.stringify(stage.target)})`);
      }
    });
  }

  common(allowed: readonly (keyof ScenarioConfig)[]): void {
    this.duration('startTime', {});
    this.duration('gracefulStop', {});
    const all = new Set<string>([...COMMON_FIELDS, ...allowed]);
    for (const k of Object.keys(this.s)) {
      if (!all.has(k)) this.list.push(`${this.path}.${k} is not a field of executor '${this.s.executor}'`);
    }
    const tags = this.s.tags;
    if (
      tags !== undefined &&
      (typeof tags !== 'object' || tags === null || Object.values(tags).some((v) => typeof v !== 'string'))
    ) {
      this.list.push(`${this.path}.tags must map tag names to strings`);
    }
  }
}

const ms = (v: string | number | undefined, dflt: number): number =>
  v === undefined ? dflt : (tryParseDurationMs(v) ?? dflt);

/** Defaults for every field; each executor overrides what it uses. */
export function baseNormalize(name: string, s: ScenarioConfig): NormalizedScenario {
  return {
    name,
    executor: s.executor,
    startTimeMs: ms(s.startTime, 0),
    gracefulStopMs: ms(s.gracefulStop, DEFAULT_GRACEFUL_STOP_MS),
    tags: { ...(s.tags ?? {}) },
    exec: s.exec,
    vus: s.vus ?? 1,
    durationMs: ms(s.duration, 0),
    iterations: s.iterations ?? 1,
    maxDurationMs: ms(s.maxDuration, 600_000),
    startVUs: s.startVUs ?? 1,
    stages: (s.stages ?? []).map((st) => ({ durationMs: ms(st.duration, 0), target: st.target })),
    gracefulRampDownMs: ms(s.gracefulRampDown, DEFAULT_GRACEFUL_STOP_MS),
    rate: s.rate ?? 0,
    startRate: s.startRate ?? 0,
    timeUnitMs: ms(s.timeUnit, 1000),
    preAllocatedVUs: s.preAllocatedVUs ?? 0,
    maxVUs: s.maxVUs ?? 0,
    maxQueue: s.maxQueue ?? 0,
  };
}

/** Iteration numbers for VU-based executors: the segment's k-th iteration maps to a global index. */
export class IterationCounter {
  private k = 0;
  constructor(private readonly segment: ExecutionSegment) {}
  next(): number {
    return this.segment.globalIndex(this.k++);
  }
}

/**
 * Runs VU loops and enforces the hard stop: when the scenario's graceful stop runs out, every VU
 * still busy is interrupted, and the loops' promises are awaited so nothing is left running.
 */
export async function awaitWithHardStop(
  ctx: ExecutorContext,
  loops: Promise<void>[],
  busy: () => Iterable<Vu>,
): Promise<void> {
  let done = false;
  const all = Promise.all(loops).then(() => {
    done = true;
  });
  await Promise.race([all, ctx.stop.untilHard()]);
  if (!done) {
    for (const vu of busy()) ctx.interruptVu(vu);
    await all;
  }
}

/** A sleep that ends early when the stop moves earlier; returns false if the scenario should end. */
export function sleepUntil(ctx: ExecutorContext, atMs: number): Promise<void> {
  return new Promise((resolve) => {
    const delay = atMs - ctx.now();
    if (delay <= 0) return resolve();
    const t = setTimeout(resolve, delay);
    ctx.stop.onChange(() => {
      if (ctx.now() >= ctx.stop.endAtMs) {
        clearTimeout(t);
        resolve();
      }
    });
  });
}
