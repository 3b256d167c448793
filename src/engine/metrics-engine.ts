/**
 * The run's metrics engine, apart from the scheduling of generators (as k6 keeps its metrics
 * engine apart from its scheduler): takes in what generators and samplers report, closes run
 * seconds in order, turns each into a snapshot for the listeners, evaluates thresholds live and
 * decides when an abortOnFail threshold ends the run.
 */
import { Aggregator, type ClosedSecond } from '../metrics/aggregator.js';
import type { SeriesPoint } from '../metrics/wire.js';
import { ScriptErrorTotals, type ScriptErrorEntry } from '../script/error-log.js';
import { abortingThresholds, evaluateThreshold, type ThresholdResult } from '../thresholds/evaluate.js';
import type { Threshold } from '../thresholds/parse.js';
import { now } from './clock.js';
import type { GeneratorHealth } from './generator-health.js';
import type { WorkerFlush } from './protocol.js';
import type { RunListener, Sampler } from './run-types.js';
import { buildSnapshot, type Snapshot } from './snapshot.js';

/** The aggregator's source index for samplers: they never hold a second open. */
const SAMPLERS = -1;

export interface MetricsEngineOptions {
  windowSeconds: number;
  thresholds: readonly Threshold[];
  listeners: readonly RunListener[];
  health: GeneratorHealth;
  /** An abortOnFail threshold failed: stop the run, with this detail. */
  abort: (detail: string) => void;
  /** Whether the run is being stopped already (then no threshold aborts it again). */
  aborted: () => boolean;
  /** A problem outside the generators (a sampler that threw), for the run's workerErrors. */
  problem: (text: string) => void;
}

export class MetricsEngine {
  readonly aggregator: Aggregator;
  /** Every second's snapshot, without the per-endpoint lists. */
  readonly timeline: Snapshot[] = [];
  private runStartAtMs = 0;
  private readonly startedIterations: Record<string, number> = {};
  private readonly scriptErrorTotals = new ScriptErrorTotals();

  constructor(private readonly options: MetricsEngineOptions) {
    this.aggregator = new Aggregator(options.windowSeconds);
  }

  /** A generator whose reports every second waits for. */
  addSource(index: number): void {
    this.aggregator.addWorker(index);
  }

  /** A generator that will report no more: seconds stop waiting for it. */
  removeSource(index: number): void {
    this.emitClosed(this.aggregator.removeWorker(index));
  }

  /** The run's start instant (coordinator's clock): seconds and rates count from it. */
  begin(runStartAtMs: number): void {
    this.runStartAtMs = runStartAtMs;
  }

  /** A generator's report for one second (or its final one). */
  ingest(index: number, report: WorkerFlush): void {
    for (const [name, k] of Object.entries(report.started))
      this.startedIterations[name] = (this.startedIterations[name] ?? 0) + k;
    this.scriptErrorTotals.add(report.errors);
    this.emitClosed(this.aggregator.ingest(index, report.second, report.points));
  }

  /** Closes every second up to `second` that is still open (a silent generator holds them). */
  closeThrough(second: number): void {
    if (this.aggregator.lastClosed < second) this.emitClosed(this.aggregator.closeThrough(second));
  }

  closeAll(): void {
    this.emitClosed(this.aggregator.closeAll());
  }

  /** Thresholds over the whole run, at its end. */
  finalThresholds(): ThresholdResult[] {
    const elapsedS = Math.max(0.001, (now() - this.runStartAtMs) / 1000);
    return this.options.thresholds.map((t) => evaluateThreshold(t, this.aggregator, elapsedS));
  }

  /** Iterations started per scenario (exact, counted by the generators at each start). */
  started(): Record<string, number> {
    return { ...this.startedIterations };
  }

  scriptErrors(): ScriptErrorEntry[] {
    return this.scriptErrorTotals.list();
  }

  /**
   * Asks every sampler near the end of each run second (at +900 ms) and files its points under
   * that second. The aggregator never waits for samplers (they are not generators), so a late
   * reading lands in the next open second instead of holding the snapshot back.
   */
  startSampling(samplers: readonly Sampler[]): { stop: () => void } {
    if (samplers.length === 0) return { stop: () => {} };
    let last = -1;
    let timer: NodeJS.Timeout | undefined;
    const tick = (): void => {
      const second = Math.floor((now() - this.runStartAtMs) / 1000);
      if (second > last && second >= 0) {
        last = second;
        for (const sampler of samplers) {
          let points: SeriesPoint[];
          try {
            points = sampler.sample(second);
          } catch (err) {
            this.options.problem(`sampler ${sampler.name}: ${(err as Error).message}`);
            continue;
          }
          if (points.length > 0) this.emitClosed(this.aggregator.ingest(SAMPLERS, second, points));
        }
      }
      const next = this.runStartAtMs + (last + 1) * 1000 + 900;
      timer = setTimeout(tick, Math.max(10, next - now()));
      timer.unref();
    };
    timer = setTimeout(tick, Math.max(0, this.runStartAtMs + 900 - now()));
    timer.unref();
    return { stop: () => clearTimeout(timer) };
  }

  private emitClosed(closed: ClosedSecond[]): void {
    for (const c of closed) {
      const lag = this.aggregator.mergeSeconds([c], 'schedule_lag');
      const lagP99 = lag && lag.count > 0 ? lag.percentile(99) / 1000 : undefined;
      const { gen, inflight } = this.options.health.closeSecond(c.second, lagP99);
      const snap = buildSnapshot(this.aggregator, c, this.runStartAtMs, gen, inflight);
      this.timeline.push({ ...snap, endpoints: [], cumulative: { ...snap.cumulative, endpoints: [] } });
      for (const l of this.options.listeners) l.onSnapshot?.(snap);
      this.evaluateLive();
    }
  }

  private evaluateLive(): void {
    const { thresholds, listeners } = this.options;
    if (thresholds.length === 0) return;
    const elapsedMs = now() - this.runStartAtMs;
    const results = thresholds.map((t) => evaluateThreshold(t, this.aggregator, elapsedMs / 1000));
    for (const l of listeners) l.onThresholds?.(results);
    const aborting = abortingThresholds(thresholds, results, elapsedMs);
    if (aborting.length > 0 && !this.options.aborted()) {
      const t = aborting[0] as Threshold;
      this.options.abort(`threshold '${t.key}: ${t.source}' failed with abortOnFail`);
    }
  }
}
