/**
 * One test run: the facade the layers above use. It plans the scenarios, and wires the three parts
 * of a run together — the coordinator (the generators' lifecycle), the metrics engine (aggregation,
 * snapshots, live thresholds, abort) and generator health — then assembles the result. By default
 * every generator is a worker thread of this process; `generators` in the options replaces them.
 */
import { availableParallelism } from 'node:os';
import { randomUUID } from 'node:crypto';
import { executorFor } from '../executors/registry.js';
import type { ControlChange, ExecutorPlan, NormalizedScenario } from '../executors/types.js';
import type { Aggregator } from '../metrics/aggregator.js';
import { VolleyError } from '../errors.js';
import { protocolInit } from '../protocols/registry.js';
import { Coordinator, DEFAULT_TIMINGS, type CoordinatorTimings, type RunProblems } from './coordinator.js';
import type { GeneratorFactory } from './generator.js';
import { GeneratorHealth } from './generator-health.js';
import { MetricsEngine } from './metrics-engine.js';
import { now as nowMs } from './clock.js';
import { GENERATOR_PROTOCOL_VERSION } from './protocol.js';
import type { AbortReason, PreparedTest, RunListener, RunResult, Sampler } from './run-types.js';

export type {
  AbortReason,
  GeneratorSummary,
  PreparedTest,
  RunListener,
  RunResult,
  RunStartInfo,
  Sampler,
} from './run-types.js';

export interface TestRunOptions {
  /**
   * Creates the run's generators: the engine names no kind of generator (src/generators builds on
   * it; `localTestRun` there gives a run its thread generators); tests inject in-process fakes.
   */
  generators: GeneratorFactory;
  /** The coordinator's timings (tests shorten them). */
  timings?: Partial<CoordinatorTimings>;
}

/** The most units of weight (threads) a test can use: its smallest scenario's VUs, so no segment is left without a VU. */
export function unitCapacity(plans: readonly ExecutorPlan[]): number {
  return Math.max(1, Math.min(...plans.map((p) => Math.max(1, p.maxVUs))));
}

/** Never more generators than the smallest scenario has VUs, so no segment is left without a VU. */
export function workerCount(requested: number, plans: readonly ExecutorPlan[]): number {
  const want = requested > 0 ? requested : availableParallelism();
  return Math.max(1, Math.min(want, unitCapacity(plans)));
}

export class TestRun {
  readonly runId: string;
  readonly plans: { scenario: NormalizedScenario; plan: ExecutorPlan }[];
  private readonly listeners: RunListener[];
  private aborted: RunResult['aborted'];
  private readonly problems: RunProblems = { workerErrors: [], runErrors: [] };
  private readonly health: GeneratorHealth;
  private readonly metrics: MetricsEngine;
  private readonly timings: CoordinatorTimings;
  private coordinator: Coordinator | undefined;
  private started = false;
  /** A stop asked for before the coordinator exists, handed to it when it does. */
  private earlyStop: { graceMs: number; at: number } | undefined;
  private readonly samplers: Sampler[] = [];

  constructor(
    private readonly test: PreparedTest,
    listeners: RunListener[],
    runId: string | undefined,
    private readonly options: TestRunOptions,
  ) {
    this.runId = runId ?? randomUUID();
    this.listeners = listeners;
    this.plans = test.scenarios.map((s) => ({ scenario: s, plan: executorFor(s.executor).plan(s) }));
    this.timings = { ...DEFAULT_TIMINGS, ...options.timings };
    this.health = new GeneratorHealth({
      silentMs: this.timings.silentMs,
      polling: test.config.preciseSchedule === true,
    });
    this.metrics = new MetricsEngine({
      windowSeconds: test.config.windowSeconds,
      thresholds: test.thresholds,
      listeners,
      health: this.health,
      abort: (detail) => this.stop('threshold', detail),
      aborted: () => this.aborted !== undefined,
      problem: (text) => this.problems.workerErrors.push(text),
    });
  }

  /** Adds a sampler before the run starts; it is asked once per second (see Sampler). */
  addSampler(sampler: Sampler): void {
    if (this.started) throw new Error('samplers are added before the run starts');
    this.samplers.push(sampler);
  }

  get aggregator(): Aggregator {
    return this.metrics.aggregator;
  }

  /** Stops the run: no new iterations; in-flight ones get `graceMs`, then are interrupted. */
  stop(reason: AbortReason, detail: string, graceMs: number = this.test.config.stopGraceMs): void {
    this.aborted ??= { reason, detail };
    if (this.coordinator) this.coordinator.stop(graceMs);
    else
      this.earlyStop = {
        graceMs: Math.min(graceMs, this.earlyStop?.graceMs ?? Infinity),
        at: this.earlyStop?.at ?? nowMs(),
      };
  }

  /** Live change of an externally-controlled scenario (global numbers; generators take their share). */
  control(scenario: string, change: Omit<ControlChange, 'atMs'>): void {
    const s = this.test.scenarios.find((x) => x.name === scenario);
    if (!s || s.executor !== 'externally-controlled') {
      throw new VolleyError('INVALID_USAGE', `scenario '${scenario}' is not externally-controlled`);
    }
    if (!this.coordinator) throw new VolleyError('INVALID_USAGE', 'the run has not started yet');
    this.coordinator.control(scenario, change, s.startTimeMs + s.durationMs);
  }

  async run(): Promise<RunResult> {
    if (this.started) throw new Error('a TestRun runs once');
    this.started = true;
    const { config } = this.test;
    const count = workerCount(
      config.workers,
      this.plans.map((p) => p.plan),
    );
    const factory = this.options.generators;
    const coordinator = new Coordinator(
      factory(count, unitCapacity(this.plans.map((p) => p.plan))),
      this.health,
      this.metrics,
      this.problems,
      this.timings,
    );
    this.coordinator = coordinator;
    if (this.earlyStop) coordinator.stop(this.earlyStop.graceMs, this.earlyStop.at);
    const plannedDurationMs = Math.max(...this.plans.map((p) => p.scenario.startTimeMs + p.plan.durationMs));
    const maxDurationMs = Math.max(...this.plans.map((p) => p.scenario.startTimeMs + p.plan.maxDurationMs));
    let startedAt = new Date();
    let sampling: { stop: () => void } = { stop: () => {} };
    await coordinator.run({
      spec: (index, units, first, unitCount) => ({
        protocol: GENERATOR_PROTOCOL_VERSION,
        workerIndex: index,
        segmentBoundaries: [...units.boundaries],
        segmentIndex: first,
        segmentCount: unitCount,
        scenarios: this.test.scenarios,
        ...protocolInit(config),
        script: config.script,
        tags: config.tags,
        maxEndpoints: 200,
        preciseSchedule: config.preciseSchedule,
      }),
      maxDurationMs,
      starting: (runStartAtMs) => {
        // The agreed start instant on the wall clock: the first second of traffic, not the spawn.
        startedAt = new Date(Date.now() + (runStartAtMs - nowMs()));
        for (const l of this.listeners) {
          l.onStart?.({
            runId: this.runId,
            workers: coordinator.count,
            startedAt,
            plans: this.plans,
            maxDurationMs,
            plannedDurationMs,
          });
        }
        sampling = this.metrics.startSampling(this.samplers);
      },
    });
    sampling.stop();
    await Promise.all(this.samplers.map((x) => x.close?.()));
    this.metrics.closeAll();
    const endedAt = new Date();
    const result: RunResult = {
      runId: this.runId,
      startedAt,
      endedAt,
      durationMs: Math.max(0, nowMs() - coordinator.runStartAtMs),
      aggregator: this.metrics.aggregator,
      thresholds: this.metrics.finalThresholds(),
      aborted: this.aborted,
      generator: this.health.summary(),
      workerErrors: this.problems.workerErrors,
      runErrors: this.problems.runErrors,
      started: this.metrics.started(),
      scriptErrors: this.metrics.scriptErrors(),
      plans: this.plans,
      timeline: this.metrics.timeline,
      generators: coordinator.reports(),
    };
    for (const l of this.listeners) await l.onEnd?.(result);
    return result;
  }
}
