/**
 * The open-loop arrival schedule: a piecewise-linear rate, and the exact instant of every global
 * arrival i (the time at which the integral of the rate reaches i). Every worker computes the same
 * schedule and runs only the arrivals its segment owns, so the union is the whole schedule.
 *
 * Each piece owns the half-open range of arrival indices [before, after) of its cumulative count,
 * where `after` of one piece is, bit for bit, `before` of the next. Those ranges partition
 * [0, total), so every arrival below the total belongs to exactly one piece and every other
 * arrival is past the end, whatever the floating-point error of the areas. (Deciding membership
 * from each piece's own area with a tolerance instead let two neighbouring pieces both refuse an
 * arrival that sat on their boundary, e.g. arrival 1650 of 50→500/s over 6 s then 500/s, where the
 * area is 1650.0000000000002: the lookup bounced between them forever and the worker hung.)
 */

interface Piece {
  startMs: number;
  durationMs: number;
  /** Rates in arrivals per ms at the piece's start and end. */
  r0: number;
  r1: number;
  /** Cumulative arrivals (fractional) at the piece's start and end; `after` is the next `before`. */
  before: number;
  after: number;
}

const area = (p: Pick<Piece, 'durationMs' | 'r0' | 'r1'>): number => ((p.r0 + p.r1) / 2) * p.durationMs;

/**
 * A cumulative count within rounding error of an integer is that integer: 50→500/s over 6 s is
 * 1650 arrivals, not 1650.0000000000002, so arrival 1650 starts the next stage (at its first
 * instant) and a schedule whose exact total is N plans N arrivals, not N + 1.
 */
function snap(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - r) <= 1e-9 * Math.max(1, Math.abs(x)) ? r : x;
}

/** The largest double below `x` (x > 0), so an arrival stays inside a piece's half-open interval. */
const below = (x: number): number => x - Math.max(Math.abs(x) * Number.EPSILON, Number.MIN_VALUE);

export class ArrivalSchedule {
  private readonly pieces: Piece[] = [];
  private cursor = 0;
  /** The schedule's length; a rate change never moves it. */
  readonly durationMs: number;

  /** Rates as [durationMs, fromRate, toRate] pieces. */
  constructor(pieces: readonly { durationMs: number; fromPerSec: number; toPerSec: number }[]) {
    let t = 0;
    let before = 0;
    for (const p of pieces) {
      const piece = this.piece(t, p.durationMs, p.fromPerSec / 1000, p.toPerSec / 1000, before);
      this.pieces.push(piece);
      t += p.durationMs;
      before = piece.after;
    }
    this.durationMs = t;
  }

  private piece(startMs: number, durationMs: number, r0: number, r1: number, before: number): Piece {
    return { startMs, durationMs, r0, r1, before, after: snap(before + area({ durationMs, r0, r1 })) };
  }

  /** Exact arrivals in the schedule (fractional): the integral of the rate over its whole length. */
  private get total(): number {
    return this.pieces[this.pieces.length - 1]?.after ?? 0;
  }

  /** Arrivals in the schedule: exactly the i for which `offset(i)` is finite (all below the duration). */
  get totalArrivals(): number {
    return Math.ceil(this.total);
  }

  /** Rate (per second) at an offset. */
  rateAt(offsetMs: number): number {
    for (const p of this.pieces) {
      if (offsetMs < p.startMs + p.durationMs) {
        const f = p.durationMs > 0 ? (offsetMs - p.startMs) / p.durationMs : 0;
        return (p.r0 + (p.r1 - p.r0) * f) * 1000;
      }
    }
    return 0;
  }

  /**
   * Offset (ms from the scenario start) of global arrival i, in [0, durationMs) and non-decreasing
   * in i; Infinity for i >= totalArrivals. Calls with non-decreasing i are O(1) amortised.
   */
  offset(i: number): number {
    if (!(i >= 0) || i >= this.total) return Infinity;
    // Terminates: the pieces' [before, after) ranges partition [0, total) and i is inside it.
    let p = this.pieces[this.cursor] as Piece;
    while (i >= p.after) p = this.pieces[++this.cursor] as Piece;
    while (i < p.before) p = this.pieces[--this.cursor] as Piece;
    const n = i - p.before;
    const k = (p.r1 - p.r0) / p.durationMs; // rate slope per ms²; durationMs > 0 as the piece owns i
    // t solves r0·t + k·t²/2 = n; this form has no cancellation when k → 0 or r0 → 0, and every
    // step is monotone in n, so offsets never decrease.
    const disc = p.r0 * p.r0 + 2 * k * n;
    const denom = p.r0 + Math.sqrt(Math.max(0, disc));
    const t = denom > 0 ? (2 * n) / denom : 0;
    const end = p.startMs + p.durationMs;
    return Math.max(p.startMs, Math.min(p.startMs + t, below(end)));
  }

  /**
   * Externally-controlled rate: from `atMs` on, arrivals come at `perSec` until the schedule's end
   * (0 pauses them). Arrivals before `atMs` are unchanged, so workers that apply the same change
   * stay identical.
   */
  changeRate(atMs: number, perSec: number): void {
    const end = this.durationMs;
    if (atMs >= end) return;
    const idx = this.pieces.findIndex((p) => atMs < p.startMs + p.durationMs);
    const p = this.pieces[idx] as Piece;
    const into = Math.max(0, atMs - p.startMs);
    const rAt = p.durationMs > 0 ? p.r0 + ((p.r1 - p.r0) * into) / p.durationMs : p.r0;
    const cut = this.piece(p.startMs, into, p.r0, rAt, p.before);
    this.pieces.length = idx;
    this.pieces.push(
      cut,
      this.piece(p.startMs + into, end - (p.startMs + into), perSec / 1000, perSec / 1000, cut.after),
    );
    this.cursor = 0;
  }
}
