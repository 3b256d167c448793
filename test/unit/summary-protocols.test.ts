/**
 * The summary names no protocol: its `protocols[]`, `headline`, endpoint rows (with their
 * protocol), error classes and corrected latency come from every registered protocol's headline
 * metrics. A second protocol registered here (a stand-in) shows beside HTTP; an HTTP-only run's
 * reports show no protocol table or column.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Aggregator, type ClosedSecond } from '../../src/metrics/aggregator.js';
import { BUILTIN_BY_NAME } from '../../src/metrics/definitions.js';
import { MetricSink } from '../../src/metrics/sink.js';
import { endpointLabel } from '../../src/analysis/compare.js';
import { buildSnapshot as snapshotOf, type Snapshot } from '../../src/engine/snapshot.js';
import { renderHtmlReport } from '../../src/report/html-report.js';
import { Progress } from '../../src/report/progress.js';
import { endpointName } from '../../src/report/recommendations.js';
import { renderSummary } from '../../src/report/terminal.js';
import { summaryHeadline, summaryProtocols } from '../../src/summary/headline.js';
import type { SummaryInput } from '../../src/summary/input.js';
import { buildSummary, type Summary } from '../../src/summary/summary.js';
import { testConfig } from '../helpers/run-test.js';
import { registerStandinProtocol, STANDIN } from '../helpers/protocol-standin.js';

const def = (n: string) => BUILTIN_BY_NAME.get(n)!;

function input(agg: Aggregator): SummaryInput {
  const now = new Date(0);
  return {
    runId: 'r',
    startedAt: now,
    endedAt: new Date(10_000),
    durationMs: 10_000,
    aggregator: agg,
    thresholds: [],
    aborted: undefined,
    generator: {
      workers: 1,
      saturated: false,
      saturatedSeconds: 0,
      seconds: 10,
      reasons: [],
      cpuPercent: { avg: 0, max: 0 },
      rssMB: { max: 0 },
      perWorker: [],
    },
    workerErrors: [],
    runErrors: [],
    started: {},
    scriptErrors: [],
    plans: [],
    timeline: [],
  };
}

/** The snapshot of the one second `record` closed. */
function buildSnapshot(agg: Aggregator): Snapshot {
  return snapshotOf(agg, closedSecond.get(agg)!, 0, {
    workers: [],
    cpuPercent: 0,
    rssMB: 0,
    saturated: false,
    reasons: [],
    unresponsive: [],
  });
}

/** 30 HTTP requests (3 failed, 1 ms) and `standin` calls (the first failed by timeout; 9 ms; 50 ms iteration latency each). */
function record(standin: number): Aggregator {
  const sink = new MetricSink();
  const web = { scenario: 's', name: 'GET /a', method: 'GET', status: '200' };
  for (let i = 0; i < 30; i++) {
    sink.counter(def('http_reqs'), web).add(1);
    sink.rate(def('http_req_failed'), web).add(i < 3);
    sink.trend(def('http_req_duration'), web).add(1_000);
  }
  for (let i = 0; i < standin; i++) {
    const tags =
      i === 0
        ? { scenario: 's', name: 'queue/Submit', method: 'CALL', error: 'timeout' }
        : { scenario: 's', name: 'queue/Submit', method: 'CALL', status: 'OK' };
    sink.counter(def(STANDIN.count), tags).add(1);
    sink.rate(def(STANDIN.failures), tags).add(i === 0);
    sink.trend(def(STANDIN.duration), tags).add(9_000);
    sink.trend(def('iteration_latency'), { scenario: 's' }).add(50_000);
  }
  const agg = new Aggregator(10);
  agg.addWorker(0);
  const [closed] = agg.ingest(0, 0, sink.flush());
  closedSecond.set(agg, closed!);
  return agg;
}

const closedSecond = new WeakMap<Aggregator, ClosedSecond>();

describe('summary protocols come from the registered headlines', () => {
  registerStandinProtocol();
  const config = testConfig({ url: 'http://127.0.0.1:1/', scenarios: {} });

  it('protocols[]: one entry per protocol that sent requests, most requests first', () => {
    const s = buildSummary(input(record(60)), config);
    assert.deepEqual(
      s.protocols?.map((p) => [p.name, p.requests, p.failures, p.errorRate, p.rps, p.latency.p50]),
      [
        ['standin', 60, 1, 1 / 60, 6, 9],
        ['http', 30, 3, 0.1, 3, 1],
      ],
    );
    assert.equal(s.headline, 'standin', 'the protocol with most requests');
    assert.deepEqual(summaryHeadline(s), { protocol: 'standin', ...STANDIN_METRICS });
    // Corrected latency compares with the headline protocol's service time.
    assert.equal(s.correctedLatency?.serviceTime.p50, 9);
    assert.deepEqual(s.errors, { timeout: 1 });
  });

  it('endpoints: a row per protocol endpoint, with its protocol, statuses and latency', () => {
    const s = buildSummary(input(record(10)), config);
    assert.equal(s.headline, 'http');
    assert.deepEqual(
      s.endpoints.map((e) => [
        e.protocol,
        e.method,
        e.name,
        e.requests,
        e.failures,
        e.latency.p99,
        e.statuses,
      ]),
      [
        ['http', 'GET', 'GET /a', 30, 3, 1, { '200': 30 }],
        ['standin', 'CALL', 'queue/Submit', 10, 1, 9, { OK: 9, 'error:timeout': 1 }],
      ],
    );
  });

  it('an HTTP-only run: one protocol, and no protocol table or column in the reports', () => {
    const s = buildSummary(input(record(0)), config);
    assert.deepEqual(
      s.protocols?.map((p) => p.name),
      ['http'],
    );
    assert.equal(s.headline, 'http');
    const term = renderSummary(s, { color: false });
    assert.doesNotMatch(term, /Protocols/);
    assert.match(term, /^\s+endpoint\s+scenario\s+reqs/m);
    const html = renderHtmlReport(s);
    assert.doesNotMatch(html, /id="protocols"/);
    assert.doesNotMatch(html, /chart-protocol-/);
    assert.match(html, /<th>scenario<\/th><th>endpoint<\/th>/);
  });

  it('the progress line gives each protocol its rate and p99 when there are several', () => {
    const one = buildSnapshot(record(0));
    const two = buildSnapshot(record(10));
    const progress = new Progress({ tty: false, write: () => {}, plainEverySeconds: 5 });
    assert.doesNotMatch(progress.line(one), /http \d+\/s/);
    const line = progress.line(two);
    assert.match(line, /http 30\/s p99 1(\.00)?ms err 10\.00% · standin 10\/s p99 9(\.00)?ms err 10\.00%/);
  });

  it("endpoint labels: a name that is its method (a gRPC method) or has no method isn't doubled", () => {
    const m = 'taskqueue.TaskQueue/SubmitTask';
    assert.equal(endpointName({ method: m, name: m }), m);
    assert.equal(endpointName({ method: '', name: 'ws://127.0.0.1:1/echo' }), 'ws://127.0.0.1:1/echo');
    assert.equal(endpointName({ method: 'GET', name: 'GET /a' }), 'GET /a');
    assert.equal(endpointName({ method: 'CALL', name: 'queue/Submit' }), 'CALL queue/Submit');
    assert.equal(endpointLabel({ scenario: 's', method: m, name: m }), `s ${m}`);
  });

  it('a summary written before protocols[] is read as its HTTP headline', () => {
    const s = buildSummary(input(record(0)), config);
    const old = { ...s } as Partial<Summary>;
    delete old.protocols;
    delete old.headline;
    const ps = summaryProtocols(old as Summary);
    assert.deepEqual(
      ps.map((p) => [p.name, p.requests, p.failures, p.latency.p50]),
      [['http', 30, 3, 1]],
    );
  });
});

const STANDIN_METRICS = { count: STANDIN.count, failures: STANDIN.failures, duration: STANDIN.duration };
