/**
 * HDR histograms for trends: integer values (microseconds for time trends), 2 significant digits
 * (≤ 1% relative error), 1 µs .. 1 h. Workers ship them compressed; the aggregator merges them.
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

export function recordClamped(h: Histogram, value: number): void {
  const v = value < 0 ? 0 : value > HIGHEST_TRACKABLE ? HIGHEST_TRACKABLE : Math.round(value);
  h.recordValue(v);
}

/** Bytes of one of our histograms: same range and precision but another lowest value differs here. */
const FOOTPRINT = newHistogram().estimatedFootprintInBytes;

export function encodeHistogram(h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

export function decodeHistogram(encoded: string): Histogram {
  const decoded = hdr.decodeFromCompressedBase64(encoded, 32, false);
  // Ours (every worker encodes this layout) is used as is: one 14 KB allocation per point, not two.
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
