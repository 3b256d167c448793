/**
 * Generator health, apart from the metrics and from the generators' lifecycle: which generator has
 * gone silent, what each reported about its own event loop and heap, what is still in flight, and
 * whether the generators (not the target) were the bottleneck (src/engine/saturation.ts). Gives
 * each closed second its GeneratorSecond and the run its GeneratorSummary.
 */
import { now } from './clock.js';
import type { WorkerFlush, WorkerHealth, WorkerInflight } from './protocol.js';
import type { GeneratorSummary } from './run-types.js';
import { runIsSaturated, SaturationTracker, secondStrain } from './saturation.js';
import type { GeneratorSecond } from './snapshot.js';

interface Watched {
  /** Each second's health report, until that second is closed. */
  health: Map<number, WorkerHealth>;
  /** Clock time the generator was last heard from: a generator silent for long is stuck. */
  lastHeardAt: number;
  /** Highest second it reported (-1: none yet). */
  lastSecond: number;
  inflight: WorkerInflight;
  /** Finished or lost: no longer expected to speak. */
  ended: boolean;
}

export interface GeneratorHealthOptions {
  /** A generator silent this long (it reports every second) is not responding. */
  silentMs: number;
  /** Open-loop precise scheduling polls on purpose: a busy event loop is not a strain then. */
  polling: boolean;
}

export class GeneratorHealth {
  private readonly watched = new Map<number, Watched>();
  private readonly seconds: GeneratorSecond[] = [];
  private readonly saturation = new SaturationTracker();
  private lastCpu = process.cpuUsage();
  private lastCpuAt = now();

  constructor(private readonly options: GeneratorHealthOptions) {}

  private get(index: number): Watched {
    const w = this.watched.get(index);
    if (!w) throw new RangeError(`generator ${index} is not watched`);
    return w;
  }

  add(index: number): void {
    this.watched.set(index, {
      health: new Map(),
      lastHeardAt: now(),
      lastSecond: -1,
      inflight: { requests: 0, oldestAgeMs: 0 },
      ended: false,
    });
  }

  /** Any sign of life. */
  heard(index: number, at: number = now()): void {
    this.get(index).lastHeardAt = at;
  }

  /** Silence is counted from `at` (the run's start: loading the test is not silence). */
  heardAllAt(at: number): void {
    for (const w of this.watched.values()) w.lastHeardAt = at;
  }

  /** A second's report (or the final one): its health, what is in flight, how far it got. */
  report(index: number, r: WorkerFlush): void {
    const w = this.get(index);
    w.lastHeardAt = now();
    w.health.set(r.second, r.health);
    w.lastSecond = Math.max(w.lastSecond, r.second);
    w.inflight = r.inflight;
  }

  ended(index: number): void {
    this.get(index).ended = true;
  }

  /** Highest second the generator reported (-1: none). */
  lastSecond(index: number): number {
    return this.get(index).lastSecond;
  }

  /** Milliseconds since the generator was last heard from. */
  silentMs(index: number, t: number = now()): number {
    return t - this.get(index).lastHeardAt;
  }

  /** Whether a running generator has been silent past the limit. */
  anySilent(t: number = now()): boolean {
    for (const w of this.watched.values())
      if (!w.ended && t - w.lastHeardAt > this.options.silentMs) return true;
    return false;
  }

  /**
   * The generators' side of a second that just closed: their health reports for it, the
   * coordinator's CPU and memory since the previous one, what is strained and what saturated, who
   * is not responding; and the requests in flight now.
   */
  closeSecond(
    second: number,
    scheduleLagP99Ms: number | undefined,
  ): { gen: GeneratorSecond; inflight: WorkerInflight } {
    const t = now();
    const workers: WorkerHealth[] = [];
    for (const w of this.watched.values()) {
      const h = w.health.get(second);
      if (h !== undefined) workers.push(h);
      w.health.delete(second);
    }
    const cpu = process.cpuUsage(this.lastCpu);
    const cpuPercent = ((cpu.user + cpu.system) / 1000 / Math.max(1, t - this.lastCpuAt)) * 100;
    this.lastCpu = process.cpuUsage();
    this.lastCpuAt = t;
    // Saturation is sustained and per resource (src/engine/saturation.ts): `strained` is this
    // second's reading, `saturated`/`reasons` only what held.
    const strain = secondStrain(workers, scheduleLagP99Ms, { polling: this.options.polling, cpuPercent });
    const held = this.saturation.push(strain);
    const unresponsive: GeneratorSecond['unresponsive'] = [];
    const inflight = { requests: 0, oldestAgeMs: 0 };
    for (const [index, w] of this.watched) {
      if (w.ended) continue;
      if (t - w.lastHeardAt > this.options.silentMs)
        unresponsive.push({ worker: index, silentMs: Math.round(t - w.lastHeardAt) });
      inflight.requests += w.inflight.requests;
      // A silent generator's requests have aged since it reported them.
      const aged = w.inflight.requests > 0 ? w.inflight.oldestAgeMs + Math.max(0, t - w.lastHeardAt) : 0;
      inflight.oldestAgeMs = Math.max(inflight.oldestAgeMs, Math.round(aged));
    }
    const gen: GeneratorSecond = {
      workers,
      unresponsive,
      cpuPercent: Math.round(cpuPercent),
      rssMB: Math.round(process.memoryUsage.rss() / 1048576),
      saturated: held.length > 0,
      reasons: held.map((h) => h.detail),
      strained: strain.map((h) => h.detail),
    };
    this.seconds.push(gen);
    return { gen, inflight };
  }

  summary(): GeneratorSummary {
    const secs = this.seconds;
    const count = this.watched.size;
    const perWorker: GeneratorSummary['perWorker'] = [];
    for (let w = 0; w < count; w++) {
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
      workers: count,
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
