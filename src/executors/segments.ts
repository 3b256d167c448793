/**
 * Execution segments (k6's idea): the test is cut into fractions [from, to) of the unit interval,
 * one per generator (a worker thread, later an agent). Every countable thing — VUs, iterations, arrivals —
 * is dealt out by one deterministic striping table, so each segment owns an exact, evenly spread
 * share and the union of all segments is exactly the whole test, with no coordinator.
 */
import { VolleyError } from '../errors.js';

export interface Fraction {
  num: number;
  den: number;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return Math.abs(a);
}
const lcm = (a: number, b: number): number => (a / gcd(a, b)) * b;

export function fraction(num: number, den: number): Fraction {
  const g = gcd(num, den) || 1;
  return { num: num / g, den: den / g };
}

/** Parses `0`, `1`, `1/3`, `0.25` into a fraction. */
export function parseFraction(text: string): Fraction {
  const t = text.trim();
  const m = /^(\d+)\/(\d+)$/.exec(t);
  if (m) return fraction(Number(m[1]), Number(m[2]));
  if (/^\d+(\.\d+)?$/.test(t)) {
    const decimals = t.includes('.') ? (t.split('.')[1] as string).length : 0;
    const den = 10 ** decimals;
    return fraction(Math.round(Number(t) * den), den);
  }
  throw new VolleyError('INVALID_CONFIG', `execution segment: '${text}' is not a fraction`);
}

const MAX_CYCLE = 1_000_000;

/** A whole partition of [0, 1) into consecutive segments, with its striping table. */
export class SegmentSequence {
  readonly boundaries: readonly Fraction[];
  /** Length of one striping cycle: the lowest common denominator of all boundaries. */
  readonly cycle: number;
  /** owner[j] = index of the segment that owns position j of every cycle. */
  private readonly owner: Uint32Array;

  constructor(boundaries: readonly Fraction[]) {
    if (boundaries.length < 2)
      throw new VolleyError('INVALID_CONFIG', 'execution segments: need at least 0 and 1');
    const first = boundaries[0] as Fraction;
    const last = boundaries[boundaries.length - 1] as Fraction;
    if (first.num !== 0 || last.num !== last.den) {
      throw new VolleyError('INVALID_CONFIG', 'execution segments must start at 0 and end at 1');
    }
    let cycle = 1;
    for (let i = 0; i < boundaries.length; i++) {
      const b = boundaries[i] as Fraction;
      if (i > 0) {
        const prev = boundaries[i - 1] as Fraction;
        if (b.num * prev.den <= prev.num * b.den) {
          throw new VolleyError('INVALID_CONFIG', 'execution segment boundaries must strictly increase');
        }
      }
      cycle = lcm(cycle, b.den);
      if (cycle > MAX_CYCLE)
        throw new VolleyError('INVALID_CONFIG', 'execution segments: denominators too large');
    }
    this.boundaries = boundaries;
    this.cycle = cycle;
    const n = boundaries.length - 1;
    const target: number[] = [];
    for (let s = 0; s < n; s++) {
      const a = boundaries[s] as Fraction;
      const b = boundaries[s + 1] as Fraction;
      target.push((b.num * cycle) / b.den - (a.num * cycle) / a.den);
    }
    // Largest-deficit apportionment: spreads each segment's positions evenly over the cycle and
    // gives every segment exactly its share per cycle.
    const assigned = new Array<number>(n).fill(0);
    this.owner = new Uint32Array(cycle);
    for (let j = 0; j < cycle; j++) {
      let best = 0;
      let bestDeficit = -Infinity;
      for (let s = 0; s < n; s++) {
        const deficit = ((target[s] as number) * (j + 1)) / cycle - (assigned[s] as number);
        if (deficit > bestDeficit + 1e-12) {
          bestDeficit = deficit;
          best = s;
        }
      }
      this.owner[j] = best;
      assigned[best] = (assigned[best] as number) + 1;
    }
  }

  /** n equal segments, one per generator. */
  static equal(n: number): SegmentSequence {
    return SegmentSequence.weighted(new Array<number>(n).fill(1));
  }

  /**
   * One segment per generator, each in proportion to its weight (a positive integer: a thread 1,
   * an agent its cores): weights 8 and 2 give 4/5 and 1/5. Equal weights give equal segments.
   */
  static weighted(weights: readonly number[]): SegmentSequence {
    if (weights.length === 0) throw new VolleyError('INVALID_CONFIG', 'execution segments: no generator');
    for (const w of weights)
      if (!Number.isSafeInteger(w) || w < 1)
        throw new VolleyError('INVALID_CONFIG', `execution segments: weight ${w} is not a positive integer`);
    const total = weights.reduce((a, w) => a + w, 0);
    const b: Fraction[] = [fraction(0, total)];
    let sum = 0;
    for (const w of weights) b.push(fraction((sum += w), total));
    return new SegmentSequence(b);
  }

  get length(): number {
    return this.boundaries.length - 1;
  }

  segment(index: number): ExecutionSegment {
    if (index < 0 || index >= this.length) throw new RangeError(`segment ${index} out of range`);
    return new ExecutionSegment(this, index, this.owner);
  }
}

/** One segment of a sequence: answers "how many of N are mine" and "which global index is my k-th". */
export class ExecutionSegment {
  readonly index: number;
  readonly sequence: SegmentSequence;
  /** Positions within one cycle that this segment owns, ascending. */
  private readonly positions: Uint32Array;
  /** prefix[k] = how many of cycle positions [0, k) this segment owns. */
  private readonly prefix: Uint32Array;

  constructor(sequence: SegmentSequence, index: number, owner: Uint32Array) {
    this.sequence = sequence;
    this.index = index;
    const pos: number[] = [];
    this.prefix = new Uint32Array(sequence.cycle + 1);
    for (let j = 0; j < sequence.cycle; j++) {
      this.prefix[j + 1] = (this.prefix[j] as number) + (owner[j] === index ? 1 : 0);
      if (owner[j] === index) pos.push(j);
    }
    this.positions = Uint32Array.from(pos);
  }

  /** The share as a float, for display only. */
  get share(): number {
    return this.positions.length / this.sequence.cycle;
  }

  /** How many of the global indices [0, n) this segment owns. Summed over all segments: exactly n. */
  scale(n: number): number {
    const c = this.sequence.cycle;
    const full = Math.floor(n / c);
    return full * this.positions.length + (this.prefix[n % c] as number);
  }

  /** Does this segment own global index i? */
  owns(i: number): boolean {
    const c = this.sequence.cycle;
    const j = i % c;
    return (this.prefix[j + 1] as number) - (this.prefix[j] as number) === 1;
  }

  /** The global index of this segment's k-th owned item (k from 0). Unique across segments. */
  globalIndex(k: number): number {
    const per = this.positions.length;
    if (per === 0) throw new RangeError('empty segment');
    return Math.floor(k / per) * this.sequence.cycle + (this.positions[k % per] as number);
  }
}
