/**
 * The open-loop arrival schedule: a piecewise-linear rate, and the exact instant of every global
 * arrival i (the time at which the integral of the rate reaches i). Every worker computes the same
 * schedule and runs only the arrivals its segment owns, so the union is the whole schedule.
 */

interface Piece {
  startMs: number;
  durationMs: number;
  /** Rates in arrivals per ms at the piece's start and end. */
  r0: number;
  r1: number;
  /** Arrivals before this piece (fractional). */
  before: number;
}

const area = (p: Pick<Piece, 'durationMs' | 'r0' | 'r1'>): number => ((p.r0 + p.r1) / 2) * p.durationMs;

export class ArrivalSchedule {
  private readonly pieces: Piece[] = [];
  private cursor = 0;

  /** `ratesPerSec` as [durationMs, fromRate, toRate] pieces. */
  constructor(pieces: readonly { durationMs: number; fromPerSec: number; toPerSec: number }[]) {
    let t = 0;
    let before = 0;
    for (const p of pieces) {
      const piece = {
        startMs: t,
        durationMs: p.durationMs,
        r0: p.fromPerSec / 1000,
        r1: p.toPerSec / 1000,
        before,
      };
      this.pieces.push(piece);
      t += p.durationMs;
      before += area(piece);
    }
  }

  get durationMs(): number {
    const last = this.pieces[this.pieces.length - 1];
    return last ? last.startMs + last.durationMs : 0;
  }

  /** Total arrivals in the schedule: every i with offset < duration. */
  get totalArrivals(): number {
    const last = this.pieces[this.pieces.length - 1];
    if (!last) return 0;
    const total = last.before + area(last);
    return Math.ceil(total - 1e-9);
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
   * Offset (ms from the scenario start) of global arrival i; Infinity past the end. Calls with
   * non-decreasing i are O(1) amortised.
   */
  offset(i: number): number {
    while (this.cursor < this.pieces.length) {
      const p = this.pieces[this.cursor] as Piece;
      const n = i - p.before;
      if (n < 0 && this.cursor > 0) {
        this.cursor--;
        continue;
      }
      if (n < area(p) - 1e-9) {
        const k = p.durationMs > 0 ? (p.r1 - p.r0) / p.durationMs : 0; // rate slope per ms²
        const disc = p.r0 * p.r0 + 2 * k * n;
        const denom = p.r0 + Math.sqrt(Math.max(0, disc));
        const t = denom > 0 ? (2 * n) / denom : 0;
        return p.startMs + Math.min(t, p.durationMs);
      }
      this.cursor++;
    }
    this.cursor = Math.max(0, this.pieces.length - 1);
    return Infinity;
  }

  /**
   * Externally-controlled rate: from `atMs` on, arrivals come at `perSec` until the schedule's end.
   * Arrivals before `atMs` are unchanged, so workers that apply the same change stay identical.
   */
  changeRate(atMs: number, perSec: number): void {
    const end = this.durationMs;
    if (atMs >= end) return;
    const idx = this.pieces.findIndex((p) => atMs < p.startMs + p.durationMs);
    const p = this.pieces[idx] as Piece;
    const into = atMs - p.startMs;
    const rAt = p.durationMs > 0 ? p.r0 + ((p.r1 - p.r0) * into) / p.durationMs : p.r0;
    p.durationMs = into;
    p.r1 = rAt;
    this.pieces.length = idx + 1;
    const piece = {
      startMs: atMs,
      durationMs: end - atMs,
      r0: perSec / 1000,
      r1: perSec / 1000,
      before: p.before + area(p),
    };
    this.pieces.push(piece);
    this.cursor = 0;
  }
}
