/**
 * What a worker ships each second: a histogram's non-empty buckets. Added up on the main thread they
 * must give exactly the histogram hdr-histogram-js itself would have merged (same bytes encoded).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  addSparseCounts,
  encodeHistogram,
  newHistogram,
  recordClamped,
  sparseCounts,
} from '../../src/metrics/histogram.js';

/** hdr-histogram-js's bucket edges (public on its JsHistogram, not in the Histogram interface). */
interface Edges {
  highestEquivalentValue(v: number): number;
  lowestEquivalentValue(v: number): number;
}

function filled(seed: number, n: number, scale: number): ReturnType<typeof newHistogram> {
  const h = newHistogram();
  for (let i = 0; i < n; i++) {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    recordClamped(h, Math.exp((seed / 2 ** 31) * scale));
  }
  return h;
}

describe('sparse histogram counts', () => {
  it('round-trip one histogram and merge several exactly as Histogram.add does', () => {
    const a = filled(1, 20_000, 12);
    const b = filled(2, 5_000, 20);
    const c = newHistogram(); // an empty interval ships no pairs
    recordClamped(a, 0); // the zero bucket is a bucket too
    assert.deepEqual(sparseCounts(c), []);
    const pairs = sparseCounts(a);
    assert.ok(pairs.length > 0 && pairs.length % 2 === 0);
    assert.ok(pairs.length / 2 < 3000, 'only non-empty buckets');

    const merged = newHistogram();
    for (const h of [a, b, c]) addSparseCounts(merged, sparseCounts(h));
    const reference = newHistogram();
    reference.add(a);
    reference.add(b);
    assert.equal(merged.totalCount, a.totalCount + b.totalCount);
    // Counts carry buckets, not exact values: max and min are their bucket's edges (as after
    // hdr-histogram-js's own decode); trends keep the exact extremes beside the histogram.
    const edges = reference as unknown as Edges;
    assert.equal(merged.maxValue, edges.highestEquivalentValue(reference.maxValue));
    assert.equal(merged.minNonZeroValue, edges.lowestEquivalentValue(reference.minNonZeroValue));
    for (const p of [0, 1, 50, 90, 99, 99.9, 100])
      assert.equal(merged.getValueAtPercentile(p), reference.getValueAtPercentile(p), `p${p}`);
    assert.equal(encodeHistogram(merged), encodeHistogram(reference));
  });

  it('refuses pairs that do not fit the layout, naming the pair', () => {
    const h = newHistogram();
    assert.throws(() => addSparseCounts(h, [5]), /not \[index, count\] pairs/);
    assert.throws(() => addSparseCounts(h, [1, 2, 1e9, 1]), /pair 1 \(1000000000, 1\) does not fit/);
    assert.throws(() => addSparseCounts(h, [3, -1]), /pair 0 \(3, -1\)/);
    assert.throws(() => addSparseCounts(h, [1.5, 1]), /pair 0/);
  });
});
