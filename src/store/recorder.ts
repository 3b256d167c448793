/**
 * Records a run into the store as it happens: the row when traffic starts, each second as it
 * closes (so a crash or a kill keeps every second measured) with its full snapshot and the live
 * threshold results (what `volley serve` streams to the dashboard for a run it did not start),
 * the summary, final histograms and thresholds at the end. A store failure mid-run is reported once and recording stops; the run
 * itself, its terminal summary and its --out files go on.
 */
import type { RunListener, RunResult, RunStartInfo } from '../engine/run.js';
import type { Snapshot } from '../engine/snapshot.js';
import { headlineMetrics } from '../metrics/definitions.js';
import { encodeHistogram } from '../metrics/histogram.js';
import type { Summary } from '../summary/summary.js';
import type { ProcessRef } from './pid-alive.js';
import type { ThresholdResult } from '../thresholds/evaluate.js';
import type { HistogramRecord, RunStore } from './run-store.js';
import { liveThresholds } from '../summary/series-point.js';
import type { ControllableScenario, RunSource } from './types.js';

export interface RecorderOptions {
  id: string;
  source: RunSource;
  name: string;
  config: unknown;
  /** The process running the run (this one), with its start time and host. */
  process: ProcessRef;
  /** The host:port the run sends to, if known: recorded so a concurrent run against it can be refused. */
  target?: string;
  /** Told once when the store fails during the run. */
  warn: (message: string) => void;
}

/** Final HDR histograms of every trend, and of each protocol's headline duration per endpoint. */
export function finalHistograms(result: RunResult): HistogramRecord[] {
  const agg = result.aggregator;
  const out: HistogramRecord[] = [];
  for (const metric of agg.metricNames()) {
    const st = agg.total(metric);
    if (st?.hist && st.count > 0) out.push({ metric, encoded: encodeHistogram(st.hist) });
  }
  for (const e of agg.endpoints())
    for (const { duration } of headlineMetrics()) {
      const st = agg.total(duration, e);
      if (st?.hist && st.count > 0)
        out.push({
          metric: duration,
          scenario: e.scenario,
          method: e.method,
          name: e.name,
          encoded: encodeHistogram(st.hist),
        });
    }
  return out;
}

export function controllableScenarios(info: Pick<RunStartInfo, 'plans'>): ControllableScenario[] {
  return info.plans
    .filter((p) => p.scenario.executor === 'externally-controlled')
    .map((p) => ({
      scenario: p.scenario.name,
      mode: p.plan.openLoop ? ('rate' as const) : ('vus' as const),
      maxVUs: p.plan.maxVUs,
    }));
}

export class RunRecorder implements RunListener {
  private failed = false;
  private result: RunResult | undefined;

  constructor(
    private readonly store: RunStore,
    private readonly opts: RecorderOptions,
  ) {}

  private guard(what: string, fn: () => void): void {
    if (this.failed) return;
    try {
      fn();
    } catch (err) {
      this.failed = true;
      this.opts.warn(
        `the run store (${this.store.path}) failed while ${what}: ${(err as Error).message}; this run is no longer recorded there (its summary and --out files are unaffected)`,
      );
    }
  }

  onStart(info: RunStartInfo): void {
    this.guard('recording the start', () =>
      this.store.markRunning({
        id: this.opts.id,
        source: this.opts.source,
        name: this.opts.name,
        startedAt: info.startedAt,
        executors: [...new Set(info.plans.map((p) => p.scenario.executor))],
        controllable: controllableScenarios(info),
        config: this.opts.config,
        process: this.opts.process,
        target: this.opts.target ?? null,
      }),
    );
  }

  onSnapshot(s: Snapshot): void {
    this.guard(`recording second ${s.second}`, () => this.store.addSecond(this.opts.id, s));
  }

  onThresholds(results: ThresholdResult[]): void {
    this.guard('recording live thresholds', () =>
      this.store.setLiveThresholds(this.opts.id, liveThresholds(results)),
    );
  }

  onEnd(result: RunResult): void {
    this.result = result;
  }

  /** The summary exists: the run is finished (passed, failed or aborted). */
  finish(summary: Summary, exitCode: number): void {
    const result = this.result;
    this.guard('recording the summary', () =>
      this.store.finishRun(this.opts.id, {
        summary,
        exitCode,
        histograms: result ? finalHistograms(result) : [],
        thresholds: (result?.thresholds ?? []).map((t) => ({
          metric: t.key,
          expression: t.source,
          ok: t.ok,
          actual: t.actual ?? null,
        })),
      }),
    );
  }

  /** The run never reached a summary (an exception after it was recorded as started). */
  fail(error: string, exitCode: number | null): void {
    this.guard('recording the failure', () => this.store.failRun(this.opts.id, error, exitCode));
  }
}
