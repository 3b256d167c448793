/**
 * Load-profile presets: pure functions that return an executor and its stages, to spread into a
 * scenario (`{ ...presets.load({ vus: 100 }), user: 'member' }`). Each works in VUs (closed loop,
 * `ramping-vus`) or in arrivals per second (open loop, `ramping-arrival-rate`): `rate` instead of
 * `vus`, or `openLoop: true` for the presets with several levels (`spike`, `fivePhase`). The stage
 * lists are documented in docs/presets.md and tested exactly (test/unit/presets.test.ts).
 */
import { tryParseDurationMs } from '../config/duration.js';
import type { ScenarioConfig, StageConfig } from '../config/types.js';
import { prefixProblems, problemText, type Problem } from '../config/problems.js';
import { VolleyError } from '../errors.js';

/** A duration: `'30s'`, `'1m30s'`, `'500ms'`, or a number of seconds. */
export type Duration = string | number;

/** What a preset returns: a scenario without what each iteration does (`exec` or `user`). */
export type PresetScenario = Omit<ScenarioConfig, 'exec'>;

export type PresetName = 'smoke' | 'load' | 'stress' | 'spike' | 'soak' | 'breakpoint' | 'fivePhase';

/** Open loop only: the VU pool that runs the arrivals. */
export interface PoolOptions {
  /** VUs allocated at the start. Default `max(5, ceil(peak / 10))`, at most `maxVUs`. */
  preAllocatedVUs?: number;
  /** Most VUs at once. Default `min(10000, max(10, ceil(peak)))`, and at least `preAllocatedVUs`. */
  maxVUs?: number;
}

/** One level: `vus` (closed loop) or `rate`, arrivals per second (open loop). Not both. */
export interface TargetOptions extends PoolOptions {
  /** Closed loop: a whole number of VUs >= 1. */
  vus?: number;
  /** Open loop: arrivals (iteration starts) per second, > 0. */
  rate?: number;
}

/** Several levels (`base`, `peak`, …): VUs, or arrivals per second with `openLoop: true`. */
export interface LevelsOptions extends PoolOptions {
  /** Levels are arrivals per second (`ramping-arrival-rate`) instead of VUs. Default false. */
  openLoop?: boolean;
}

export interface SmokeOptions extends TargetOptions {
  /** Default `'1m'`; must be longer than 0. */
  duration?: Duration;
}

export interface LoadOptions extends TargetOptions {
  /** From 0 to the target. Default `'1m'`. */
  rampUp?: Duration;
  /** At the target. Default `'5m'`. */
  hold?: Duration;
  /** From the target to 0. Default `'30s'`. */
  rampDown?: Duration;
}

/**
 * `duration` on the presets with phases (stress, spike, soak, fivePhase): the whole profile's
 * length. The phases you do not set scale from their defaults to fill it, keeping their
 * proportions; the ones you set keep their length.
 */
export interface ScaledOptions {
  /** The whole profile's length; the phases you leave unset share what the others leave, in their default proportions. */
  duration?: Duration;
}

export interface StressOptions extends TargetOptions, ScaledOptions {
  /** Equal steps up to the peak, a whole number from 1 to 100. Default 4. */
  steps?: number;
  /** Each step: ramped in its first 10 %, held for the rest. Default `'2m'`; must be longer than 0. */
  stepDuration?: Duration;
  /** From the peak to 0. Default `'1m'`. */
  rampDown?: Duration;
}

export interface SpikeOptions extends LevelsOptions, ScaledOptions {
  /** Level before and after the spike. Default 10. */
  base?: number;
  /** Level of the spike, >= base and > 0. Default 10 × base. */
  peak?: number;
  /** At base before the spike (after a 10s ramp from 0). Default `'1m'`. */
  baseDuration?: Duration;
  /** From base to peak, and (the same) from peak back to base. Default `'10s'`. */
  spikeRampUp?: Duration;
  /** At peak. Default `'1m'`. */
  spikeHold?: Duration;
  /** At base after the spike. Default `'1m'`. */
  recovery?: Duration;
}

export interface SoakOptions extends TargetOptions, ScaledOptions {
  /** Default `'2m'`. */
  rampUp?: Duration;
  /** Default `'2h'`. */
  hold?: Duration;
  /** Default `'2m'`. */
  rampDown?: Duration;
}

export interface BreakpointOptions extends TargetOptions {
  /** The ramp from 0 to the maximum. Default `'10m'`; must be longer than 0. */
  duration?: Duration;
}

export interface FivePhaseOptions extends LevelsOptions, ScaledOptions {
  /** Warm-up level. Default 10. */
  base?: number;
  /** Sustained level, >= base and > 0. Default 100. */
  peak?: number;
  /** Spike level, >= peak. Default 2 × peak. */
  spike?: number;
  /** From 0 to base. Default `'1m'`. */
  warmUp?: Duration;
  /** From base to peak. Default `'2m'`. */
  rampUp?: Duration;
  /** At peak. Default `'5m'`. */
  sustained?: Duration;
  /** At the spike level (reached in 10s). Default `'1m'`. */
  spikeDuration?: Duration;
  /** At base (reached in 10s after the spike). Default `'2m'`. */
  recovery?: Duration;
}

/** Open-loop pool: the default maxVUs never exceeds this. */
const MAX_VUS_CAP = 10_000;
const MAX_STEPS = 100;
/** The short ramps (spike: to base at the start; fivePhase: into and out of the spike, at most). */
const SHORT_RAMP = '10s';
const SHORT_RAMP_MS = 10_000;

const POOL_KEYS = ['preAllocatedVUs', 'maxVUs'] as const;
const TARGET_KEYS = ['vus', 'rate', ...POOL_KEYS] as const;
const LEVELS_KEYS = ['openLoop', ...POOL_KEYS] as const;
/**
 * The options each preset takes: the registry the declarative schema, `preset:` scenarios and
 * the docs (docs/presets.md) are generated from, and what each preset accepts.
 */
export const PRESET_OPTIONS = {
  smoke: [...TARGET_KEYS, 'duration'],
  load: [...TARGET_KEYS, 'rampUp', 'hold', 'rampDown'],
  stress: [...TARGET_KEYS, 'steps', 'stepDuration', 'rampDown', 'duration'],
  spike: [...LEVELS_KEYS, 'base', 'peak', 'baseDuration', 'spikeRampUp', 'spikeHold', 'recovery', 'duration'],
  soak: [...TARGET_KEYS, 'rampUp', 'hold', 'rampDown', 'duration'],
  breakpoint: [...TARGET_KEYS, 'duration'],
  fivePhase: [
    ...LEVELS_KEYS,
    'base',
    'peak',
    'spike',
    'warmUp',
    'rampUp',
    'sustained',
    'spikeDuration',
    'recovery',
    'duration',
  ],
} as const satisfies Record<PresetName, readonly string[]>;

/** Options that are durations (the rest are numbers, and `openLoop` a flag). */
export const PRESET_DURATION_OPTIONS: readonly string[] = [
  'duration',
  'rampUp',
  'hold',
  'rampDown',
  'stepDuration',
  'baseDuration',
  'spikeRampUp',
  'spikeHold',
  'recovery',
  'warmUp',
  'sustained',
  'spikeDuration',
];

const LEVELS_HINTS = (levels: string): Record<string, string> => ({
  vus: `the levels are ${levels}, in VUs`,
  rate: `the levels are ${levels}; openLoop: true makes them arrivals per second`,
});

/** `90_000` → `'1m30s'`, `12_500` → `'12s500ms'`, `0` → `'0s'` (parses back to the same value). */
function formatMs(ms: number): string {
  let rest = ms;
  let out = '';
  for (const [unit, size] of [
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  const r = Number(rest.toFixed(3));
  if (r > 0) out += `${r}ms`;
  return out === '' ? '0s' : out;
}

function show(v: unknown): string {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  return JSON.stringify(v) ?? String(v);
}

/** A value of the wrong type, or a number out of range. */
const kind = (v: unknown): string => (typeof v === 'number' ? 'out-of-range' : 'wrong-type');

interface Dur {
  /** As written (strings) or formatted (numbers of seconds). */
  text: string;
  /** NaN when invalid. */
  ms: number;
}

/**
 * Reads one preset's options and collects every problem. Invalid numbers come back as NaN, so
 * comparisons between them (peak >= base) are skipped instead of adding noise.
 */
class Check {
  /** Each at its option (`rampUp`), or at '' for the options as a whole. */
  readonly problems: Problem[] = [];
  private readonly o: Readonly<Record<string, unknown>>;

  constructor(
    readonly preset: PresetName,
    options: unknown,
    keys: readonly string[],
    hints: Readonly<Record<string, string>> = {},
  ) {
    if (options === undefined) {
      this.o = {};
    } else if (typeof options !== 'object' || options === null || Array.isArray(options)) {
      this.add('', 'wrong-type', `options must be an object (got ${show(options)})`);
      this.o = {};
    } else {
      this.o = options as Record<string, unknown>;
      for (const [k, v] of Object.entries(this.o)) {
        if (v !== undefined && !keys.includes(k)) {
          this.add(
            k,
            'unknown-field',
            `is not an option of preset ${preset} (${hints[k] ?? `options: ${keys.join(', ')}`})`,
          );
        }
      }
    }
  }

  add(key: string, code: string, message: string): void {
    this.problems.push({ path: key, code, message });
  }

  has(key: string): boolean {
    return this.o[key] !== undefined;
  }

  /** A whole number >= min; `dflt` when absent (NaN: derived from an invalid option, already reported). */
  whole(key: string, dflt: number, min: number, note = ''): number {
    const v = this.has(key) ? this.o[key] : dflt;
    if (Number.isNaN(v) && !this.has(key)) return NaN;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
      this.add(key, kind(v), `must be a whole number >= ${min} (got ${show(v)})${note}`);
      return NaN;
    }
    return v;
  }

  /** A finite number >= min (or > min when `strict`); `dflt` when absent. */
  number(key: string, dflt: number, min: number, strict: boolean): number {
    const v = this.has(key) ? this.o[key] : dflt;
    if (Number.isNaN(v) && !this.has(key)) return NaN;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || (strict && v === min)) {
      this.add(key, kind(v), `must be a number ${strict ? '>' : '>='} ${min} (got ${show(v)})`);
      return NaN;
    }
    return v;
  }

  /** A level of spike/fivePhase: whole VUs (closed loop) or arrivals per second (open loop). */
  level(key: string, dflt: number, open: boolean, positive: boolean): number {
    if (open) return this.number(key, dflt, 0, positive);
    return this.whole(key, dflt, positive ? 1 : 0, ' (VUs; set openLoop: true for arrivals per second)');
  }

  flag(key: string): boolean {
    const v = this.o[key];
    if (v === undefined) return false;
    if (typeof v !== 'boolean') {
      this.add(key, 'wrong-type', `must be true or false (got ${show(v)})`);
      return false;
    }
    return v;
  }

  duration(key: string, dflt: string, positive = false): Dur {
    const v = this.has(key) ? this.o[key] : dflt;
    let d: Dur | undefined;
    if (typeof v === 'number') {
      if (Number.isFinite(v) && v >= 0) d = { text: formatMs(v * 1000), ms: v * 1000 };
      else this.add(key, 'out-of-range', `must be a number of seconds >= 0 (got ${show(v)})`);
    } else if (typeof v === 'string') {
      const ms = tryParseDurationMs(v);
      if (ms !== undefined) d = { text: v.trim(), ms };
      else
        this.add(
          key,
          'not-a-duration',
          `malformed duration ${show(v)} (e.g. '30s', '1m30s', or a number of seconds)`,
        );
    } else {
      this.add(key, 'wrong-type', `must be a duration such as '30s' or a number of seconds (got ${show(v)})`);
    }
    if (d === undefined) return { text: '', ms: NaN };
    if (positive && d.ms === 0) this.add(key, 'out-of-range', 'must be longer than 0');
    return d;
  }

  /** The stages must last some time (NaN sums, from invalid durations, are already reported). */
  notEmpty(durations: readonly Dur[], names: string): void {
    if (durations.reduce((sum, d) => sum + d.ms, 0) === 0) {
      this.add('', 'nothing-to-run', `${names} are all 0, so the profile would be empty`);
    }
  }

  /**
   * Throws every problem at once: `details` reads `load.rampUp: malformed duration …` (the preset
   * and the option, then the message); `problems` keeps them structured, each at its option.
   */
  done(): void {
    const n = this.problems.length;
    if (n === 0) return;
    const details = prefixProblems(this.preset, this.problems).map(problemText);
    const message = n === 1 ? (details[0] as string) : `${this.preset}: ${n} problems: ${details.join('; ')}`;
    throw new VolleyError('INVALID_CONFIG', message, {
      details,
      problems: this.problems,
      hint: 'see docs/presets.md for every option and its default',
    });
  }
}

/** `vus` or `rate` of the one-level presets: closed loop unless `rate` is given. */
function target(c: Check, dfltVus: number): { open: boolean; peak: number } {
  if (c.has('vus') && c.has('rate')) {
    c.add('', 'conflict', 'give vus (closed loop) or rate (open loop), not both');
    c.whole('vus', dfltVus, 1);
  }
  if (c.has('rate')) return { open: true, peak: c.number('rate', 0, 0, true) };
  return { open: false, peak: c.whole('vus', dfltVus, 1) };
}

interface Pool {
  preAllocatedVUs: number;
  maxVUs: number;
}

/** The open-loop pool for a peak rate (arrivals per second), with the user's overrides. */
function pool(c: Check, open: boolean, peak: number, hint: string): Pool {
  if (!open) {
    for (const k of POOL_KEYS) if (c.has(k)) c.add(k, 'conflict', `sizes the open-loop VU pool; ${hint}`);
    return { preAllocatedVUs: NaN, maxVUs: NaN };
  }
  const pre = c.has('preAllocatedVUs') ? c.whole('preAllocatedVUs', 0, 1) : undefined;
  const max = c.has('maxVUs') ? c.whole('maxVUs', 0, 1) : undefined;
  if (pre !== undefined && max !== undefined && max < pre) {
    c.add('maxVUs', 'conflict', `must be >= preAllocatedVUs (${pre}) (got ${max})`);
  }
  const maxVUs = max ?? Math.max(pre ?? 0, Math.min(MAX_VUS_CAP, Math.max(10, Math.ceil(peak))));
  return { preAllocatedVUs: pre ?? Math.min(maxVUs, Math.max(5, Math.ceil(peak / 10))), maxVUs };
}

function scenario(c: Check, open: boolean, p: Pool, stages: StageConfig[]): PresetScenario {
  c.done();
  if (!open) return { executor: 'ramping-vus', startVUs: 0, stages };
  return {
    executor: 'ramping-arrival-rate',
    startRate: 0,
    timeUnit: '1s',
    preAllocatedVUs: p.preAllocatedVUs,
    maxVUs: p.maxVUs,
    stages,
  };
}

const stage = (d: Dur | string, target: number, phase?: string): StageConfig => ({
  duration: typeof d === 'string' ? d : d.text,
  target,
  ...(phase !== undefined && { phase }),
});

interface Part {
  /** The option (a key starting with `_` is a fixed part of the shape, not an option). */
  key: string;
  dflt: string;
  /** How many stages last this long. */
  times: number;
}

/**
 * The durations of a preset's parts. Without `duration`, each as given or its default. With it,
 * the parts given keep their length and the others scale from their defaults (same proportions)
 * so that the stages add up to `totalMs(duration)` (fivePhase's short ramps depend on the total).
 */
function durations(
  c: Check,
  parts: readonly Part[],
  total: (ms: number) => number = (ms) => ms,
): Record<string, Dur> {
  const out: Record<string, Dur> = {};
  const given = (p: Part): boolean => !p.key.startsWith('_') && c.has(p.key);
  for (const p of parts) out[p.key] = c.duration(p.key.startsWith('_') ? '_' : p.key, p.dflt);
  if (!c.has('duration')) return out;
  const want = c.duration('duration', '0s', true);
  if (Number.isNaN(want.ms)) return out;
  const targetMs = total(want.ms);
  let fixed = 0;
  let free = 0;
  for (const p of parts) {
    const ms = (out[p.key] as Dur).ms * p.times;
    if (given(p)) fixed += ms;
    else free += ms;
  }
  if (Number.isNaN(fixed)) return out;
  if (free === 0 || targetMs - fixed <= 0) {
    c.add(
      'duration',
      'conflict',
      `must be longer than the phases given (${formatMs(fixed)}) so the others have time (got ${want.text})`,
    );
    return out;
  }
  const f = (targetMs - fixed) / free;
  for (const p of parts) {
    if (given(p)) continue;
    const ms = Math.round((out[p.key] as Dur).ms * f);
    out[p.key] = { text: formatMs(ms), ms };
  }
  return out;
}

/**
 * A tiny constant load that proves the script works: `vus` VUs (default 1) for `duration`
 * (`constant-vus`), or `rate` arrivals per second (`constant-arrival-rate`).
 */
export function smoke(options: SmokeOptions = {}): PresetScenario {
  const c = new Check('smoke', options, PRESET_OPTIONS.smoke);
  const { open, peak } = target(c, 1);
  const duration = c.duration('duration', '1m', true);
  const p = pool(c, open, peak, 'give rate instead of vus');
  c.done();
  if (!open) return { executor: 'constant-vus', vus: peak, duration: duration.text };
  return {
    executor: 'constant-arrival-rate',
    rate: peak,
    timeUnit: '1s',
    duration: duration.text,
    preAllocatedVUs: p.preAllocatedVUs,
    maxVUs: p.maxVUs,
  };
}

/** Normal traffic: ramp from 0 to the target (default 50 VUs) in `rampUp`, hold, ramp down to 0. */
export function load(options: LoadOptions = {}): PresetScenario {
  return rampHoldDown('load', options, { vus: 50, rampUp: '1m', hold: '5m', rampDown: '30s' });
}

/** A long hold at a normal level (default 50 VUs for 2h) to surface leaks and slow degradation. */
export function soak(options: SoakOptions = {}): PresetScenario {
  return rampHoldDown('soak', options, { vus: 50, rampUp: '2m', hold: '2h', rampDown: '2m' });
}

function rampHoldDown(
  name: 'load' | 'soak',
  options: LoadOptions,
  d: { vus: number; rampUp: string; hold: string; rampDown: string },
): PresetScenario {
  const c = new Check(name, options, PRESET_OPTIONS[name]);
  const { open, peak } = target(c, d.vus);
  const ds = durations(c, [
    { key: 'rampUp', dflt: d.rampUp, times: 1 },
    { key: 'hold', dflt: d.hold, times: 1 },
    { key: 'rampDown', dflt: d.rampDown, times: 1 },
  ]);
  const [up, hold, down] = [ds.rampUp, ds.hold, ds.rampDown] as [Dur, Dur, Dur];
  c.notEmpty([up, hold, down], 'rampUp, hold and rampDown');
  const p = pool(c, open, peak, 'give rate instead of vus');
  // A soak's phases are named (the summary's phase table and memory-growth verdict read them).
  const ph = (n: string): string | undefined => (name === 'soak' ? n : undefined);
  return scenario(c, open, p, [
    stage(up, peak, ph('ramp-up')),
    stage(hold, peak, ph('soak')),
    stage(down, 0, ph('ramp-down')),
  ]);
}

/**
 * A staircase to the peak (default 200 VUs) and past the normal load: `steps` equal steps, each
 * ramped in 10 % of `stepDuration` and held for the other 90 %, then a ramp down to 0.
 */
export function stress(options: StressOptions = {}): PresetScenario {
  const c = new Check('stress', options, PRESET_OPTIONS.stress);
  const { open, peak } = target(c, 200);
  const steps = c.whole('steps', 4, 1);
  if (steps > MAX_STEPS) c.add('steps', 'out-of-range', `must be at most ${MAX_STEPS} (got ${steps})`);
  const ds = durations(c, [
    { key: 'stepDuration', dflt: '2m', times: Number.isNaN(steps) ? 4 : Math.min(steps, MAX_STEPS) },
    { key: 'rampDown', dflt: '1m', times: 1 },
  ]);
  const step = ds.stepDuration as Dur;
  const down = ds.rampDown as Dur;
  if (c.has('stepDuration') && step.ms === 0) c.add('stepDuration', 'out-of-range', 'must be longer than 0');
  const p = pool(c, open, peak, 'give rate instead of vus');
  c.done();
  const rampMs = Math.round(step.ms / 10);
  const ramp = formatMs(rampMs);
  const hold = formatMs(step.ms - rampMs);
  const stages: StageConfig[] = [];
  for (let i = 1; i <= steps; i++) {
    const exact = (peak * i) / steps;
    const level = i === steps ? peak : open ? Math.round(exact * 1000) / 1000 : Math.round(exact);
    stages.push(stage(ramp, level, `step ${i}`), stage(hold, level, `step ${i}`));
  }
  stages.push(stage(down, 0, 'ramp-down'));
  return scenario(c, open, p, stages);
}

/**
 * A sudden surge: ramp to `base` in 10s, hold it for `baseDuration`, surge to `peak` in
 * `spikeRampUp`, hold for `spikeHold`, drop back to `base` in `spikeRampUp`, and hold `base` for
 * `recovery` to watch the service recover.
 */
export function spike(options: SpikeOptions = {}): PresetScenario {
  const c = new Check('spike', options, PRESET_OPTIONS.spike, LEVELS_HINTS('base and peak'));
  const open = c.flag('openLoop');
  const base = c.level('base', 10, open, false);
  let peak: number;
  if (!c.has('peak') && base === 0) {
    c.add('peak', 'required', 'is required when base is 0 (the default peak is 10 × base)');
    peak = NaN;
  } else {
    peak = c.level('peak', base * 10, open, true);
  }
  if (peak < base) c.add('peak', 'conflict', `must be >= base (${base}) (got ${peak})`);
  const ds = durations(c, [
    { key: '_ramp', dflt: SHORT_RAMP, times: 1 },
    { key: 'baseDuration', dflt: '1m', times: 1 },
    { key: 'spikeRampUp', dflt: '10s', times: 2 },
    { key: 'spikeHold', dflt: '1m', times: 1 },
    { key: 'recovery', dflt: '1m', times: 1 },
  ]);
  const [ramp, baseFor, surge, hold, recovery] = [
    ds._ramp,
    ds.baseDuration,
    ds.spikeRampUp,
    ds.spikeHold,
    ds.recovery,
  ] as [Dur, Dur, Dur, Dur, Dur];
  const p = pool(c, open, peak, 'set openLoop: true');
  return scenario(c, open, p, [
    stage(c.has('duration') ? ramp : SHORT_RAMP, base, 'base'),
    stage(baseFor, base, 'base'),
    stage(surge, peak, 'spike'),
    stage(hold, peak, 'spike'),
    stage(surge, base, 'recovery'),
    stage(recovery, base, 'recovery'),
  ]);
}

/**
 * One linear ramp from 0 to the maximum (`vus`, default 1000, or `rate`) over `duration`. Pair it
 * with a threshold with `abortOnFail: true` so the run stops where the service breaks.
 */
export function breakpoint(options: BreakpointOptions = {}): PresetScenario {
  const c = new Check('breakpoint', options, PRESET_OPTIONS.breakpoint);
  const { open, peak } = target(c, 1000);
  const duration = c.duration('duration', '10m', true);
  const p = pool(c, open, peak, 'give rate instead of vus');
  return scenario(c, open, p, [stage(duration, peak)]);
}

/**
 * warm-up (0 → base over `warmUp`) → ramp-up (→ peak over `rampUp`) → sustained (peak for
 * `sustained`) → spike (→ spike in a short ramp, held for `spikeDuration`) → recovery (→ base in a
 * short ramp, held for `recovery`). The scenario ends at base. Each short ramp is 10s, or 5% of the
 * five phases together when that is less, so a short fivePhase (a 20s rehearsal) keeps its shape.
 */
export function fivePhase(options: FivePhaseOptions = {}): PresetScenario {
  const c = new Check('fivePhase', options, PRESET_OPTIONS.fivePhase, LEVELS_HINTS('base, peak and spike'));
  const open = c.flag('openLoop');
  const base = c.level('base', 10, open, false);
  const peak = c.level('peak', 100, open, true);
  const top = c.level('spike', peak * 2, open, true);
  if (peak < base) c.add('peak', 'conflict', `must be >= base (${base}) (got ${peak})`);
  if (top < peak) c.add('spike', 'conflict', `must be >= peak (${peak}) (got ${top})`);
  // With `duration`, the five phases take what the two short ramps leave: D - 20s from 220s on,
  // D / 1.1 below (where each short ramp is 5% of the phases).
  const ds = durations(
    c,
    [
      { key: 'warmUp', dflt: '1m', times: 1 },
      { key: 'rampUp', dflt: '2m', times: 1 },
      { key: 'sustained', dflt: '5m', times: 1 },
      { key: 'spikeDuration', dflt: '1m', times: 1 },
      { key: 'recovery', dflt: '2m', times: 1 },
    ],
    (ms) => (ms >= 22 * SHORT_RAMP_MS ? ms - 2 * SHORT_RAMP_MS : ms / 1.1),
  );
  const [warm, up, sustained, spikeFor, recovery] = [
    ds.warmUp,
    ds.rampUp,
    ds.sustained,
    ds.spikeDuration,
    ds.recovery,
  ] as [Dur, Dur, Dur, Dur, Dur];
  const p = pool(c, open, top, 'set openLoop: true');
  const phasesMs = warm.ms + up.ms + sustained.ms + spikeFor.ms + recovery.ms;
  const shortMs = Math.min(SHORT_RAMP_MS, Math.round(phasesMs * 0.05));
  const short: Dur = { text: Number.isNaN(shortMs) ? SHORT_RAMP : formatMs(shortMs), ms: shortMs };
  return scenario(c, open, p, [
    stage(warm, base, 'warm-up'),
    stage(up, peak, 'ramp-up'),
    stage(sustained, peak, 'sustained'),
    stage(short, top, 'spike'),
    stage(spikeFor, top, 'spike'),
    stage(short, base, 'recovery'),
    stage(recovery, base, 'recovery'),
  ]);
}

/** A preset called with untyped options (a declarative file's), validated at run time. */
export type PresetFunction = (options?: Record<string, unknown>) => PresetScenario;

/** Every preset by name: declarative files select one with `preset: NAME`, its options beside it. */
export const PRESETS: Readonly<Record<PresetName, PresetFunction>> = {
  smoke: (o) => smoke(o as SmokeOptions),
  load: (o) => load(o as LoadOptions),
  stress: (o) => stress(o as StressOptions),
  spike: (o) => spike(o as SpikeOptions),
  soak: (o) => soak(o as SoakOptions),
  breakpoint: (o) => breakpoint(o as BreakpointOptions),
  fivePhase: (o) => fivePhase(o as FivePhaseOptions),
};

const DESCRIPTIONS: Readonly<Record<PresetName, string>> = {
  smoke: 'a tiny constant load (1 VU, or rate/s) for 1m: does the script work?',
  load: 'normal traffic: ramp to the target (50 VUs, or rate/s) in 1m, hold 5m, ramp down in 30s',
  stress:
    'a staircase past normal load: 4 equal steps of 2m up to the peak (200 VUs, or rate/s), then down in 1m',
  spike:
    'a sudden surge: base (10) for 1m, up to peak (10 × base) in 10s, hold 1m, back to base in 10s, recover for 1m',
  soak: 'a long steady hold: ramp to the target (50 VUs, or rate/s) in 2m, hold 2h, ramp down in 2m',
  breakpoint:
    'one linear ramp from 0 to the maximum (1000 VUs, or rate/s) over 10m; stop it with abortOnFail',
  fivePhase:
    'warm-up to base (10) in 1m, ramp-up to peak (100) in 2m, sustain 5m, spike (2 × peak) for 1m, recover at base for 2m',
};

/** One line about a preset (with its defaults), for `volley` listings and the docs. */
export function describePreset(name: string): string {
  if (!Object.hasOwn(DESCRIPTIONS, name)) {
    throw new VolleyError(
      'INVALID_CONFIG',
      `unknown preset '${name}' (one of: ${Object.keys(DESCRIPTIONS).join(', ')})`,
    );
  }
  return DESCRIPTIONS[name as PresetName];
}
