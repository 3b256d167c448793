/**
 * Thousands of distinct endpoint names: past the cap they share one `METHOD other` bucket, and
 * nothing is kept per distinct name (before: every name stayed in the script runtime's endpoint
 * cache) nor per series and second in the aggregator's window (before: a 14 KB histogram per trend
 * series and second, 421 MB in the main thread of a run with 1,000 names on 2 workers).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Aggregator } from '../../src/metrics/aggregator.js';
import { MetricSink } from '../../src/metrics/sink.js';
import { statistic, type MetricState } from '../../src/metrics/state.js';
import { tagsKey } from '../../src/metrics/tags.js';
import { HttpRecorder } from '../../src/protocols/http/recorder.js';
import { ScenarioEndpoints } from '../../src/protocols/http/script-api.js';
import type { HttpResponse } from '../../src/protocols/http/types.js';

const CAP = 200;

function response(durationUs: number): HttpResponse {
  return {
    status: 200,
    headers: {},
    body: Buffer.alloc(0),
    timings: {
      blockedUs: 0,
      connectingUs: 0,
      tlsUs: 0,
      sendingUs: 10,
      waitingUs: durationUs - 20,
      receivingUs: 10,
      durationUs,
    },
    bytesSent: 50,
    bytesReceived: 100,
  };
}

/** Records one request per name through a script scenario's endpoint cache; returns what it and the sink hold. */
function recordNames(names: number): { cached: number; series: number } {
  const sink = new MetricSink();
  const rt = new ScenarioEndpoints(new HttpRecorder(sink, CAP), 's');
  const tags = { scenario: 's' };
  const scope = { tags, key: tagsKey(tags), assertRunning: () => {} };
  for (let i = 0; i < names; i++) rt.endpoint(scope, 'GET', `GET /p${i}`, undefined).record(response(1000));
  const cached = (rt as unknown as { endpoints: Map<string, unknown> }).endpoints.size;
  const series = new Set(sink.flush().map((p) => `${p.metric} ${p.tags.name}`)).size;
  return { cached, series };
}

describe('distinct endpoint names beyond the cap cost nothing per name', () => {
  it('a script scenario caches at most the capped names; the sink holds cap + other', () => {
    const few = recordNames(1_000);
    const many = recordNames(20_000);
    assert.equal(many.cached, few.cached, 'the same cache size for 1,000 and 20,000 names');
    assert.ok(many.cached <= CAP, `${many.cached} cached recorders`);
    assert.equal(many.series, few.series);
    assert.equal(many.series, 11 * (CAP + 1), 'eleven HTTP metrics for 200 names and GET other');
  });

  it("the aggregator's window keeps one state per metric and second, whatever the series count", () => {
    const windowStates = (agg: Aggregator): number =>
      (agg as unknown as { window: Map<string, MetricState>[] }).window.reduce((a, s) => a + s.size, 0);
    const run = (endpoints: number): Aggregator => {
      const agg = new Aggregator(10);
      agg.addWorker(0);
      const sink = new MetricSink();
      const recorder = new HttpRecorder(sink, 1_000);
      for (let sec = 0; sec < 15; sec++) {
        for (let e = 0; e < endpoints; e++)
          recorder
            .endpoint({ scenario: 's', name: `GET /p${e}`, method: 'GET' })
            .record(response(sec === 14 ? 9_000 : 1_000 + e));
        agg.ingest(0, sec, sink.flush());
      }
      agg.closeAll();
      return agg;
    };
    const one = run(1);
    const many = run(400);
    assert.equal(windowStates(many), windowStates(one), 'per metric, not per series');
    assert.equal(windowStates(many), 10 * 11, 'ten seconds of eleven HTTP metrics');
    // The window still answers for every series: its count and extremes are the last ten seconds'.
    const cur = many.current('http_req_duration') as MetricState;
    assert.equal(cur.count, 10 * 400);
    assert.equal(statistic(cur, 'max', 1), 9);
    assert.equal(statistic(cur, 'min', 1), 1);
    assert.equal(many.current('http_reqs')?.sum, 4000);
    assert.equal(many.total('http_reqs')?.sum, 15 * 400);
  });
});
