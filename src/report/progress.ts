/**
 * The live progress display on stderr: one rewritten line on a TTY, plain periodic lines
 * otherwise (pipes, CI=true). Consumes the run's event stream like every other output.
 */
import type { RunListener, RunStartInfo } from '../engine/run.js';
import type { Snapshot } from '../engine/snapshot.js';
import { count, ms, pct } from '../summary/format.js';

export interface ProgressOptions {
  write: (text: string) => void;
  tty: boolean;
  /** Seconds between plain lines when not a TTY. */
  plainEverySeconds: number;
}

export class Progress implements RunListener {
  private info: RunStartInfo | undefined;
  /** The second of the last plain line (undefined: none yet; the first interval starts at second 0). */
  private lastPlain: number | undefined = undefined;
  /** Requests since the last plain line: its rate is this over the whole interval, not one sample. */
  private plainRequests = 0;
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

  /** The line for snapshot `s`; `rps` is the rate to show (default: that second's requests). */
  line(s: Snapshot, rps: number = s.requests): string {
    const total = this.info?.plannedDurationMs ?? 0;
    const left = Math.max(0, total - s.elapsedMs) / 1000;
    const lat = s.current.iterationLatency ?? s.current.latency;
    const which = s.current.iterationLatency ? 'latency ' : '';
    const parts = [
      `[${(s.elapsedMs / 1000).toFixed(0).padStart(4)}s]`,
      `${count(Math.round(rps))} req/s`,
      `vus ${s.vus}/${s.vusMax}`,
      `${which}p99(${s.current.windowSeconds}s) ${ms(lat.p99)}`,
      `errors ${pct(s.cumulative.requests ? s.cumulative.failures / s.cumulative.requests : 0)} (${count(s.cumulative.failures)})`,
    ];
    // A run that speaks several protocols: each one's rate and p99 over the window.
    const ps = s.protocols ?? [];
    if (ps.length > 1)
      parts.push(
        ps
          .map(
            (p) =>
              `${p.protocol} ${count(Math.round(p.current.rps))}/s p99 ${ms(p.current.latency.p99)}${p.current.errorRate > 0 ? ` err ${pct(p.current.errorRate)}` : ''}`,
          )
          .join(' · '),
      );
    if (s.dropped > 0) parts.push(`dropped ${count(s.dropped)}`);
    // A target that stops answering shows as requests waiting, not as a quiet 0 req/s.
    if (s.inflight.requests > 0)
      parts.push(
        `in flight ${count(s.inflight.requests)}${s.inflight.oldestAgeMs >= 1000 ? ` (oldest ${(s.inflight.oldestAgeMs / 1000).toFixed(0)}s)` : ''}`,
      );
    for (const u of s.generator.unresponsive)
      parts.push(`worker ${u.worker} not responding for ${(u.silentMs / 1000).toFixed(0)}s`);
    // Sustained (3 of the last 4 seconds) and named by resource: src/engine/saturation.ts.
    if (s.generator.saturated) parts.push(`GENERATOR SATURATED (${s.generator.reasons.join('; ')})`);
    if (this.plannedIterations !== undefined)
      parts.push(`${count(this.iterationsDone)}/${count(this.plannedIterations)} iterations`);
    else parts.push(`${left.toFixed(0)}s left`);
    return parts.join('  ');
  }

  onSnapshot(s: Snapshot): void {
    // Counted on every snapshot, printed or not: a plain line every 5 s must not skip four of them.
    this.iterationsDone += s.iterations;
    this.plainRequests += s.requests;
    if (this.opts.tty) {
      this.opts.write(`\r\x1b[K${this.line(s)}`);
      this.wroteLine = true;
    } else if (this.lastPlain === undefined || s.second - this.lastPlain >= this.opts.plainEverySeconds) {
      // One second sampled every 5 s aliases with a think time of 5 s (a run whose mean was
      // 1,953/s read 1,270/s throughout): the rate is every request since the last line over
      // the seconds it covers.
      const rps = this.plainRequests / Math.max(1, s.second - (this.lastPlain ?? -1));
      this.lastPlain = s.second;
      this.plainRequests = 0;
      this.opts.write(`${this.line(s, rps)}\n`);
    }
  }

  onEnd(): void {
    if (this.wroteLine) this.opts.write('\n');
  }
}
