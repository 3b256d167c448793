/**
 * An agent runs its share on several threads but speaks to the controller as one generator: its
 * threads' reports for a second become one report, sent once every live thread has reported that
 * second (or once the thread that holds it back is two seconds behind the others). Points are
 * concatenated, never summed here: the controller's aggregator merges equal series as it merges
 * any two generators' (histograms merged, never averaged).
 */
import type { WorkerFlush, WorkerHealth } from '../../engine/protocol.js';

/** One report from several: points and errors concatenated, counts summed, health at its worst. */
export function combineFlushes(flushes: readonly WorkerFlush[]): WorkerFlush {
  const started: Record<string, number> = {};
  for (const f of flushes) for (const [k, v] of Object.entries(f.started)) started[k] = (started[k] ?? 0) + v;
  const health: WorkerHealth = {
    elu: Math.max(0, ...flushes.map((f) => f.health.elu)),
    loopDelayP99Ms: Math.max(0, ...flushes.map((f) => f.health.loopDelayP99Ms)),
    loopDelayMaxMs: Math.max(0, ...flushes.map((f) => f.health.loopDelayMaxMs)),
    heapUsedMB: flushes.reduce((a, f) => a + f.health.heapUsedMB, 0),
  };
  return {
    second: Math.max(0, ...flushes.map((f) => f.second)),
    points: flushes.flatMap((f) => f.points),
    health,
    errors: flushes.flatMap((f) => f.errors),
    started,
    inflight: {
      requests: flushes.reduce((a, f) => a + f.inflight.requests, 0),
      oldestAgeMs: Math.max(0, ...flushes.map((f) => f.inflight.oldestAgeMs)),
    },
  };
}

export class FlushCombiner {
  private readonly live = new Set<number>();
  private readonly pending = new Map<number, { flushes: WorkerFlush[]; from: Set<number> }>();
  private readonly dones: WorkerFlush[] = [];
  private finished = false;

  /**
   * `emit('flush', f)` once per second, then `emit('done', f)` once every thread has ended (its
   * own done, or lost): the final report holds every thread's final one.
   */
  constructor(
    threads: number,
    private readonly emit: (kind: 'flush' | 'done', flush: WorkerFlush) => void,
  ) {
    for (let i = 0; i < threads; i++) this.live.add(i);
  }

  flush(thread: number, f: WorkerFlush): void {
    let p = this.pending.get(f.second);
    if (!p) {
      p = { flushes: [], from: new Set() };
      this.pending.set(f.second, p);
    }
    p.flushes.push(f);
    p.from.add(thread);
    this.release();
  }

  done(thread: number, f: WorkerFlush): void {
    this.dones.push(f);
    this.end(thread);
  }

  /** A thread that is gone without its final report. */
  lost(thread: number): void {
    this.end(thread);
  }

  private end(thread: number): void {
    this.live.delete(thread);
    this.release();
    if (this.live.size > 0 || this.finished) return;
    this.finished = true;
    // Seconds still open (a thread ended before reporting them) go out before the final report.
    for (const s of [...this.pending.keys()].sort((a, b) => a - b)) this.out(s);
    if (this.dones.length > 0) this.emit('done', combineFlushes(this.dones));
    else this.emit('done', combineFlushes([]));
  }

  private out(second: number): void {
    const p = this.pending.get(second);
    if (!p) return;
    this.pending.delete(second);
    this.emit('flush', combineFlushes(p.flushes));
  }

  private release(): void {
    const seconds = [...this.pending.keys()].sort((a, b) => a - b);
    const newest = seconds[seconds.length - 1] ?? -1;
    for (const s of seconds) {
      const p = this.pending.get(s) as { from: Set<number> };
      const complete = [...this.live].every((t) => p.from.has(t));
      // A thread two seconds behind the others no longer holds the agent's report back.
      if (complete || newest - s >= 2) this.out(s);
      else break;
    }
  }
}
