/**
 * Load-profile presets: functions that return an executor and its stages, to spread into a
 * scenario (`{ ...presets.load({ vus: 100 }), user: 'member' }`). Each works in VUs (closed loop,
 * ramping-vus) or, given `rate`, in arrivals per second (open loop, ramping-arrival-rate).
 * Stage lists are documented in docs/presets.md and tested exactly.
 */
import { tryParseDurationMs } from '../config/duration.js';
import type { ScenarioConfig, StageConfig } from '../config/types.js';
import { VolleyError } from '../errors.js';

export type Duration = string | number;
export type PresetScenario = Omit<ScenarioConfig, 'exec'>;

interface Mode {
  /** Closed loop: VUs. */
  vus?: number;
  /** Open loop: arrivals per second. */
  rate?: number;
  /** Open loop: VUs allocated at the start (default max(5, peak / 10)). */
  preAllocatedVUs?: number;
  /** Open loop: most VUs (default max(10, peak), at most 10,000). */
  maxVUs?: number;
}

class Checker {
  readonly errors: string[] = [];
  constructor(readonly preset: string) {}
  num(name: string, v: unknown, min = 0): number {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min) {
      this.errors.push(`${this.preset}: ${name} must be a number >= ${min} (got ${JSON.stringify(v)})`);
      return 0;
    }
    return v;
  }
  dur(name: string, v: Duration): string {
    const ms = tryParseDurationMs(v);
    if (ms === undefined) {
      this.errors.push(`${this.preset}: ${name}: malformed duration ${JSON.stringify(v)} (e.g. '30s', '2m')`);
      return '0s';
    }
    return typeof v === 'number' ? `${v}s` : v;
  }
  done(): void {
    if (this.errors.length > 0)
      throw new VolleyError('INVALID_CONFIG', this.errors[0] as string, { details: this.errors });
  }
}

/** Checks `vus`/`rate`; open loop when `rate` is given. */
function mode(c: Checker, o: Mode): { open: boolean } {
  if (o.vus !== undefined && o.rate !== undefined) c.errors.push(`${c.preset}: give vus or rate, not both`);
  if (o.vus !== undefined) c.num('vus', o.vus);
  if (o.rate !== undefined) c.num('rate', o.rate);
  return { open: o.rate !== undefined };
}

function scenario(c: Checker, o: Mode, open: boolean, stages: StageConfig[], peak: number): PresetScenario {
  c.done();
  if (!open) return { executor: 'ramping-vus', startVUs: 0, stages, gracefulRampDown: '10s' };
  const maxVUs = o.maxVUs ?? Math.min(10_000, Math.max(10, Math.ceil(peak)));
  const pre = o.preAllocatedVUs ?? Math.min(maxVUs, Math.max(5, Math.ceil(peak / 10)));
  return {
    executor: 'ramping-arrival-rate',
    startRate: 0,
    timeUnit: '1s',
    preAllocatedVUs: pre,
    maxVUs,
    stages,
  };
}

export interface SmokeOptions extends Mode {
  duration?: Duration;
}
/** A tiny constant load that proves the script works: 1 VU (or `rate`/s) for 1 minute. */
export function smoke(o: SmokeOptions = {}): PresetScenario {
  const c = new Checker('smoke');
  const { open } = mode(c, o);
  const duration = c.dur('duration', o.duration ?? '1m');
  c.done();
  if (open) {
    const rate = o.rate as number;
    const maxVUs = o.maxVUs ?? Math.max(2, Math.ceil(rate));
    return {
      executor: 'constant-arrival-rate',
      rate,
      duration,
      preAllocatedVUs: o.preAllocatedVUs ?? Math.min(maxVUs, 2),
      maxVUs,
    };
  }
  return { executor: 'constant-vus', vus: o.vus ?? 1, duration };
}

export interface LoadOptions extends Mode {
  rampUp?: Duration;
  hold?: Duration;
  rampDown?: Duration;
}
/** Normal load: ramp up to the target (default 50 VUs), hold it, ramp down. */
export function load(o: LoadOptions = {}): PresetScenario {
  const c = new Checker('load');
  const { open } = mode(c, o);
  const peak = o.rate ?? o.vus ?? 50;
  const stages = [
    { duration: c.dur('rampUp', o.rampUp ?? '1m'), target: peak },
    { duration: c.dur('hold', o.hold ?? '5m'), target: peak },
    { duration: c.dur('rampDown', o.rampDown ?? '30s'), target: 0 },
  ];
  return scenario(c, o, open, stages, peak);
}

export interface StressOptions extends Mode {
  steps?: number;
  stepDuration?: Duration;
  rampDown?: Duration;
}
/** A staircase to the peak (default 200 VUs) in `steps` equal steps, each ramped in 10 % of the step then held. */
export function stress(o: StressOptions = {}): PresetScenario {
  const c = new Checker('stress');
  const { open } = mode(c, o);
  const peak = o.rate ?? o.vus ?? 200;
  const steps = c.num('steps', o.steps ?? 4, 1);
  if (!Number.isInteger(steps)) c.errors.push(`stress: steps must be a whole number (got ${steps})`);
  const stepText = c.dur('stepDuration', o.stepDuration ?? '2m');
  const stepMs = tryParseDurationMs(stepText) ?? 0;
  const rampMs = Math.round(stepMs * 0.1);
  const stages: StageConfig[] = [];
  for (let i = 1; i <= steps; i++) {
    const target = Math.round(((peak * i) / steps) * 1000) / 1000;
    stages.push({ duration: `${rampMs}ms`, target }, { duration: `${stepMs - rampMs}ms`, target });
  }
  stages.push({ duration: c.dur('rampDown', o.rampDown ?? '1m'), target: 0 });
  return scenario(c, o, open, stages, peak);
}

export interface SpikeOptions extends Omit<Mode, 'vus' | 'rate'> {
  /** Level before and after the spike (default 10): VUs, or arrivals/s with `openLoop: true`. */
  base?: number;
  /** Level of the spike (default 10 × base). */
  peak?: number;
  /** Levels are arrivals per second (open loop) instead of VUs. */
  openLoop?: boolean;
  baseDuration?: Duration;
  spikeRampUp?: Duration;
  spikeHold?: Duration;
  recovery?: Duration;
}
/** A sudden surge: hold `base`, jump to `peak` in `spikeRampUp`, hold it, drop back to `base` and watch recovery. */
export function spike(o: SpikeOptions = {}): PresetScenario {
  const c = new Checker('spike');
  const base = c.num('base', o.base ?? 10);
  const peak = c.num('peak', o.peak ?? base * 10);
  if (peak < base) c.errors.push(`spike: peak (${peak}) must be >= base (${base})`);
  const stages = [
    { duration: '10s', target: base },
    { duration: c.dur('baseDuration', o.baseDuration ?? '1m'), target: base },
    { duration: c.dur('spikeRampUp', o.spikeRampUp ?? '10s'), target: peak },
    { duration: c.dur('spikeHold', o.spikeHold ?? '1m'), target: peak },
    { duration: '10s', target: base },
    { duration: c.dur('recovery', o.recovery ?? '1m'), target: base },
    { duration: '10s', target: 0 },
  ];
  return scenario(c, o, o.openLoop === true, stages, peak);
}

export interface SoakOptions extends Mode {
  rampUp?: Duration;
  hold?: Duration;
  rampDown?: Duration;
}
/** A long hold at a normal level (default 50 VUs for 2 h) to surface leaks and slow degradation. */
export function soak(o: SoakOptions = {}): PresetScenario {
  const c = new Checker('soak');
  const { open } = mode(c, o);
  const peak = o.rate ?? o.vus ?? 50;
  const stages = [
    { duration: c.dur('rampUp', o.rampUp ?? '2m'), target: peak },
    { duration: c.dur('hold', o.hold ?? '2h'), target: peak },
    { duration: c.dur('rampDown', o.rampDown ?? '2m'), target: 0 },
  ];
  return scenario(c, o, open, stages, peak);
}

export interface BreakpointOptions extends Mode {
  duration?: Duration;
}
/**
 * A linear ramp from 0 to `vus`/`rate` (default 1000 VUs) over `duration` (default 10 m): pair it
 * with a threshold with abortOnFail so the run stops where the service breaks.
 */
export function breakpoint(o: BreakpointOptions = {}): PresetScenario {
  const c = new Checker('breakpoint');
  const { open } = mode(c, o);
  const peak = o.rate ?? o.vus ?? 1000;
  const stages = [{ duration: c.dur('duration', o.duration ?? '10m'), target: peak }];
  return scenario(c, o, open, stages, peak);
}

export interface FivePhaseOptions extends Omit<Mode, 'vus' | 'rate'> {
  /** Warm-up level (default 10). */
  base?: number;
  /** Sustained level (default 100). */
  peak?: number;
  /** Spike level (default 2 × peak). */
  spike?: number;
  /** Levels are arrivals per second (open loop) instead of VUs. */
  openLoop?: boolean;
  warmUp?: Duration;
  rampUp?: Duration;
  sustained?: Duration;
  spikeDuration?: Duration;
  recovery?: Duration;
}
/**
 * warm-up (ramp to base, hold) → ramp-up (to peak) → sustained (hold peak) → spike (jump to spike,
 * hold) → recovery (back to peak and hold, then down to 0).
 */
export function fivePhase(o: FivePhaseOptions = {}): PresetScenario {
  const c = new Checker('fivePhase');
  const base = c.num('base', o.base ?? 10);
  const peak = c.num('peak', o.peak ?? 100);
  const spk = c.num('spike', o.spike ?? peak * 2);
  if (peak < base) c.errors.push(`fivePhase: peak (${peak}) must be >= base (${base})`);
  if (spk < peak) c.errors.push(`fivePhase: spike (${spk}) must be >= peak (${peak})`);
  const warm = c.dur('warmUp', o.warmUp ?? '1m');
  const stages = [
    { duration: warm, target: base },
    { duration: c.dur('rampUp', o.rampUp ?? '2m'), target: peak },
    { duration: c.dur('sustained', o.sustained ?? '5m'), target: peak },
    { duration: '5s', target: spk },
    { duration: c.dur('spikeDuration', o.spikeDuration ?? '1m'), target: spk },
    { duration: '5s', target: peak },
    { duration: c.dur('recovery', o.recovery ?? '2m'), target: peak },
    { duration: '30s', target: 0 },
  ];
  return scenario(c, o, o.openLoop === true, stages, spk);
}

/** Every preset by name (declarative files select one with `preset: NAME`). */
export const PRESETS: Readonly<Record<string, (options: Record<string, unknown>) => PresetScenario>> = {
  smoke: (x) => smoke(x as SmokeOptions),
  load: (x) => load(x as LoadOptions),
  stress: (x) => stress(x as StressOptions),
  spike: (x) => spike(x as SpikeOptions),
  soak: (x) => soak(x as SoakOptions),
  breakpoint: (x) => breakpoint(x as BreakpointOptions),
  fivePhase: (x) => fivePhase(x as FivePhaseOptions),
};
