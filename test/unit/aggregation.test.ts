import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Aggregator } from '../../src/metrics/aggregator.js';
import { BUILTIN_BY_NAME } from '../../src/metrics/definitions.js';
// Registers the protocol modules' metrics (http_*) with the metrics layer.
import '../../src/protocols/registry.js';
import { MetricSink } from '../../src/metrics/sink.js';
import { statistic } from '../../src/metrics/state.js';

const def = (n: string) => BUILTIN_BY_NAME.get(n)!;

describe('aggregation across workers and seconds', () => {
  it('merged HDR percentiles stay within 1% of the exact values, never averaged', () => {
    // Two "workers" with very different distributions: averaging their p99s would be far off.
    const a = new MetricSink();
    const b = new MetricSink();
    const all: number[] = [];
    const tags = { scenario: 's', name: 'GET /', method: 'GET', status: '200' };
    for (let i = 0; i < 20_000; i++) {
      const v = 100 + ((i * 7919) % 1000); // 100..1099 µs
      a.trend(def('http_req_duration'), tags).add(v);
      all.push(v);
    }
    for (let i = 0; i < 2_000; i++) {
      const v = 50_000 + ((i * 104729) % 50_000); // 50..100 ms
      b.trend(def('http_req_duration'), tags).add(v);
      all.push(v);
    }
    const agg = new Aggregator(10);
    agg.addWorker(0);
    agg.addWorker(1);
    agg.ingest(0, 0, a.flush());
    const closed = agg.ingest(1, 0, b.flush());
    assert.equal(closed.length, 1, 'the second closes once both workers reported it');
    all.sort((x, y) => x - y);
    const st = agg.total('http_req_duration')!;
    assert.equal(st.count, 22_000);
    for (const p of [50, 90, 95, 99, 99.9]) {
      const exact = all[Math.ceil((p / 100) * all.length) - 1]! / 1000;
      const got = statistic(st, `p(${p})`, 1)!;
      assert.ok(Math.abs(got - exact) / exact <= 0.01, `p(${p}): ${got} vs exact ${exact}`);
    }
    assert.equal(statistic(st, 'min', 1), 0.1);
    assert.equal(statistic(st, 'max', 1), Math.max(...all) / 1000);
  });

  it('tag filters select sub-series; counters and rates sum', () => {
    const s = new MetricSink();
    s.counter(def('http_reqs'), { name: 'a', status: '200' }).add(3);
    s.counter(def('http_reqs'), { name: 'b', status: '500' }).add(2);
    s.rate(def('http_req_failed'), { name: 'b' }).add(true);
    s.rate(def('http_req_failed'), { name: 'a' }).add(false);
    const agg = new Aggregator(10);
    agg.addWorker(0);
    agg.ingest(0, 0, s.flush());
    agg.closeAll();
    assert.equal(agg.total('http_reqs')!.sum, 5);
    assert.equal(agg.total('http_reqs', { name: 'b' })!.sum, 2);
    assert.equal(statistic(agg.total('http_req_failed')!, 'rate', 1), 0.5);
  });

  it('the current window forgets old seconds, the cumulative view does not', () => {
    const agg = new Aggregator(2);
    agg.addWorker(0);
    for (let sec = 0; sec < 4; sec++) {
      const s = new MetricSink();
      s.trend(def('http_req_duration'), {}).add(sec === 0 ? 1_000_000 : 1000);
      agg.ingest(0, sec, s.flush());
    }
    agg.closeAll();
    assert.equal(statistic(agg.total('http_req_duration')!, 'max', 1), 1000);
    assert.equal(statistic(agg.current('http_req_duration')!, 'max', 1), 1);
  });
});
