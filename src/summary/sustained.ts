/** What the timeline analyses share: a robust centre, and "held for some seconds in a row". */

/** Seconds a signal must hold before it counts: one bad second is noise. */
export const SUSTAIN = 3;

/**
 * Failed requests a held error signal must total over its seconds before it counts: one failure
 * in 52 requests is 1.9% of a second, not a degradation.
 */
export const MIN_FAILURES = 5;

/**
 * How a run second is named in text. Seconds are numbered from 0 everywhere (snapshot and series
 * `second`, CSV, NDJSON, `atSecond` in the summary): second N is the one from N s to N+1 s after
 * the start, so text says "at N s" and the JSON says `atSecond: N` — the same number.
 */
export const atSecondText = (second: number): string => `${second} s`;

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/**
 * The first index i >= `from` where `pred` holds for i..i+need-1, or -1. With `weight` and
 * `minWeight`, the held seconds must also total at least `minWeight` (e.g. failed requests), so a
 * signal carried by a handful of events does not count.
 */
export function firstSustained(
  n: number,
  pred: (i: number) => boolean,
  opts: { from?: number; need?: number; weight?: (i: number) => number; minWeight?: number } = {},
): number {
  const need = opts.need ?? SUSTAIN;
  const minWeight = opts.minWeight ?? 0;
  let run = 0;
  for (let i = opts.from ?? 0; i < n; i++) {
    run = pred(i) ? run + 1 : 0;
    if (run < need) continue;
    let total = 0;
    for (let j = i - need + 1; j <= i; j++) total += opts.weight ? opts.weight(j) : 0;
    if (!opts.weight || total >= minWeight) return i - need + 1;
  }
  return -1;
}
