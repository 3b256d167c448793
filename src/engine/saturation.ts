/**
 * When the generator, not the target, is the bottleneck. Documented limits (docs/metrics.md):
 * a second is saturated when any worker's event loop was busy ≥ 95% of it, its event-loop delay
 * p99 reached 50 ms, or open-loop arrivals were dispatched with a p99 lag ≥ 10 ms. The run is
 * flagged when at least 2 seconds, and at least 10% of its seconds, were saturated.
 */
import type { WorkerHealth } from './protocol.js';

export const SATURATION_LIMITS = {
  eluBusy: 0.95,
  loopDelayP99Ms: 50,
  scheduleLagP99Ms: 10,
  minSeconds: 2,
  minShare: 0.1,
} as const;

export function secondSaturation(
  workers: readonly WorkerHealth[],
  scheduleLagP99Ms: number | undefined,
  /** In precise scheduling the event loop polls on purpose, so busyness says nothing. */
  polling = false,
): string[] {
  const reasons: string[] = [];
  const busiest = Math.max(0, ...workers.map((w) => w.elu));
  if (!polling && busiest >= SATURATION_LIMITS.eluBusy)
    reasons.push(`worker CPU busy ${(busiest * 100).toFixed(0)}%`);
  const delay = Math.max(0, ...workers.map((w) => w.loopDelayP99Ms));
  if (delay >= SATURATION_LIMITS.loopDelayP99Ms) reasons.push(`event-loop delay p99 ${delay.toFixed(0)}ms`);
  if (scheduleLagP99Ms !== undefined && scheduleLagP99Ms >= SATURATION_LIMITS.scheduleLagP99Ms) {
    reasons.push(`arrivals dispatched late (schedule lag p99 ${scheduleLagP99Ms.toFixed(1)}ms)`);
  }
  return reasons;
}

export const runIsSaturated = (saturatedSeconds: number, totalSeconds: number): boolean =>
  saturatedSeconds >= SATURATION_LIMITS.minSeconds &&
  saturatedSeconds >= SATURATION_LIMITS.minShare * totalSeconds;
