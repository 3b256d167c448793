/** Validation, normalisation and planning pieces shared by the executors' config halves. */
import { tryParseDurationMs } from '../config/duration.js';
import { durationProblem } from '../config/duration.js';
import { problemPath, type Problem } from '../config/problems.js';
import { closest } from '../config/suggest.js';
import type { ScenarioConfig } from '../config/types.js';
import type { ExecutionSegment } from './segments.js';
import type { ExecutorPlan, NormalizedScenario } from './types.js';

export const COMMON_FIELDS: readonly (keyof ScenarioConfig)[] = [
  'executor',
  'startTime',
  'gracefulStop',
  'tags',
  'exec',
];
export const DEFAULT_GRACEFUL_STOP_MS = 30_000;

/**
 * Collects every problem with one scenario as structured `Problem`s, each at its field's path
 * (`scenarios.load.vus`). A field an unknown key was probably meant to be (`duraton`, did you mean
 * `duration`?) is not also reported as missing: one mistake, one message.
 */
export class Problems {
  readonly list: Problem[] = [];
  /** Fields that an unknown key was suggested for. */
  private readonly meant = new Set<string>();
  constructor(
    readonly s: ScenarioConfig,
    readonly path: string,
  ) {}

  private raw(field: keyof ScenarioConfig): unknown {
    return (this.s as unknown as Record<string, unknown>)[field];
  }

  /** A problem at `field` of this scenario, or at the scenario itself when `field` is undefined. */
  add(field: string | undefined, code: string, message: string): void {
    this.list.push({ path: field === undefined ? this.path : problemPath(this.path, field), message, code });
  }

  private required(field: keyof ScenarioConfig, required: boolean | undefined): void {
    if (required && !this.meant.has(field)) this.add(field, 'required', 'is required');
  }

  int(field: keyof ScenarioConfig, opts: { required?: boolean; min?: number }): void {
    const v = this.raw(field);
    if (v === undefined) return this.required(field, opts.required);
    const min = opts.min ?? 0;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
      const code = typeof v === 'number' ? 'out-of-range' : 'wrong-type';
      this.add(field, code, `must be an integer >= ${min} (got ${JSON.stringify(v)})`);
    }
  }

  positive(field: keyof ScenarioConfig, required: boolean): void {
    const v = this.raw(field);
    if (v === undefined) return this.required(field, required);
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
      const code = typeof v === 'number' ? 'out-of-range' : 'wrong-type';
      this.add(field, code, `must be a number > 0 (got ${JSON.stringify(v)})`);
    }
  }

  duration(field: keyof ScenarioConfig, opts: { required?: boolean; positive?: boolean }): void {
    const v = this.raw(field);
    if (v === undefined) return this.required(field, opts.required);
    const problem = durationProblem(v, opts.positive === true);
    if (problem) this.add(field, problem.code, problem.message);
  }

  stages(required: boolean): void {
    const st = this.s.stages;
    if (st === undefined) return this.required('stages', required);
    if (!Array.isArray(st) || st.length === 0) {
      this.add('stages', 'wrong-type', 'must be a non-empty list of { duration, target }');
      return;
    }
    st.forEach((stage, i) => {
      const p = problemPath(problemPath(this.path, 'stages'), i);
      if (typeof stage !== 'object' || stage === null) {
        this.list.push({ path: p, code: 'wrong-type', message: 'must be { duration, target }' });
        return;
      }
      const d = durationProblem(stage.duration, false);
      if (d) this.list.push({ path: problemPath(p, 'duration'), ...d });
      if (typeof stage.target !== 'number' || !Number.isFinite(stage.target) || stage.target < 0) {
        this.list.push({
          path: problemPath(p, 'target'),
          code: typeof stage.target === 'number' ? 'out-of-range' : 'wrong-type',
          message: `must be a number >= 0 (got ${JSON.stringify(stage.target)})`,
        });
      }
    });
  }

  common(allowed: readonly (keyof ScenarioConfig)[]): void {
    this.duration('startTime', {});
    this.duration('gracefulStop', {});
    const all = new Set<string>([...COMMON_FIELDS, ...allowed]);
    for (const k of Object.keys(this.s)) {
      if (all.has(k)) continue;
      const meant = closest(k, all);
      if (meant !== undefined) this.meant.add(meant);
      this.add(
        k,
        'unknown-field',
        `is not a field of executor '${this.s.executor}'${meant === undefined ? '' : ` (did you mean '${meant}'?)`}`,
      );
    }
    const tags = this.s.tags;
    if (
      tags !== undefined &&
      (typeof tags !== 'object' || tags === null || Object.values(tags).some((v) => typeof v !== 'string'))
    ) {
      this.add('tags', 'wrong-type', 'must map tag names to strings');
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
