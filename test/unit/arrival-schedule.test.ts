import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ArrivalSchedule } from '../../src/executors/arrival-schedule.js';

const count = (s: ArrivalSchedule): number => {
  let i = 0;
  while (s.offset(i) < s.durationMs) i++;
  return i;
};

describe('arrival schedule', () => {
  it('constant rate: evenly spaced, exact count', () => {
    const s = new ArrivalSchedule([{ durationMs: 2000, fromPerSec: 1000, toPerSec: 1000 }]);
    assert.equal(s.offset(0), 0);
    assert.equal(s.offset(1), 1);
    assert.equal(s.offset(1500), 1500);
    assert.equal(count(s), 2000);
    assert.equal(s.totalArrivals, 2000);
  });

  it('linear ramp 0→100/s over 10 s: 500 arrivals, dense at the end', () => {
    const s = new ArrivalSchedule([{ durationMs: 10_000, fromPerSec: 0, toPerSec: 100 }]);
    assert.equal(count(s), 500);
    // N(t) = 5 t² (t in s) → the 125th arrival at t = 5 s
    assert.ok(Math.abs(s.offset(125) - 5000) < 1);
  });

  it('stages chain and a zero-rate stage is skipped', () => {
    const s = new ArrivalSchedule([
      { durationMs: 1000, fromPerSec: 0, toPerSec: 0 },
      { durationMs: 1000, fromPerSec: 100, toPerSec: 100 },
    ]);
    assert.equal(s.offset(0), 1000);
    assert.equal(count(s), 100);
  });

  it('changeRate keeps arrivals before the change and switches after', () => {
    const s = new ArrivalSchedule([{ durationMs: 4000, fromPerSec: 100, toPerSec: 100 }]);
    const before = s.offset(50);
    s.changeRate(2000, 10);
    assert.equal(s.offset(50), before);
    assert.ok(Math.abs(s.offset(200) - 2000) < 1e-6);
    assert.ok(Math.abs(s.offset(201) - 2100) < 1e-6);
    assert.equal(count(s), 220);
  });
});
