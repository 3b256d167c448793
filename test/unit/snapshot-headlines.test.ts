/**
 * The live snapshot names no protocol: its requests, failures, latency and endpoint table come
 * from the headline metrics the registered protocol modules declared. A second protocol registered
 * here (a stand-in with its own metric names) is counted beside HTTP without any engine change.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildSnapshot, type GeneratorSecond } from '../../src/engine/snapshot.js';
import { Aggregator } from '../../src/metrics/aggregator.js';
import {
  BUILTIN_BY_NAME,
  defineMetric,
  registerHeadline,
  registerMetrics,
} from '../../src/metrics/definitions.js';
import { MetricSink } from '../../src/metrics/sink.js';

const def = (n: string) => BUILTIN_BY_NAME.get(n)!;
const GENERATOR: GeneratorSecond = {
  workers: [],
  cpuPercent: 0,
  rssMB: 0,
  saturated: false,
  reasons: [],
  unresponsive: [],
};

describe('snapshot headlines come from the protocol modules', () => {
  it('requests, failures, latency and endpoints sum every registered protocol', () => {
    // A stand-in protocol (the engine knows nothing of it): its metrics and headline.
    registerMetrics([
      defineMetric('msg_sent', 'counter', 'default', 'messages sent'),
      defineMetric('msg_failed', 'rate', 'default', 'share of messages that failed'),
      defineMetric('msg_duration', 'trend', 'time', 'message round trip'),
    ]);
    registerHeadline({ count: 'msg_sent', failures: 'msg_failed', duration: 'msg_duration' }, 'msg');

    const sink = new MetricSink();
    const web = { scenario: 's', name: 'GET /a', method: 'GET', status: '200' };
    for (let i = 0; i < 30; i++) {
      sink.counter(def('http_reqs'), web).add(1);
      sink.rate(def('http_req_failed'), web).add(i < 3);
      sink.trend(def('http_req_duration'), web).add(1_000);
    }
    const chat = { scenario: 's', name: 'chat', method: 'SEND' };
    for (let i = 0; i < 10; i++) {
      sink.counter(def('msg_sent'), chat).add(1);
      sink.rate(def('msg_failed'), chat).add(i < 1);
      sink.trend(def('msg_duration'), chat).add(9_000);
    }
    const agg = new Aggregator(10);
    agg.addWorker(0);
    const [closed] = agg.ingest(0, 0, sink.flush());
    const snap = buildSnapshot(agg, closed!, 0, GENERATOR);

    assert.equal(snap.requests, 40);
    assert.equal(snap.failures, 4);
    assert.equal(snap.errorRate, 0.1);
    assert.equal(snap.latency.count, 40, 'latency merges both protocols');
    assert.equal(snap.latency.min, 1);
    assert.equal(snap.latency.max, 9);
    assert.equal(snap.cumulative.requests, 40);
    assert.equal(snap.current.rps, 40);
    assert.deepEqual(snap.endpoints.map((e) => [e.name, e.method, e.requests, e.failures]).sort(), [
      ['GET /a', 'GET', 30, 3],
      ['chat', 'SEND', 10, 1],
    ]);
    assert.deepEqual(snap.cumulative.endpoints.map((e) => e.requests).sort(), [10, 30]);
  });
});
