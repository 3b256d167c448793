import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SegmentSequence, fraction } from '../../src/engine/segments.js';

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

  it('rejects sequences that do not cover [0,1)', () => {
    assert.throws(() => new SegmentSequence([fraction(0, 1), fraction(1, 2)]), /start at 0 and end at 1/);
  });
});
