/** Validation, normalisation and runtime pieces shared by the executors. */
import { tryParseDurationMs } from '../config/duration.js';
import { suggest } from '../config/suggest.js';
import type { ScenarioConfig } from '../config/types.js';
import type { ExecutionSegment } from '../engine/segments.js';
import type { ExecutorContext, ExecutorPlan, NormalizedScenario } from './types.js';

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
      if (!all.has(k))
        this.list.push(`${this.path}.${k} is not a field of executor '${this.s.executor}'${suggest(k, all)}`);
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

/** Resolves when the scenario's start window closes, following an earlier external stop. */
export function untilEnd(ctx: ExecutorContext): Promise<void> {
  return new Promise<void>((resolve) => {
    let t = setTimeout(resolve, Math.max(0, ctx.stop.endAtMs - ctx.now()));
    ctx.stop.onChange(() => {
      clearTimeout(t);
      t = setTimeout(resolve, Math.max(0, ctx.stop.endAtMs - ctx.now()));
    });
  });
}

/** The config half shared by the two iteration-count executors (per-vu and shared). */
export function validateIterationFields(p: Problems, fields: readonly (keyof ScenarioConfig)[]): void {
  p.common(fields);
  p.int('vus', { min: 1 });
  p.int('iterations', { min: 1 });
  p.duration('maxDuration', { positive: true });
}

export const iterationPlan = (s: NormalizedScenario, plannedIterations: number): ExecutorPlan => ({
  durationMs: s.maxDurationMs,
  maxDurationMs: s.maxDurationMs + s.gracefulStopMs,
  maxVUs: s.vus,
  plannedIterations,
  steps: [{ atMs: 0, vus: s.vus }],
  openLoop: false,
});
