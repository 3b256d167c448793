/**
 * The lazily re-armed deadline timer: each request gets its own full timeout measured from its
 * own arm(), however many requests came before it on the same timer, and never fires early.
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { DeadlineTimer } from '../../src/protocols/http/deadline.js';

function expiry(): { timer: DeadlineTimer; fired: Promise<number> } {
  let resolve!: (at: number) => void;
  const fired = new Promise<number>((r) => (resolve = r));
  const timer = new DeadlineTimer(() => resolve(performance.now()));
  return { timer, fired };
}

describe('DeadlineTimer', () => {
  // The timer is unref'd (a request's socket keeps a real run alive): hold the loop open here.
  let keepAlive: NodeJS.Timeout;
  before(() => {
    keepAlive = setInterval(() => {}, 1_000);
  });
  after(() => clearInterval(keepAlive));
  it('a request armed after earlier ones times out a full timeout after its own start', async () => {
    const { timer, fired } = expiry();
    // Ten quick "requests" then one that hangs: the timer scheduled for the first must not cut it short.
    for (let i = 0; i < 10; i++) {
      timer.arm(200);
      await sleep(10);
      timer.disarm();
    }
    const start = performance.now();
    timer.arm(200);
    const at = await fired;
    timer.dispose();
    assert.ok(at - start >= 200, `fired ${(at - start).toFixed(1)} ms after its arm(), before its 200 ms`);
    assert.ok(at - start < 400, `fired ${(at - start).toFixed(1)} ms after its arm()`);
  });

  it('a shorter timeout than the scheduled one fires on time', async () => {
    const { timer, fired } = expiry();
    timer.arm(5_000);
    timer.disarm();
    const start = performance.now();
    timer.arm(50);
    const at = await fired;
    timer.dispose();
    assert.ok(at - start >= 50 && at - start < 1_000, `fired ${(at - start).toFixed(1)} ms after arm(50)`);
  });

  it('a disarmed request never expires, and a disabled timeout (0) never fires', async () => {
    let n = 0;
    const timer = new DeadlineTimer(() => n++);
    timer.arm(20);
    timer.disarm();
    timer.arm(0);
    await sleep(80);
    timer.dispose();
    assert.equal(n, 0);
  });
});
