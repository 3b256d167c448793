/** Open loop: arrival accuracy (exact counts, no bursts) and latency corrected for coordinated omission. */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { startCountingServer, type CountingServer } from '../helpers/counting-server.js';
import { startChildServer } from '../helpers/child-server.js';
import { runTest, total } from '../helpers/run-test.js';
import { statistic } from '../../src/metrics/state.js';

describe('arrival-rate accuracy', () => {
  let server: CountingServer;
  before(async () => {
    server = await startCountingServer();
  });
  after(() => server.close());

  it('constant-arrival-rate: exact count, evenly spread (no per-second bursts)', async () => {
    const before = server.arrivals().length;
    const { result } = await runTest({
      url: `${server.url}/rate`,
      scenarios: {
        s: { executor: 'constant-arrival-rate', rate: 400, duration: '2s', preAllocatedVUs: 10, maxVUs: 50 },
      },
      workers: 2,
    });
    const arrivals = server.arrivals().slice(before);
    assert.equal(arrivals.length, 800);
    assert.equal(total(result, 'http_reqs'), 800);
    assert.equal(total(result, 'dropped_iterations'), 0);
    // 100 ms buckets hold 40 each at 400/s; a burst pattern would put hundreds in one bucket.
    const t0 = arrivals[0] as number;
    const buckets = new Array<number>(20).fill(0);
    for (const t of arrivals) {
      const b = Math.min(19, Math.floor((t - t0) / 100));
      buckets[b] = (buckets[b] ?? 0) + 1;
    }
    const inner = buckets.slice(1, 19);
    assert.ok(Math.max(...inner) <= 60 && Math.min(...inner) >= 20, `100 ms buckets: ${buckets.join(',')}`);
    const lag = result.aggregator.total('schedule_lag');
    assert.ok(lag && (statistic(lag, 'p(95)', 1) ?? 99) < 20, 'arrivals dispatched late');
  });

  for (const fastPath of [true, false])
    it(`warm-up${fastPath ? '' : ' without the fast path'}: connections open before the start, no request sent, server count == volley count`, async () => {
      const conns = server.connectionTimes().length;
      const reqs = server.arrivals().length;
      // 1,000/s per worker: each worker warms 5 VUs (1,000/s x 5 ms). On the fast path it first
      // rehearses (a burst, then half a second of the schedule) against its own stand-in target,
      // none of which may reach this server or any metric; without it (undici) there is no rehearsal.
      const { result } = await runTest({
        url: `${server.url}/warm`,
        scenarios: {
          s: {
            executor: 'constant-arrival-rate',
            rate: 2000,
            duration: '1s',
            preAllocatedVUs: 20,
            maxVUs: 200,
          },
        },
        workers: 2,
        fastPath,
      });
      const opened = server.connectionTimes().slice(conns);
      const arrivals = server.arrivals().slice(reqs);
      const first = arrivals[0] as number;
      // (undici opens a warmed VU's connection too, but not always before the first request.)
      if (fastPath)
        assert.ok(
          opened.filter((t) => t < first).length >= 10,
          `${opened.filter((t) => t < first).length} of ${opened.length} connections opened before the first request`,
        );
      // Warming sends nothing to the target and the rehearsal records nothing: every request the
      // server saw is one volley counted, and the reverse.
      const sent = total(result, 'http_reqs');
      assert.equal(arrivals.length, sent);
      assert.equal(total(result, 'iterations'), sent);
      assert.equal(sent + total(result, 'dropped_iterations'), 2000);
      const failed = result.aggregator.total('http_req_failed');
      assert.equal(failed?.type === 'rate' ? failed.trues : -1, 0);
    });

  it('ramping-arrival-rate follows its stages', async () => {
    const { snapshots, result } = await runTest({
      url: `${server.url}/ramp`,
      scenarios: {
        s: {
          executor: 'ramping-arrival-rate',
          startRate: 50,
          stages: [
            { duration: '2s', target: 250 },
            { duration: '1s', target: 250 },
          ],
          preAllocatedVUs: 5,
          maxVUs: 50,
        },
      },
      workers: 2,
    });
    // integral: (50+250)/2*2 + 250*1 = 550
    assert.ok(Math.abs(total(result, 'http_reqs') - 550) <= 1, `got ${total(result, 'http_reqs')}`);
    const perSec = snapshots.map((s) => s.requests);
    // second 0 ≈ 100, second 1 ≈ 200, second 2 ≈ 250
    assert.ok(Math.abs((perSec[0] ?? 0) - 100) <= 25, `per second: ${perSec.join(',')}`);
    assert.ok(Math.abs((perSec[1] ?? 0) - 200) <= 25, `per second: ${perSec.join(',')}`);
    assert.ok(Math.abs((perSec[2] ?? 0) - 250) <= 25, `per second: ${perSec.join(',')}`);
  });
});

describe('coordinated omission', () => {
  it('a 1 s stall shows in iteration_latency p99 (>= 70% of the true value)', async () => {
    const script = fileURLToPath(new URL('../fixtures/stall-server.js', import.meta.url));
    const target = await startChildServer(script, ['1000', '1000']);
    try {
      const { result } = await runTest({
        url: `${target.url}/`,
        scenarios: {
          s: { executor: 'constant-arrival-rate', rate: 200, duration: '3s', preAllocatedVUs: 3, maxVUs: 3 },
        },
        workers: 1,
      });
      assert.equal(total(result, 'http_reqs'), 600);
      const corrected = statistic(result.aggregator.total('iteration_latency')!, 'p(99)', 1) as number;
      const service = statistic(result.aggregator.total('http_req_duration')!, 'p(99)', 1) as number;
      // Truth: arrivals during the 1 s stall (1/3 of 3 s) wait U(0, 1 s): p99 = 1000 - 0.01*3000 = 970 ms.
      assert.ok(corrected >= 0.7 * 970, `iteration_latency p99 ${corrected} ms`);
      assert.ok(corrected <= 1300, `iteration_latency p99 ${corrected} ms is above any possible wait`);
      assert.ok(
        service < corrected / 2,
        `service time p99 ${service} ms should hide the stall (corrected ${corrected})`,
      );
    } finally {
      await target.stop();
    }
  });
});
