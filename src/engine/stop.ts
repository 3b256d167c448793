/** The stop of one scenario: when starts end, when in-flight work is cut off; moves earlier on an external stop. */
import type { StopSignal } from '../executors/types.js';

export class ScenarioStop implements StopSignal {
  private listeners: (() => void)[] = [];
  private hardTimer: NodeJS.Timeout | undefined;
  private hardWaiters: (() => void)[] = [];
  private hardReached = false;

  constructor(
    public endAtMs: number,
    public hardAtMs: number,
    private readonly now: () => number,
  ) {}

  untilHard(): Promise<void> {
    if (this.hardReached) return Promise.resolve();
    return new Promise((resolve) => {
      this.hardWaiters.push(resolve);
      this.arm();
    });
  }

  private arm(): void {
    if (this.hardTimer) clearTimeout(this.hardTimer);
    if (this.hardWaiters.length === 0) return;
    this.hardTimer = setTimeout(() => this.fireHard(), Math.max(0, this.hardAtMs - this.now()));
  }

  private fireHard(): void {
    this.hardReached = true;
    const w = this.hardWaiters;
    this.hardWaiters = [];
    for (const r of w) r();
  }

  onChange(cb: () => void): void {
    this.listeners.push(cb);
  }

  /** External stop: no new iterations from now; in-flight ones get `graceMs`. */
  stopNow(graceMs: number): void {
    const t = this.now();
    this.endAtMs = Math.min(this.endAtMs, t);
    this.hardAtMs = Math.min(this.hardAtMs, t + graceMs);
    this.arm();
    for (const cb of this.listeners) cb();
  }

  dispose(): void {
    if (this.hardTimer) clearTimeout(this.hardTimer);
    this.listeners = [];
  }
}
