/**
 * The coordinator: the generators' lifecycle, through the Generator interface alone
 * (src/engine/generator.ts). It cuts the test into segments by the generators' weights, initialises
 * them (bounded in time), starts them at one agreed instant, broadcasts stop and live control,
 * terminates a generator that outlives its hard stop, and says what a lost generator cost the run.
 * Their reports go to the metrics engine and to generator health; it computes nothing of its own.
 */
import { VolleyError } from '../errors.js';
import { now } from './clock.js';
import type { Generator, GeneratorFatal } from './generator.js';
import type { GeneratorPart } from '../summary/input.js';
import type { GeneratorHealth } from './generator-health.js';
import type { MetricsEngine } from './metrics-engine.js';
import type { GeneratorSpec } from './protocol.js';
import { SegmentSequence, type Fraction } from '../executors/segments.js';
import { isHeadlineCount } from '../metrics/definitions.js';
import type { WorkerFlush } from './protocol.js';

/** Requests (every protocol's headline count) in one report. */
const headlineRequests = (r: WorkerFlush): number =>
  r.points.reduce((a, p) => (isHeadlineCount(p.metric) ? a + p.sum : a), 0);

export interface CoordinatorTimings {
  /** A generator silent this long (it reports every second) is not responding, and stops holding seconds open. */
  silentMs: number;
  /** A generator still running this long after its hard stop is terminated (a busy loop in script code). */
  watchdogGraceMs: number;
  /** Every generator must be ready within this long of its init, or the run fails. */
  initTimeoutMs: number;
  /** The start instant is this far after the last generator is ready, so all get the message in time. */
  startDelayMs: number;
  /** How often the watchdog looks. */
  watchdogTickMs: number;
}

export const DEFAULT_TIMINGS: CoordinatorTimings = {
  silentMs: 2500,
  watchdogGraceMs: 5000,
  initTimeoutMs: 60_000,
  startDelayMs: 50,
  watchdogTickMs: 250,
};

/** Where the run's problems go (the RunResult's lists). */
export interface RunProblems {
  workerErrors: string[];
  runErrors: string[];
}

/**
 * One generator's part in the run, for the result: its segment, share, requests, and whether it
 * finished or was lost (declared with the summary model, which reads it).
 */
export type GeneratorReport = GeneratorPart;

interface Slot {
  generator: Generator;
  index: number;
  /** Its units of the run's unit segments: [first, first + count). */
  firstUnit: number;
  /** Finished (its `done`), or gone and accounted for. */
  ended: boolean;
  /** Its loss was reported (terminated, died), so one death gives one message. */
  lost: boolean;
}

const fractionText = (f: Fraction): string =>
  f.num === 0 || f.den === 1 ? String(f.num) : `${f.num}/${f.den}`;

/** How a lost generator's end reads in the run errors: `crashed`, `exited with code 1`. */
function lossText(f: GeneratorFatal): { how: string; why?: string } {
  switch (f.code) {
    case 'out-of-memory':
      return { how: 'ran out of memory', why: f.message };
    case 'exited':
      return { how: f.exitCode === 0 ? 'ended before its final report' : `exited with code ${f.exitCode}` };
    case 'disconnected':
      return { how: 'was lost', why: f.message };
    default:
      return { how: 'crashed', why: f.message };
  }
}

export interface CoordinatedRun {
  /** The spec for generator `index`, which owns `count` units of `units` from unit `first`. */
  spec(index: number, units: SegmentSequence, first: number, count: number): GeneratorSpec;
  /** Longest planned time including graceful stops, from the start instant. */
  maxDurationMs: number;
  /** Every generator is ready; called with the start instant just before they are told it. */
  starting(runStartAtMs: number): void;
}

export class Coordinator {
  private slots: Slot[] = [];
  private started = false;
  private exitRefused = false;
  private stopRequested: { graceMs: number } | undefined;
  private stopRequestedAt: number | undefined;
  private segmentText: string[] = [];
  private segmentRange: string[] = [];
  private shares: number[] = [];
  private readonly lostAt = new Map<number, { second: number; reason: string }>();
  private requests: number[] = [];
  /** The agreed start instant on the coordinator's clock (0 until then). */
  runStartAtMs = 0;

  constructor(
    private readonly generators: readonly Generator[],
    private readonly health: GeneratorHealth,
    private readonly metrics: MetricsEngine,
    private readonly problems: RunProblems,
    private readonly timings: CoordinatorTimings = DEFAULT_TIMINGS,
  ) {
    if (generators.length === 0) throw new VolleyError('RUNTIME', 'a run needs at least one generator');
  }

  get count(): number {
    return this.generators.length;
  }

  /** Whether a stop was asked for. */
  get stopping(): boolean {
    return this.stopRequested !== undefined;
  }

  /**
   * No new iterations; in-flight ones get `graceMs`. Before the start, the generators get it with
   * the start. `at`: when the stop was asked for (the watchdog's deadline counts from it).
   */
  stop(graceMs: number, at: number = now()): void {
    this.stopRequestedAt ??= at;
    this.stopRequested = { graceMs: Math.min(graceMs, this.stopRequested?.graceMs ?? Infinity) };
    for (const s of this.slots) if (!s.ended) s.generator.stop(graceMs);
  }

  /**
   * A live change, applied by every generator `delayMs` from now (so all get it before it applies),
   * expressed as ms since the run's start. `endsAtRunMs`: the scenario's end, after which it is refused.
   */
  control(
    scenario: string,
    change: { vus?: number; ratePerSec?: number },
    endsAtRunMs: number,
    delayMs = 50,
  ): void {
    // A change the generators would ignore must not be reported as applied.
    if (!this.runStartAtMs) throw new VolleyError('INVALID_USAGE', 'the run has not started yet');
    if (this.stopRequested) throw new VolleyError('INVALID_USAGE', 'the run is stopping');
    const atRunMs = now() + delayMs - this.runStartAtMs;
    if (atRunMs >= endsAtRunMs) throw new VolleyError('INVALID_USAGE', `scenario '${scenario}' has ended`);
    for (const s of this.slots) if (!s.ended) s.generator.control(scenario, { ...change, atRunMs });
  }

  /** Each generator's part in the run: segment, share, and whether it finished or was lost (after `run`). */
  reports(): GeneratorReport[] {
    return this.slots.map((s) => {
      const lost = this.lostAt.get(s.index);
      const r: GeneratorReport = {
        label: s.generator.label,
        weight: s.generator.weight,
        segment: this.segmentRange[s.index] as string,
        share: this.shares[s.index] as number,
        state: lost ? 'lost' : 'finished',
        lastSecond: this.health.lastSecond(s.index),
        requests: this.requests[s.index] ?? 0,
      };
      if (lost) {
        r.lostAtSecond = lost.second;
        r.lostReason = lost.reason;
      }
      const d = s.generator.describe?.();
      if (d) r.description = d;
      return r;
    });
  }

  /** Runs the generators from init to their last report; resolves when every one has finished or is lost. */
  async run(run: CoordinatedRun): Promise<void> {
    if (this.started) throw new Error('a coordinator runs once');
    this.started = true;
    // One unit segment per unit of weight: a generator owns `weight` consecutive units, so an agent
    // can deal its units to its own threads and every thread of every agent holds one segment of
    // the same sequence (the union is exactly the whole test).
    const weights = this.generators.map((g) => g.weight);
    for (const w of weights)
      if (!Number.isSafeInteger(w) || w < 1)
        throw new VolleyError('RUNTIME', `a generator's weight must be a positive integer (got ${w})`);
    const total = weights.reduce((a, w) => a + w, 0);
    const units = SegmentSequence.equal(total);
    const b = units.boundaries;
    const firsts: number[] = [];
    weights.reduce((first, w) => (firsts.push(first), first + w), 0);
    this.segmentRange = this.generators.map((_, i) => {
      const first = firsts[i] as number;
      return `${fractionText(b[first] as Fraction)}-${fractionText(b[first + (weights[i] as number)] as Fraction)}`;
    });
    this.shares = weights.map((w) => w / total);
    this.segmentText = this.generators.map(
      (_, i) =>
        `segment ${this.segmentRange[i]}, ${Math.round((this.shares[i] as number) * 1000) / 10}% of the load`,
    );
    let resolveAll: () => void = () => {};
    const allDone = new Promise<void>((r) => (resolveAll = r));
    let failInit: (err: Error) => void = () => {};
    const initFailed = new Promise<never>((_, reject) => (failInit = reject));
    // Raced during init only; a failure after the race settled is not an unhandled rejection.
    initFailed.catch(() => {});

    this.slots = this.generators.map((generator, index) => ({
      generator,
      index,
      firstUnit: firsts[index] as number,
      ended: false,
      lost: false,
    }));
    const finish = (slot: Slot): void => {
      if (slot.ended) return;
      slot.ended = true;
      this.health.ended(slot.index);
      this.metrics.removeSource(slot.index);
      if (this.slots.every((s) => s.ended)) resolveAll();
    };
    for (const slot of this.slots) {
      const { generator: g, index: i } = slot;
      this.health.add(i);
      this.metrics.addSource(i);
      this.requests[i] = 0;
      g.on('flush', (r) => {
        this.requests[i] = (this.requests[i] as number) + headlineRequests(r);
        // Health first: closing the second reads the generator's health report for it.
        this.health.report(i, r);
        this.metrics.ingest(i, r);
      });
      g.on('done', (r) => {
        this.requests[i] = (this.requests[i] as number) + headlineRequests(r);
        this.health.report(i, r);
        this.metrics.ingest(i, r);
        finish(slot);
      });
      g.on('exit-refused', (code) => {
        this.health.heard(i);
        // One run error for the run, however many generators refused the call.
        if (this.exitRefused) return;
        this.exitRefused = true;
        this.problems.runErrors.push(
          `${g.label}: the script called process.exit(${code}) during the run; it was refused (a test script must not end volley or a worker) and counted as an iteration error, so the test did not run as written (see scriptErrors)`,
        );
      });
      g.on('fatal', (f) => {
        this.health.heard(i);
        if (f.code === 'engine-failed') {
          // Not terminal: its `done` follows with what it measured.
          this.problems.workerErrors.push(`${g.label}: ${f.detail}`);
          this.problems.runErrors.push(`${g.label} (${this.segmentText[i]}) failed: ${f.message}`);
          return;
        }
        if (!this.runStartAtMs) {
          failInit(new Error(f.code === 'exited' ? f.detail : f.message));
          return;
        }
        if (f.code !== 'exited') this.problems.workerErrors.push(`${g.label}: ${f.detail}`);
        else if (f.exitCode !== 0) this.problems.workerErrors.push(f.detail);
        const { how, why } = lossText(f);
        this.lost(slot, how, why);
        finish(slot);
      });
    }

    await this.initAll(run, units, initFailed);
    this.runStartAtMs = now() + this.timings.startDelayMs;
    this.health.heardAllAt(this.runStartAtMs);
    this.metrics.begin(this.runStartAtMs);
    run.starting(this.runStartAtMs);
    for (const s of this.slots) if (!s.ended) s.generator.start(this.runStartAtMs);
    if (this.stopRequested)
      for (const s of this.slots) if (!s.ended) s.generator.stop(this.stopRequested.graceMs);

    // Not unref'd: a generator that is neither reporting nor keeping the process busy must still be
    // ended by the watchdog, not leave the run waiting in an empty event loop.
    const watchdog = setInterval(() => this.watch(run.maxDurationMs, finish), this.timings.watchdogTickMs);
    try {
      await allDone;
    } finally {
      clearInterval(watchdog);
    }
  }

  /** Every generator ready, or the run fails: one that cannot start, or does not answer in time, ends them all. */
  private async initAll(
    run: CoordinatedRun,
    units: SegmentSequence,
    initFailed: Promise<never>,
  ): Promise<void> {
    const ready = this.slots.map(() => false);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const late = this.slots.filter((s) => !ready[s.index]).map((s) => s.generator.label);
        reject(
          new Error(
            `${late.join(', ')} did not become ready within ${this.timings.initTimeoutMs / 1000}s (loading the test hangs?)`,
          ),
        );
      }, this.timings.initTimeoutMs);
    });
    const inits = this.slots.map(async (s) => {
      await s.generator.init(run.spec(s.index, units, s.firstUnit, s.generator.weight));
      ready[s.index] = true;
      this.health.heard(s.index);
    });
    try {
      await Promise.race([Promise.all(inits), initFailed, timedOut]);
    } catch (err) {
      // Also the inits still pending: their generators are terminated below.
      for (const p of inits) p.catch(() => {});
      await this.terminateAll();
      const message = err instanceof Error ? err.message : String(err);
      throw new VolleyError('RUNTIME', `a worker failed to start: ${message}`, { cause: err });
    } finally {
      clearTimeout(timer);
    }
  }

  /** Terminates every generator, waiting at most the watchdog's grace for them to confirm. */
  private async terminateAll(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((r) => (timer = setTimeout(r, this.timings.watchdogGraceMs)));
    const all = Promise.all(this.slots.map((s) => s.generator.terminate().catch(() => {})));
    await Promise.race([all, bound]);
    clearTimeout(timer);
    for (const s of this.slots) s.ended = true;
  }

  /**
   * Safety net: a generator that outlives its hard stop (a busy loop in script code never yields,
   * so its hung iterations cannot be abandoned) is terminated; what it reported before stays, and
   * the loss is an error. Meanwhile seconds a silent generator holds open are closed without it, so
   * the live view goes on and says which generator is not responding.
   */
  private watch(maxDurationMs: number, finish: (slot: Slot) => void): void {
    const t = now();
    const grace = this.timings.watchdogGraceMs;
    const planned = this.runStartAtMs + maxDurationMs + grace;
    const stopped =
      this.stopRequestedAt === undefined
        ? Infinity
        : this.stopRequestedAt + (this.stopRequested?.graceMs ?? 0) + grace;
    if (t > Math.min(planned, stopped)) {
      for (const s of this.slots) {
        if (s.ended || s.lost) continue;
        const silentS = Math.round(this.health.silentMs(s.index, t) / 1000);
        this.problems.workerErrors.push(`${s.generator.label} did not stop in time and was terminated`);
        this.lost(
          s,
          'was terminated',
          `still running ${grace / 1000}s after its hard stop${silentS >= 2 ? `, not responding for ${silentS}s: its event loop is blocked (a busy loop?)` : ''}`,
        );
        // Bounded like the rest: a generator that does not confirm its end is given up on.
        let timer: NodeJS.Timeout | undefined;
        const gone = new Promise<void>((r) => (timer = setTimeout(r, grace)));
        void Promise.race([s.generator.terminate().catch(() => {}), gone]).then(() => {
          clearTimeout(timer);
          finish(s);
        });
      }
    }
    const second = Math.floor((t - this.runStartAtMs) / 1000);
    if (this.health.anySilent(t)) this.metrics.closeThrough(second - 2);
  }

  /** A generator that ended before its `done`: its share of the load after its last report is lost. */
  private lost(slot: Slot, how: string, why?: string): void {
    if (slot.lost || slot.ended) return;
    slot.lost = true;
    const at = Math.max(0, Math.floor((now() - this.runStartAtMs) / 1000));
    const last = this.health.lastSecond(slot.index);
    this.lostAt.set(slot.index, { second: at + 1, reason: why ? `${how} (${why})` : how });
    const kept =
      last < 0
        ? 'nothing it measured reached the summary'
        : `what it measured after second ${last + 1} is lost`;
    this.problems.runErrors.push(
      `${slot.generator.label} (${this.segmentText[slot.index]}) ${how} at second ${at + 1}${why ? ` (${why})` : ''}: ${kept}, and its share of the load was not sent after that`,
    );
  }
}
