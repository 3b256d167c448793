import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SegmentSequence, fraction } from '../../src/executors/segments.js';

describe('execution segments', () => {
  for (const n of [1, 2, 3, 4, 7]) {
    it(`${n} equal segments: shares sum exactly, indices unique and complete`, () => {
      const seq = SegmentSequence.equal(n);
      const segs = Array.from({ length: n }, (_, i) => seq.segment(i));
      for (const total of [0, 1, 2, 5, 10, 99, 1000, 12345]) {
        assert.equal(
          segs.reduce((a, s) => a + s.scale(total), 0),
          total,
        );
      }
      const seen = new Set<number>();
      for (const s of segs) for (let k = 0; k < 50; k++) seen.add(s.globalIndex(k));
      assert.equal(seen.size, 50 * n, 'global indices are unique');
      for (let i = 0; i < 50 * n; i++)
        assert.equal(segs.filter((s) => s.owns(i)).length, 1, `index ${i} has one owner`);
    });
  }

  it('unequal segments (1/4, 3/4) are striped evenly', () => {
    const seq = new SegmentSequence([fraction(0, 1), fraction(1, 4), fraction(1, 1)]);
    const a = seq.segment(0);
    const b = seq.segment(1);
    assert.equal(a.scale(100), 25);
    assert.equal(b.scale(100), 75);
    const owned = Array.from({ length: 8 }, (_, i) => (a.owns(i) ? 'a' : 'b')).join('');
    assert.equal(owned.split('a').length - 1, 2);
    assert.notEqual(owned, 'aabbbbbb', 'spread, not blocked');
    assert.equal(a.globalIndex(a.scale(100) - 1) < 100, true);
  });

  it('weights 8 and 2 give segments of 4/5 and 1/5, striped evenly', () => {
    const seq = SegmentSequence.weighted([8, 2]);
    assert.deepEqual(seq.boundaries, [fraction(0, 1), fraction(4, 5), fraction(1, 1)]);
    const big = seq.segment(0);
    const small = seq.segment(1);
    assert.equal(big.scale(100), 80);
    assert.equal(small.scale(100), 20);
    assert.equal(big.scale(7) + small.scale(7), 7);
    // The small segment's positions are spread over the cycle, not packed at its end.
    const owned = Array.from({ length: 10 }, (_, i) => (small.owns(i) ? 's' : 'b')).join('');
    assert.equal(owned.split('s').length - 1, 2);
    assert.notEqual(owned, 'bbbbbbbbss');
  });

  it('weights 3, 1, 4 cut in proportion, and every index has one owner', () => {
    const seq = SegmentSequence.weighted([3, 1, 4]);
    const segs = [0, 1, 2].map((i) => seq.segment(i));
    assert.deepEqual(
      segs.map((s) => s.scale(800)),
      [300, 100, 400],
    );
    for (let i = 0; i < 80; i++) assert.equal(segs.filter((s) => s.owns(i)).length, 1);
  });

  for (const n of [1, 2, 3, 4, 7, 16]) {
    it(`${n} equal weights give exactly the boundaries of ${n} equal segments`, () => {
      const expected = Array.from({ length: n + 1 }, (_, i) => fraction(i, n));
      assert.deepEqual(SegmentSequence.weighted(new Array<number>(n).fill(1)).boundaries, expected);
      assert.deepEqual(SegmentSequence.weighted(new Array<number>(n).fill(5)).boundaries, expected);
      assert.deepEqual(SegmentSequence.equal(n).boundaries, expected);
    });
  }

  it('rejects weights that are not positive integers', () => {
    assert.throws(() => SegmentSequence.weighted([]), /no generator/);
    assert.throws(() => SegmentSequence.weighted([2, 0]), /weight 0 is not a positive integer/);
    assert.throws(() => SegmentSequence.weighted([1.5, 1]), /weight 1.5 is not a positive integer/);
  });

  it('rejects sequences that do not cover [0,1)', () => {
    assert.throws(() => new SegmentSequence([fraction(0, 1), fraction(1, 2)]), /start at 0 and end at 1/);
  });
});
