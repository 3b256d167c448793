/**
 * Breakpoint search: open-loop probes at fixed arrival rates. The rate doubles from the start
 * rate until a probe fails (an SLO, the error threshold, or the service not absorbing the rate),
 * then a binary search between the last passing and the first failing rate narrows the gap to
 * the resolution. Probes run one at a time with a cooldown between them; the probe itself is
 * injected, so the search is testable and knows nothing of HTTP.
 */
import { DEFAULT_HEADROOM, recommend, type CapacityPlan } from '../summary/capacity.js';

export interface StressOptions {
  startRate: number;
  maxRate: number;
  probeDurationMs: number;
  cooldownMs: number;
  /** Share of failed requests a probe may have, 0..1. */
  errorThreshold: number;
  /** Stop when (firstBad - lastGood) / lastGood is at most this, 0..1. */
  resolution: number;
  /** Safety cap on the number of probes. */
  maxProbes: number;
  /** The capacity plan's headroom, 0..1 (default 0.3). */
  headroom?: number;
  /** The SLOs the probes are judged against, as written, for the capacity plan. */
  slos?: readonly string[];
}

export interface ProbeResult {
  rate: number;
  achievedRate: number;
  p50: number;
  p95: number;
  p99: number;
  errorRate: number;
  dropped: number;
  passed: boolean;
  /** Why it failed: SLOs broken, error rate, rate not absorbed. Empty when it passed. */
  failures: string[];
  /** The kinds of those failures: only 'slo' and 'rate' can be the generator's doing. */
  failureKinds: ('slo' | 'errors' | 'rate')[];
  /** The generator, not the target, was the limit for at least part of the probe. */
  generatorSaturated: boolean;
  durationMs: number;
  /** The target's CPU (% of one core) and memory during the probe, averaged; absent without a monitor. */
  targetCpuPercent?: number;
  targetRssMB?: number;
  targetMemoryPercent?: number;
}

export type Ceiling = 'target' | 'generator' | 'max-rate' | 'start-rate' | 'probe-limit';

export interface StressResult {
  maxSustainableRate: number | null;
  breakdownRate: number | null;
  ceiling: Ceiling;
  detail: string;
  probes: ProbeResult[];
  /** The probes as a capacity plan (sorted by rate) and its recommended operating point. */
  capacityPlan?: CapacityPlan;
}

/**
 * The probes of a search as a capacity plan: one row per probe, in rate order, and the recommended
 * rate — the highest passing rate below the lowest failing one, less the headroom.
 */
export function stressCapacityPlan(
  probes: readonly ProbeResult[],
  opts: { headroom?: number; slos?: readonly string[]; errorThreshold: number },
): CapacityPlan {
  const headroom = opts.headroom ?? DEFAULT_HEADROOM;
  const rows = probes
    .map((p, i) => ({
      index: i,
      fromSecond: 0,
      toSecond: 0,
      load: p.rate,
      startLoad: p.rate,
      throughputRps: p.achievedRate,
      p50Ms: p.p50,
      p95Ms: p.p95,
      p99Ms: p.p99,
      errorRate: p.errorRate,
      targetCpuPercent: p.targetCpuPercent ?? null,
      targetRssMB: p.targetRssMB ?? null,
      targetMemoryPercent: p.targetMemoryPercent ?? null,
      passed: p.passed,
      failures: p.failures,
    }))
    .sort((a, b) => a.load - b.load || a.index - b.index);
  return {
    scenario: 'stress probes',
    unit: 'arrivals/s',
    slos: [
      ...(opts.slos ?? []),
      `error rate ≤ ${(opts.errorThreshold * 100).toFixed(2)}%`,
      'arrivals absorbed ≥ 95%',
    ],
    notEvaluated: [],
    headroom,
    rows,
    ...recommend(rows, 'arrivals/s', headroom, 'probe'),
  };
}

/** The ceiling as the probes so far bound it: the highest passing and the lowest failing rate. */
export interface StressCeilingSoFar {
  maxSustainableRate: number | null;
  breakdownRate: number | null;
}

export type Probe = (rate: number, index: number) => Promise<ProbeResult>;

/** Rates are rounded to a useful precision: whole arrivals/s above 10, tenths below. */
export function roundRate(r: number): number {
  return r >= 10 ? Math.round(r) : Math.round(r * 10) / 10;
}

export async function stressSearch(
  opts: StressOptions,
  probe: Probe,
  sleep: (ms: number) => Promise<void>,
): Promise<StressResult> {
  const probes: ProbeResult[] = [];
  let good: ProbeResult | undefined;
  let bad: ProbeResult | undefined;
  const run = async (rate: number): Promise<ProbeResult> => {
    if (probes.length > 0 && opts.cooldownMs > 0) await sleep(opts.cooldownMs);
    const p = await probe(rate, probes.length);
    probes.push(p);
    return p;
  };

  // Phase 1: double until a probe fails or the maximum rate passed.
  let rate = Math.min(opts.startRate, opts.maxRate);
  for (;;) {
    if (probes.length >= opts.maxProbes) break;
    const p = await run(rate);
    if (!p.passed) {
      bad = p;
      break;
    }
    good = p;
    if (rate >= opts.maxRate) break;
    rate = Math.min(opts.maxRate, roundRate(rate * 2));
  }

  // Phase 2: bisect between the last good and the first bad rate.
  while (good && bad && probes.length < opts.maxProbes) {
    if ((bad.rate - good.rate) / good.rate <= opts.resolution) break;
    const mid = roundRate((good.rate + bad.rate) / 2);
    if (mid <= good.rate || mid >= bad.rate) break;
    const p = await run(mid);
    if (p.passed) good = p;
    else bad = p;
  }

  const result = (ceiling: Ceiling, detail: string): StressResult => ({
    maxSustainableRate: good?.rate ?? null,
    breakdownRate: bad?.rate ?? null,
    ceiling,
    detail,
    probes,
    capacityPlan: stressCapacityPlan(probes, {
      errorThreshold: opts.errorThreshold,
      ...(opts.headroom === undefined ? {} : { headroom: opts.headroom }),
      ...(opts.slos === undefined ? {} : { slos: opts.slos }),
    }),
  });
  if (!bad) {
    if (good && good.rate >= opts.maxRate)
      return result(
        'max-rate',
        `every probe passed up to --max-rate ${opts.maxRate}/s: the service carries at least that (raise --max-rate to go further)`,
      );
    return result('probe-limit', `stopped after ${probes.length} probes without a failing one`);
  }
  // Refused requests are the target's answer whatever the generator did; slow or missing ones
  // may be the generator's own delay.
  if (bad.generatorSaturated && bad.failureKinds.some((k) => k !== 'errors'))
    return result(
      'generator',
      `the first failing probe (${bad.rate}/s) saturated the generator: the ceiling found is volley's on this machine, not necessarily the target's — add workers or agents, or a bigger machine`,
    );
  if (!good)
    return result(
      'start-rate',
      `the start rate ${bad.rate}/s already failed (${bad.failures.join('; ')}): lower --start-rate`,
    );
  const note = bad.generatorSaturated ? ' (the generator also saturated during that probe)' : '';
  return result(
    'target',
    `the target sustains ${good.rate}/s and breaks at ${bad.rate}/s (${bad.failures.join('; ')})${note}`,
  );
}
