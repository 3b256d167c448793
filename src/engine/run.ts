/**
 * One test run on this machine: spawns the worker threads (one execution segment each), starts
 * them at one agreed instant, merges their per-second flushes, evaluates thresholds live, and
 * stops cleanly on request (signal, abortOnFail, API). Listeners receive the one event stream.
 */
import { availableParallelism } from 'node:os';
import { randomUUID } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type { TestConfig } from '../config/types.js';
import { executorFor } from '../executors/registry.js';
import type { ControlChange, ExecutorPlan, NormalizedScenario } from '../executors/types.js';
import { Aggregator, type ClosedSecond } from '../metrics/aggregator.js';
import type { SeriesPoint } from '../metrics/wire.js';
import { abortingThresholds, evaluateThreshold, type ThresholdResult } from '../thresholds/evaluate.js';
import type { Threshold } from '../thresholds/parse.js';
import { now } from './clock.js';
import {
  WORKER_PROTOCOL_VERSION,
  type MainToWorker,
  type WorkerHealth,
  type WorkerInflight,
  type WorkerInit,
  type WorkerToMain,
} from './protocol.js';
import { runIsSaturated, SaturationTracker, secondStrain } from './saturation.js';
import { SegmentSequence, type Fraction } from './segments.js';
import { buildSnapshot, type GeneratorSecond, type Snapshot } from './snapshot.js';
import { VolleyError } from '../errors.js';
import { ScriptErrorTotals, type ScriptErrorEntry } from '../script/error-log.js';

export type AbortReason = 'signal' | 'threshold' | 'api';

export interface PreparedTest {
  config: TestConfig;
  scenarios: NormalizedScenario[];
  thresholds: Threshold[];
}

export interface GeneratorSummary {
  workers: number;
  saturated: boolean;
  saturatedSeconds: number;
  seconds: number;
  reasons: string[];
  cpuPercent: { avg: number; max: number };
  rssMB: { max: number };
  perWorker: {
    elu: { avg: number; max: number };
    loopDelayP99Ms: { max: number };
    heapUsedMB: { max: number };
  }[];
}

export interface RunResult {
  runId: string;
  startedAt: Date;
  endedAt: Date;
  durationMs: number;
  aggregator: Aggregator;
  thresholds: ThresholdResult[];
  aborted: { reason: AbortReason; detail: string } | undefined;
  generator: GeneratorSummary;
  /** Problems in workers (a crashed worker); the run still returns what every worker measured. */
  workerErrors: string[];
  /**
   * Why the run did not do what it planned (a worker that died, hung or was terminated, an engine
   * failure in a worker): each names the worker, its segment and the seconds lost. Never passes.
   */
  runErrors: string[];
  /** Iterations started per scenario, counted at each start in the workers (exact). */
  started: Record<string, number>;
  /** Exceptions thrown by script code, per scenario and message (the run went on). */
  scriptErrors: ScriptErrorEntry[];
  plans: { scenario: NormalizedScenario; plan: ExecutorPlan }[];
  /** Every second's snapshot, without the per-endpoint lists (for analysis: knee, bottlenecks). */
  timeline: Snapshot[];
}

export interface RunStartInfo {
  runId: string;
  workers: number;
  startedAt: Date;
  plans: { scenario: NormalizedScenario; plan: ExecutorPlan }[];
  /** Longest planned time including graceful stops. */
  maxDurationMs: number;
  /** Planned time without graceful stops. */
  plannedDurationMs: number;
}

/**
 * A source of measurements taken outside the workers (a monitored process, a Prometheus scrape),
 * asked once per run second, near its end. It answers synchronously with its latest reading, as
 * metric points for that second (trends and gauges like any other metric), or nothing.
 */
export interface Sampler {
  readonly name: string;
  sample(second: number): SeriesPoint[];
  /** Called once when the run ends. */
  close?(): void | Promise<void>;
}

export interface RunListener {
  onStart?(info: RunStartInfo): void;
  onSnapshot?(s: Snapshot): void;
  onThresholds?(results: ThresholdResult[]): void;
  onEnd?(result: RunResult): void | Promise<void>;
}

const WORKER_URL = new URL('../generators/thread/worker.js', import.meta.url);
/**
 * A worker's garbage is short-lived (one request, one iteration): a young generation capped at
 * 8 MB (V8's default grows to 48 MB) is scavenged more often for little CPU, and bounds the heap
 * headroom of each worker. 10,000 VUs with 5 s think: 383 -> 332 MB peak RSS (2 workers).
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 8 } as const;

/** Never more workers than the smallest scenario has VUs, so no segment is left without a VU. */
export function workerCount(requested: number, plans: readonly ExecutorPlan[]): number {
  const want = requested > 0 ? requested : availableParallelism();
  const capacity = Math.min(...plans.map((p) => Math.max(1, p.maxVUs)));
  return Math.max(1, Math.min(want, capacity));
}

interface WorkerSlot {
  worker: Worker;
  index: number;
  done: boolean;
  health: Map<number, WorkerHealth>;
  /** Clock time of the worker's last message: a worker silent for long is stuck. */
  lastMessageAt: number;
  /** Highest second the worker flushed (-1: none yet). */
  lastSecond: number;
  inflight: WorkerInflight;
  /** Set once its loss was reported (terminated, died), so one death gives one message. */
  lost: boolean;
}

/** A worker silent this long (it flushes every second) is shown as not responding, and stops holding seconds open. */
const SILENT_MS = 2500;
/** A worker still running this long after its hard stop is terminated (a busy loop in script code). */
const WATCHDOG_GRACE_MS = 5000;

const fractionText = (f: Fraction): string =>
  f.num === 0 || f.den === 1 ? String(f.num) : `${f.num}/${f.den}`;

export class TestRun {
  readonly runId: string;
  readonly plans: { scenario: NormalizedScenario; plan: ExecutorPlan }[];
  private readonly agg: Aggregator;
  private readonly listeners: RunListener[];
  private slots: WorkerSlot[] = [];
  private aborted: RunResult['aborted'];
  private runStartAtMs = 0;
  private lastThresholds: ThresholdResult[] = [];
  private readonly genSeconds: GeneratorSecond[] = [];
  private readonly saturation = new SaturationTracker();
  private readonly workerErrors: string[] = [];
  private readonly runErrors: string[] = [];
  /** A worker refused a process.exit() from script code (reported once per run). */
  private exitRefused = false;
  private readonly startedIterations: Record<string, number> = {};
  private segmentText: string[] = [];
  private readonly scriptErrors = new ScriptErrorTotals();
  private lastCpu = process.cpuUsage();
  private lastCpuAt = now();
  private started = false;
  private stopRequested: { graceMs: number } | undefined;
  private stopRequestedAt: number | undefined;
  private readonly samplers: Sampler[] = [];
  private readonly timeline: Snapshot[] = [];

  constructor(
    private readonly test: PreparedTest,
    listeners: RunListener[] = [],
    runId: string = randomUUID(),
  ) {
    this.runId = runId;
    this.listeners = listeners;
    this.agg = new Aggregator(test.config.windowSeconds);
    this.plans = test.scenarios.map((s) => ({ scenario: s, plan: executorFor(s.executor).plan(s) }));
  }

  /** Adds a sampler before the run starts; it is asked once per second (see Sampler). */
  addSampler(sampler: Sampler): void {
    if (this.started) throw new Error('samplers are added before the run starts');
    this.samplers.push(sampler);
  }

  get aggregator(): Aggregator {
    return this.agg;
  }

  /** Stops the run: no new iterations; in-flight ones get `graceMs`, then are interrupted. */
  stop(reason: AbortReason, detail: string, graceMs: number = this.test.config.stopGraceMs): void {
    this.aborted ??= { reason, detail };
    this.stopRequestedAt ??= now();
    this.stopRequested = { graceMs: Math.min(graceMs, this.stopRequested?.graceMs ?? Infinity) };
    this.broadcast({ type: 'stop', graceMs });
  }

  /** Live change of an externally-controlled scenario (global numbers; workers take their share). */
  control(scenario: string, change: Omit<ControlChange, 'atMs'>): void {
    const s = this.test.scenarios.find((x) => x.name === scenario);
    if (!s || s.executor !== 'externally-controlled') {
      throw new VolleyError('INVALID_USAGE', `scenario '${scenario}' is not externally-controlled`);
    }
    const atMs = now() + 50;
    // A change the workers would ignore must not be reported as applied.
    if (!this.runStartAtMs) throw new VolleyError('INVALID_USAGE', 'the run has not started yet');
    if (this.stopRequested) throw new VolleyError('INVALID_USAGE', 'the run is stopping');
    if (atMs >= this.runStartAtMs + s.startTimeMs + s.durationMs)
      throw new VolleyError('INVALID_USAGE', `scenario '${scenario}' has ended`);
    this.broadcast({ type: 'control', scenario, change: { ...change, atMs } });
  }

  private broadcast(msg: MainToWorker): void {
    for (const s of this.slots) if (!s.done) s.worker.postMessage(msg);
  }

  async run(): Promise<RunResult> {
    if (this.started) throw new Error('a TestRun runs once');
    this.started = true;
    const { config } = this.test;
    const n = workerCount(
      config.workers,
      this.plans.map((p) => p.plan),
    );
    const sequence = SegmentSequence.equal(n);
    this.segmentText = Array.from({ length: n }, (_, i) => {
      const b = sequence.boundaries;
      return `segment ${fractionText(b[i] as Fraction)}-${fractionText(b[i + 1] as Fraction)}, ${Math.round(sequence.segment(i).share * 1000) / 10}% of the load`;
    });
    let resolveAll: () => void = () => {};
    const allDone = new Promise<void>((r) => (resolveAll = r));
    let ready = 0;
    let resolveReady: () => void = () => {};
    let rejectReady: (e: Error) => void = () => {};
    const allReady = new Promise<void>((res, rej) => {
      resolveReady = res;
      rejectReady = rej;
    });

    for (let i = 0; i < n; i++) {
      const init: WorkerInit = {
        protocol: WORKER_PROTOCOL_VERSION,
        workerIndex: i,
        segmentBoundaries: [...sequence.boundaries],
        segmentIndex: i,
        scenarios: this.test.scenarios,
        request: config.request,
        script: config.script,
        http: config.http,
        tags: config.tags,
        maxEndpoints: 200,
        preciseSchedule: config.preciseSchedule,
      };
      const worker = new Worker(WORKER_URL, { workerData: init, resourceLimits: WORKER_LIMITS });
      const slot: WorkerSlot = {
        worker,
        index: i,
        done: false,
        health: new Map(),
        lastMessageAt: now(),
        lastSecond: -1,
        inflight: { requests: 0, oldestAgeMs: 0 },
        lost: false,
      };
      this.slots.push(slot);
      this.agg.addWorker(i);
      const finish = (): void => {
        if (slot.done) return;
        slot.done = true;
        this.emitClosed(this.agg.removeWorker(i));
        if (this.slots.every((s) => s.done)) resolveAll();
      };
      worker.on('message', (msg: WorkerToMain) => {
        slot.lastMessageAt = now();
        switch (msg.type) {
          case 'ready':
            if (++ready === n) resolveReady();
            break;
          case 'flush':
          case 'done':
            slot.health.set(msg.second, msg.health);
            slot.lastSecond = Math.max(slot.lastSecond, msg.second);
            slot.inflight = msg.inflight;
            for (const [name, k] of Object.entries(msg.started))
              this.startedIterations[name] = (this.startedIterations[name] ?? 0) + k;
            this.scriptErrors.add(msg.errors);
            this.emitClosed(this.agg.ingest(i, msg.second, msg.points));
            if (msg.type === 'done') finish();
            break;
          case 'exit-refused':
            // One run error for the run, however many workers refused the call.
            if (!this.exitRefused) {
              this.exitRefused = true;
              this.runErrors.push(
                `worker ${i}: the script called process.exit(${msg.code}) during the run; it was refused (a test script must not end volley or a worker) and counted as an iteration error, so the test did not run as written (see scriptErrors)`,
              );
            }
            break;
          case 'fatal':
            this.workerErrors.push(`worker ${i}: ${msg.message}`);
            this.runErrors.push(`worker ${i} (${this.segmentText[i]}) failed: ${msg.message.split('\n')[0]}`);
            break;
        }
      });
      worker.on('error', (err: Error & { code?: string }) => {
        this.workerErrors.push(`worker ${i}: ${err.stack ?? err.message}`);
        if (!this.runStartAtMs) rejectReady(err);
        else if (!slot.done)
          this.workerLost(
            slot,
            err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'ran out of memory' : 'crashed',
            err.code === 'ERR_WORKER_OUT_OF_MEMORY'
              ? 'its heap limit was reached'
              : `${err.name}: ${err.message.split('\n')[0]}`,
          );
        finish();
      });
      worker.on('exit', (code) => {
        if (!slot.done && code !== 0) this.workerErrors.push(`worker ${i} exited with code ${code}`);
        // Even a clean exit before its final flush loses the rest of the worker's share.
        if (!slot.done && this.runStartAtMs)
          this.workerLost(slot, code === 0 ? 'ended before its final report' : `exited with code ${code}`);
        finish();
      });
    }

    try {
      await allReady;
    } catch (err) {
      await Promise.all(this.slots.map((s) => s.worker.terminate()));
      throw new VolleyError('RUNTIME', `a worker failed to start: ${(err as Error).message}`, { cause: err });
    }
    this.runStartAtMs = now() + 50;
    // The agreed start instant on the wall clock: the first second of traffic, not the spawn.
    const startedAt = new Date(Date.now() + (this.runStartAtMs - now()));
    for (const s of this.slots) s.lastMessageAt = this.runStartAtMs;
    const plannedDurationMs = Math.max(...this.plans.map((p) => p.scenario.startTimeMs + p.plan.durationMs));
    const maxDurationMs = Math.max(...this.plans.map((p) => p.scenario.startTimeMs + p.plan.maxDurationMs));
    for (const l of this.listeners) {
      l.onStart?.({
        runId: this.runId,
        workers: n,
        startedAt,
        plans: this.plans,
        maxDurationMs,
        plannedDurationMs,
      });
    }
    this.broadcast({ type: 'start', runStartAtMs: this.runStartAtMs });
    if (this.stopRequested) this.broadcast({ type: 'stop', graceMs: this.stopRequested.graceMs });

    // Safety net: a worker that outlives its hard stop (a busy loop in script code never yields, so
    // its hung iterations cannot be abandoned) is terminated; what it flushed before stays, and the
    // loss is an error. Meanwhile seconds a silent worker holds open are closed without it, so the
    // live view goes on and says which worker is not responding.
    const watchdog = setInterval(() => {
      const t = now();
      const planned = this.runStartAtMs + maxDurationMs + WATCHDOG_GRACE_MS;
      const stopped =
        this.stopRequestedAt === undefined
          ? Infinity
          : this.stopRequestedAt + (this.stopRequested?.graceMs ?? 0) + WATCHDOG_GRACE_MS;
      if (t > Math.min(planned, stopped)) {
        for (const s of this.slots) {
          if (s.done || s.lost) continue;
          const silentS = Math.round((t - s.lastMessageAt) / 1000);
          this.workerErrors.push(`worker ${s.index} did not stop in time and was terminated`);
          this.workerLost(
            s,
            'was terminated',
            `still running ${WATCHDOG_GRACE_MS / 1000}s after its hard stop${silentS >= 2 ? `, not responding for ${silentS}s: its event loop is blocked (a busy loop?)` : ''}`,
          );
          void s.worker.terminate();
        }
      }
      const second = Math.floor((t - this.runStartAtMs) / 1000);
      const silent = this.slots.some((s) => !s.done && t - s.lastMessageAt > SILENT_MS);
      if (silent && this.agg.lastClosed < second - 2) this.emitClosed(this.agg.closeThrough(second - 2));
    }, 250);
    watchdog.unref();
    const sampling = this.startSampling();
    await allDone;
    clearInterval(watchdog);
    sampling.stop();
    await Promise.all(this.samplers.map((x) => x.close?.()));
    this.emitClosed(this.agg.closeAll());
    const endedAt = new Date();
    const elapsedS = Math.max(0.001, (now() - this.runStartAtMs) / 1000);
    this.lastThresholds = this.test.thresholds.map((t) => evaluateThreshold(t, this.agg, elapsedS));
    const result: RunResult = {
      runId: this.runId,
      startedAt,
      endedAt,
      durationMs: Math.max(0, now() - this.runStartAtMs),
      aggregator: this.agg,
      thresholds: this.lastThresholds,
      aborted: this.aborted,
      generator: this.generatorSummary(n),
      workerErrors: this.workerErrors,
      runErrors: this.runErrors,
      started: { ...this.startedIterations },
      scriptErrors: this.scriptErrors.list(),
      plans: this.plans,
      timeline: this.timeline,
    };
    for (const l of this.listeners) await l.onEnd?.(result);
    return result;
  }

  /**
   * Asks every sampler near the end of each run second (at +900 ms) and files its points under
   * that second. The aggregator never waits for samplers (they are not workers), so a late
   * reading lands in the next open second instead of holding the snapshot back.
   */
  private startSampling(): { stop: () => void } {
    if (this.samplers.length === 0) return { stop: () => {} };
    let last = -1;
    let timer: NodeJS.Timeout | undefined;
    const tick = (): void => {
      const second = Math.floor((now() - this.runStartAtMs) / 1000);
      if (second > last && second >= 0) {
        last = second;
        for (const sampler of this.samplers) {
          let points: SeriesPoint[];
          try {
            points = sampler.sample(second);
          } catch (err) {
            this.workerErrors.push(`sampler ${sampler.name}: ${(err as Error).message}`);
            continue;
          }
          if (points.length > 0) this.emitClosed(this.agg.ingest(-1, second, points));
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

  /** A worker that ended before its `done`: its share of the load after its last flush is lost. */
  private workerLost(slot: WorkerSlot, how: string, why?: string): void {
    if (slot.lost || slot.done) return;
    slot.lost = true;
    const at = Math.max(0, Math.floor((now() - this.runStartAtMs) / 1000));
    const kept =
      slot.lastSecond < 0
        ? 'nothing it measured reached the summary'
        : `what it measured after second ${slot.lastSecond + 1} is lost`;
    this.runErrors.push(
      `worker ${slot.index} (${this.segmentText[slot.index]}) ${how} at second ${at + 1}${why ? ` (${why})` : ''}: ${kept}, and its share of the load was not sent after that`,
    );
  }

  private emitClosed(closed: ClosedSecond[]): void {
    for (const c of closed) {
      const workers = this.slots
        .map((s) => s.health.get(c.second))
        .filter((h): h is WorkerHealth => h !== undefined);
      for (const s of this.slots) s.health.delete(c.second);
      const t = now();
      const cpu = process.cpuUsage(this.lastCpu);
      const cpuPercent = ((cpu.user + cpu.system) / 1000 / Math.max(1, t - this.lastCpuAt)) * 100;
      this.lastCpu = process.cpuUsage();
      this.lastCpuAt = t;
      const lag = this.agg.mergeSeconds([c], 'schedule_lag');
      const lagP99 = lag && lag.count > 0 ? lag.percentile(99) / 1000 : undefined;
      // Saturation is sustained and per resource (src/engine/saturation.ts): `strained` is this
      // second's reading, `saturated`/`reasons` only what held.
      const strain = secondStrain(workers, lagP99, {
        polling: this.test.config.preciseSchedule === true,
        cpuPercent,
      });
      const held = this.saturation.push(strain);
      const unresponsive = this.slots
        .filter((s) => !s.done && t - s.lastMessageAt > SILENT_MS)
        .map((s) => ({ worker: s.index, silentMs: Math.round(t - s.lastMessageAt) }));
      const gen: GeneratorSecond = {
        workers,
        unresponsive,
        cpuPercent: Math.round(cpuPercent),
        rssMB: Math.round(process.memoryUsage.rss() / 1048576),
        saturated: held.length > 0,
        reasons: held.map((h) => h.detail),
        strained: strain.map((h) => h.detail),
      };
      this.genSeconds.push(gen);
      const inflight = { requests: 0, oldestAgeMs: 0 };
      for (const s of this.slots) {
        if (s.done) continue;
        inflight.requests += s.inflight.requests;
        // A silent worker's requests have aged since it reported them.
        const aged = s.inflight.requests > 0 ? s.inflight.oldestAgeMs + Math.max(0, t - s.lastMessageAt) : 0;
        inflight.oldestAgeMs = Math.max(inflight.oldestAgeMs, Math.round(aged));
      }
      const snap = buildSnapshot(this.agg, c, this.runStartAtMs, gen, inflight);
      this.timeline.push({ ...snap, endpoints: [], cumulative: { ...snap.cumulative, endpoints: [] } });
      for (const l of this.listeners) l.onSnapshot?.(snap);
      this.evaluateLive();
    }
  }

  private evaluateLive(): void {
    if (this.test.thresholds.length === 0) return;
    const elapsedMs = now() - this.runStartAtMs;
    const results = this.test.thresholds.map((t) => evaluateThreshold(t, this.agg, elapsedMs / 1000));
    this.lastThresholds = results;
    for (const l of this.listeners) l.onThresholds?.(results);
    const aborting = abortingThresholds(this.test.thresholds, results, elapsedMs);
    if (aborting.length > 0 && !this.aborted) {
      const t = aborting[0] as Threshold;
      this.stop('threshold', `threshold '${t.key}: ${t.source}' failed with abortOnFail`);
    }
  }

  private generatorSummary(workers: number): GeneratorSummary {
    const secs = this.genSeconds;
    const perWorker: GeneratorSummary['perWorker'] = [];
    for (let w = 0; w < workers; w++) {
      const hs = secs.map((g) => g.workers[w]).filter((h): h is WorkerHealth => h !== undefined);
      perWorker.push({
        elu: {
          avg: hs.length ? Math.round((hs.reduce((a, h) => a + h.elu, 0) / hs.length) * 1000) / 1000 : 0,
          max: Math.max(0, ...hs.map((h) => h.elu)),
        },
        loopDelayP99Ms: { max: Math.round(Math.max(0, ...hs.map((h) => h.loopDelayP99Ms)) * 10) / 10 },
        heapUsedMB: { max: Math.max(0, ...hs.map((h) => h.heapUsedMB)) },
      });
    }
    const cpu = secs.map((g) => g.cpuPercent);
    return {
      workers,
      saturated: runIsSaturated(this.saturation.saturatedSeconds, secs.length),
      saturatedSeconds: this.saturation.saturatedSeconds,
      seconds: secs.length,
      reasons: this.saturation.reasons(),
      cpuPercent: {
        avg: cpu.length ? Math.round(cpu.reduce((a, b) => a + b, 0) / cpu.length) : 0,
        max: Math.max(0, ...cpu),
      },
      rssMB: { max: Math.max(0, ...secs.map((g) => g.rssMB)) },
      perWorker,
    };
  }
}
