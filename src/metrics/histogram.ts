/**
 * HDR histograms for trends: integer values (microseconds for time trends), 2 significant digits
 * (≤ 1% relative error), 1 µs .. 1 h. Workers ship their counts (`sparseCounts`); the aggregator adds
 * them up; the store keeps hdr-histogram-js's compressed encoding.
 * Percentiles are always read from a merged histogram, never averaged.
 */
import * as hdr from 'hdr-histogram-js';
import type { Histogram } from 'hdr-histogram-js';

export type { Histogram };

/** The largest value a trend can hold: one hour in microseconds. Larger values are clamped. */
export const HIGHEST_TRACKABLE = 3_600_000_000;

export function newHistogram(): Histogram {
  return hdr.build({
    bitBucketSize: 32,
    numberOfSignificantValueDigits: 2,
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_TRACKABLE,
    autoResize: false,
  });
}

/**
 * The members of hdr-histogram-js's JsHistogram (not in its `Histogram` typings) used here: what
 * `recordValue` itself calls, and the counts by index.
 */
interface JsHistogramInternals {
  incrementCountAtIndex(index: number): void;
  updateMinAndMax(value: number): void;
  incrementTotalCount(): void;
  countsArrayIndex(value: number): number;
  countsArrayLength: number;
  getCountAtIndex(index: number): number;
  addToCountAtIndex(index: number, value: number): void;
  establishInternalTackingValues(lengthToCover?: number): void;
}

/**
 * The counts index of an integer value in our layout (2 significant digits → 128 half-sub-buckets,
 * lowest value 1) with integer operations: `recordValue` computes it with `Math.log2` and two
 * `Math.pow` per value, about 4% of a worker's time at 40,000 requests/s.
 */
function countsIndex(v: number): number {
  const bucket = v < 256 ? 0 : 24 - Math.clz32(v);
  return ((bucket + 1) << 7) + ((v >>> bucket) - 128);
}

/** The fast path is used only if this hdr-histogram-js build agrees with it (checked once; exported for its test). */
export const FAST_RECORD = ((): boolean => {
  const h = newHistogram() as unknown as Partial<JsHistogramInternals>;
  if (
    typeof h.incrementCountAtIndex !== 'function' ||
    typeof h.updateMinAndMax !== 'function' ||
    typeof h.incrementTotalCount !== 'function' ||
    typeof h.countsArrayIndex !== 'function'
  )
    return false;
  for (const v of [
    0,
    1,
    127,
    255,
    256,
    257,
    1000,
    65_535,
    65_536,
    123_456_789,
    2 ** 31 - 1,
    2 ** 31,
    HIGHEST_TRACKABLE,
  ])
    if (h.countsArrayIndex(v) !== countsIndex(v)) return false;
  return true;
})();

export function recordClamped(h: Histogram, value: number): void {
  const v = value < 0 ? 0 : value > HIGHEST_TRACKABLE ? HIGHEST_TRACKABLE : Math.round(value);
  if (FAST_RECORD) {
    const j = h as unknown as JsHistogramInternals;
    j.incrementCountAtIndex(countsIndex(v));
    j.updateMinAndMax(v);
    j.incrementTotalCount();
  } else h.recordValue(v);
}

/**
 * A histogram's counts as `[index, count, index, count, …]` in our layout (`newHistogram()`), the
 * empty buckets left out: what a worker ships each second. A scan of ~3,300 counts costs a few
 * microseconds; `encodeHistogram` (varints, deflate, base64) cost 0.1–0.5 ms per trend warm and
 * several ms cold, and one flush holds ten trends or more, all while arrivals wait on that thread.
 */
export function sparseCounts(h: Histogram): number[] {
  const j = h as unknown as JsHistogramInternals;
  const out: number[] = [];
  const n = j.countsArrayLength;
  for (let i = 0; i < n; i++) {
    const c = j.getCountAtIndex(i);
    if (c !== 0) out.push(i, c);
  }
  return out;
}

/**
 * Adds `sparseCounts` output into `h` (our layout) in place: no histogram is allocated per point.
 * Pairs that do not fit the layout (from a generator of another build) are refused by name.
 */
export function addSparseCounts(h: Histogram, counts: readonly number[]): void {
  const j = h as unknown as JsHistogramInternals;
  const n = j.countsArrayLength;
  if (counts.length % 2 !== 0) throw new Error('histogram counts: not [index, count] pairs');
  for (let k = 0; k < counts.length; k += 2) {
    const index = counts[k] as number;
    const count = counts[k + 1] as number;
    if (!Number.isInteger(index) || index < 0 || index >= n || !Number.isInteger(count) || count < 0)
      throw new Error(`histogram counts: pair ${k / 2} (${index}, ${count}) does not fit this layout`);
    j.addToCountAtIndex(index, count);
  }
  // Total count, min and max follow the counts (one scan, as hdr-histogram-js's own decoder does).
  j.establishInternalTackingValues();
}

/** Bytes of one of our histograms: same range and precision but another lowest value differs here. */
const FOOTPRINT = newHistogram().estimatedFootprintInBytes;

export function encodeHistogram(h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

export function decodeHistogram(encoded: string): Histogram {
  const decoded = hdr.decodeFromCompressedBase64(encoded, 32, false);
  // Ours (the store's histograms are in this layout) is used as is: one 14 KB allocation, not two.
  if (
    !decoded.autoResize &&
    decoded.highestTrackableValue === HIGHEST_TRACKABLE &&
    decoded.numberOfSignificantValueDigits === 2 &&
    decoded.estimatedFootprintInBytes === FOOTPRINT
  )
    return decoded;
  // Anything else is normalised to our layout so `add` never has to resize.
  const h = newHistogram();
  h.add(decoded);
  return h;
}
