/** What the timeline analyses share: a robust centre, and "held for some seconds in a row". */

/** Seconds a signal must hold before it counts: one bad second is noise. */
export const SUSTAIN = 3;

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** The first index i >= `from` where `pred` holds for i..i+need-1, or -1. */
export function firstSustained(
  n: number,
  pred: (i: number) => boolean,
  opts: { from?: number; need?: number } = {},
): number {
  const need = opts.need ?? SUSTAIN;
  let run = 0;
  for (let i = opts.from ?? 0; i < n; i++) {
    run = pred(i) ? run + 1 : 0;
    if (run >= need) return i - need + 1;
  }
  return -1;
}
