/**
 * recordClamped's integer fast path must put every value in the same bucket as hdr-histogram-js's
 * own recordValue: two histograms fed the same values encode to the same bytes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  encodeHistogram,
  FAST_RECORD,
  HIGHEST_TRACKABLE,
  newHistogram,
  recordClamped,
} from '../../src/metrics/histogram.js';

describe('recordClamped', () => {
  it('records exactly what recordValue records, over the whole range and at every power of two', () => {
    assert.equal(FAST_RECORD, true, 'the integer fast path is in use with this hdr-histogram-js');
    const fast = newHistogram();
    const reference = newHistogram();
    const values: number[] = [];
    for (let v = 0; v < 70_000; v += 1) values.push(v);
    for (let k = 1; k < 32; k++) for (let d = -3; d <= 3; d++) values.push(2 ** k + d);
    let seed = 42;
    for (let i = 0; i < 200_000; i++) {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      values.push((seed / 2 ** 31) * HIGHEST_TRACKABLE);
    }
    for (const v of values) {
      if (v < 0 || v > HIGHEST_TRACKABLE) continue;
      recordClamped(fast, v);
      reference.recordValue(Math.round(v));
    }
    assert.equal(fast.totalCount, reference.totalCount);
    assert.equal(fast.maxValue, reference.maxValue);
    assert.equal(fast.minNonZeroValue, reference.minNonZeroValue);
    assert.equal(encodeHistogram(fast), encodeHistogram(reference));
    for (const p of [50, 90, 99, 99.9, 100])
      assert.equal(fast.getValueAtPercentile(p), reference.getValueAtPercentile(p), `p${p}`);
  });

  it('clamps below 0 and above one hour instead of throwing', () => {
    const h = newHistogram();
    recordClamped(h, -5);
    recordClamped(h, HIGHEST_TRACKABLE * 2);
    assert.equal(h.totalCount, 2);
    assert.equal(h.getValueAtPercentile(0), 0);
    assert.ok(h.maxValue >= HIGHEST_TRACKABLE * 0.99);
  });
});
