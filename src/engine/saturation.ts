/**
 * When the generator, not the target, is the bottleneck — a sustained signal, named by resource.
 * Documented limits (docs/metrics.md#generator-health-and-saturation). A resource is **strained**
 * in a second when:
 * - event-loop utilisation: a worker's thread was busy ≥ 95% of it (not in precise scheduling,
 *   whose event loop polls on purpose);
 * - event-loop delay: a worker's event-loop delay p99 reached 50 ms;
 * - schedule lag: open-loop arrivals were dispatched with a p99 lag ≥ 10 ms;
 * - CPU: the process used ≥ 95% of every core the machine has.
 * It is **saturated** when strained in at least 3 of the last 4 seconds, this one included: one
 * busy second (start-up, a GC, a neighbour on a shared machine) is noise, not a limit. The run is
 * flagged when at least 2 seconds, and at least 10% of its seconds, were saturated.
 */
import { availableParallelism } from 'node:os';
import type { WorkerHealth } from './protocol.js';

export const SATURATION_LIMITS = {
  eluBusy: 0.95,
  loopDelayP99Ms: 50,
  scheduleLagP99Ms: 10,
  cpuShareOfCores: 0.95,
  /** Strained in at least `held` of the last `window` seconds (this one included). */
  held: 3,
  window: 4,
  minSeconds: 2,
  minShare: 0.1,
} as const;

export type SaturationResource = 'event-loop utilisation' | 'event-loop delay' | 'schedule lag' | 'CPU';

export interface Strain {
  resource: SaturationResource;
  /** The reading, e.g. `event-loop delay p99 62 ms`. */
  detail: string;
}

/** The resources over their limit in one second (not yet a saturation: see SaturationTracker). */
export function secondStrain(
  workers: readonly WorkerHealth[],
  scheduleLagP99Ms: number | undefined,
  opts: { polling?: boolean; cpuPercent?: number; cores?: number } = {},
): Strain[] {
  const out: Strain[] = [];
  const busiest = Math.max(0, ...workers.map((w) => w.elu));
  if (!opts.polling && busiest >= SATURATION_LIMITS.eluBusy)
    out.push({
      resource: 'event-loop utilisation',
      detail: `event-loop utilisation ${(busiest * 100).toFixed(0)}% (a worker thread busy the whole second)`,
    });
  const delay = Math.max(0, ...workers.map((w) => w.loopDelayP99Ms));
  if (delay >= SATURATION_LIMITS.loopDelayP99Ms)
    out.push({ resource: 'event-loop delay', detail: `event-loop delay p99 ${delay.toFixed(0)} ms` });
  if (scheduleLagP99Ms !== undefined && scheduleLagP99Ms >= SATURATION_LIMITS.scheduleLagP99Ms)
    out.push({
      resource: 'schedule lag',
      detail: `arrivals dispatched late (schedule lag p99 ${scheduleLagP99Ms.toFixed(1)} ms)`,
    });
  const cores = opts.cores ?? availableParallelism();
  if (
    !opts.polling &&
    opts.cpuPercent !== undefined &&
    opts.cpuPercent >= cores * 100 * SATURATION_LIMITS.cpuShareOfCores
  )
    out.push({ resource: 'CPU', detail: `CPU ${opts.cpuPercent.toFixed(0)}% of ${cores} core(s)` });
  return out;
}

/** Turns strained seconds into a sustained saturation, per resource, as the run goes. */
export class SaturationTracker {
  private readonly history: Set<SaturationResource>[] = [];
  /** Saturated seconds per resource. */
  readonly secondsBy = new Map<SaturationResource, number>();
  saturatedSeconds = 0;

  /** Feeds one second's strain; returns the resources saturated in it (empty: not saturated). */
  push(strain: readonly Strain[]): Strain[] {
    this.history.push(new Set(strain.map((s) => s.resource)));
    const recent = this.history.slice(-SATURATION_LIMITS.window);
    const held = strain.filter(
      (s) => recent.filter((h) => h.has(s.resource)).length >= SATURATION_LIMITS.held,
    );
    if (held.length > 0) this.saturatedSeconds++;
    for (const s of held) this.secondsBy.set(s.resource, (this.secondsBy.get(s.resource) ?? 0) + 1);
    return held;
  }

  /** `event-loop delay (5s)`, one per resource that saturated, most seconds first. */
  reasons(): string[] {
    return [...this.secondsBy.entries()].sort((a, b) => b[1] - a[1]).map(([r, n]) => `${r} (${n}s)`);
  }
}

export const runIsSaturated = (saturatedSeconds: number, totalSeconds: number): boolean =>
  saturatedSeconds >= SATURATION_LIMITS.minSeconds &&
  saturatedSeconds >= SATURATION_LIMITS.minShare * totalSeconds;
