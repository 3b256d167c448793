/**
 * The live progress display on stderr: one rewritten line on a TTY, plain periodic lines
 * otherwise (pipes, CI=true). Consumes the run's event stream like every other output.
 */
import type { RunListener, RunStartInfo } from '../engine/run.js';
import type { Snapshot } from '../engine/snapshot.js';
import { count, ms, pct } from './format.js';

export interface ProgressOptions {
  write: (text: string) => void;
  tty: boolean;
  /** Seconds between plain lines when not a TTY. */
  plainEverySeconds: number;
}

export class Progress implements RunListener {
  private info: RunStartInfo | undefined;
  private lastPlain = -Infinity;
  private wroteLine = false;
  /** Iteration executors end by count, not by time: progress shows iterations done of planned. */
  private plannedIterations: number | undefined;
  private iterationsDone = 0;
  constructor(private readonly opts: ProgressOptions) {}

  onStart(info: RunStartInfo): void {
    this.info = info;
    const counted = info.plans.every((p) => !p.plan.openLoop && p.plan.plannedIterations !== undefined);
    this.plannedIterations = counted
      ? info.plans.reduce((a, p) => a + (p.plan.plannedIterations ?? 0), 0)
      : undefined;
    const plans = info.plans
      .map((p) => `${p.scenario.name}: ${p.scenario.executor}, up to ${p.plan.maxVUs} VUs`)
      .join('; ');
    this.opts.write(
      `volley run ${info.runId} — ${info.workers} worker(s), ${(info.plannedDurationMs / 1000).toFixed(0)}s planned — ${plans}\n`,
    );
  }

  line(s: Snapshot): string {
    const total = this.info?.plannedDurationMs ?? 0;
    const left = Math.max(0, total - s.elapsedMs) / 1000;
    const lat = s.current.iterationLatency ?? s.current.latency;
    const which = s.current.iterationLatency ? 'latency ' : '';
    const parts = [
      `[${(s.elapsedMs / 1000).toFixed(0).padStart(4)}s]`,
      `${count(Math.round(s.requests))} req/s`,
      `vus ${s.vus}/${s.vusMax}`,
      `${which}p99(${s.current.windowSeconds}s) ${ms(lat.p99)}`,
      `errors ${pct(s.cumulative.requests ? s.cumulative.failures / s.cumulative.requests : 0)} (${count(s.cumulative.failures)})`,
    ];
    if (s.dropped > 0) parts.push(`dropped ${count(s.dropped)}`);
    // Sustained (3 of the last 4 seconds) and named by resource: src/engine/saturation.ts.
    if (s.generator.saturated) parts.push(`GENERATOR SATURATED (${s.generator.reasons.join('; ')})`);
    this.iterationsDone += s.iterations;
    if (this.plannedIterations !== undefined)
      parts.push(`${count(this.iterationsDone)}/${count(this.plannedIterations)} iterations`);
    else parts.push(`${left.toFixed(0)}s left`);
    return parts.join('  ');
  }

  onSnapshot(s: Snapshot): void {
    if (this.opts.tty) {
      this.opts.write(`\r\x1b[K${this.line(s)}`);
      this.wroteLine = true;
    } else if (s.second - this.lastPlain >= this.opts.plainEverySeconds) {
      this.lastPlain = s.second;
      this.opts.write(`${this.line(s)}\n`);
    }
  }

  onEnd(): void {
    if (this.wroteLine) this.opts.write('\n');
  }
}
