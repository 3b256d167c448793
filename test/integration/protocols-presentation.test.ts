/**
 * Every protocol shows in the summary, the endpoint table, the store and the reports the way HTTP
 * does: a real in-process load speaking HTTP and a stand-in second protocol (test/helpers/
 * protocol-standin.ts) against two real counting servers, recorded into a real store. The counts
 * each server saw are the truth every view is checked against.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { renderHtmlReport } from '../../src/report/html-report.js';
import { renderMarkdownReport } from '../../src/report/markdown-report.js';
import { prometheusText } from '../../src/report/prometheus-text.js';
import { renderSummary } from '../../src/report/terminal.js';
import { RunStore } from '../../src/store/run-store.js';
import type { Summary } from '../../src/summary/summary.js';
import type { Snapshot } from '../../src/engine/snapshot.js';
import { recordMixedRun, STANDIN, type MixedRun } from '../helpers/protocol-standin.js';

const ITERATIONS = 200;

describe('two protocols in one run: summary, store and reports list both', () => {
  const dir = mkdtempSync(join(tmpdir(), 'volley-protocols-'));
  const id = 'bbbbbbbb-1111-2222-3333-444444444444';
  let store: RunStore;
  let run: MixedRun;
  let summary: Summary;
  let snapshots: Snapshot[];
  const http = { count: () => run.httpCount };
  const standin = {
    total: () => [...run.standinCalls.values()].reduce((a, b) => a + b, 0),
    calls: () => run.standinCalls,
  };

  before(async () => {
    store = RunStore.open(join(dir, 'volley.db'));
    run = await recordMixedRun(dir, store, id, ITERATIONS);
    summary = run.summary;
    snapshots = run.snapshots;
  });

  after(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  it('the servers saw every call', () => {
    assert.equal(http.count(), ITERATIONS);
    assert.equal(standin.total(), ITERATIONS);
    assert.equal(standin.calls().get('fail/Submit'), ITERATIONS / 10);
  });

  it("summary: protocols[] has each protocol's counts, failures and latency; the headline is the first", () => {
    const byName = new Map((summary.protocols ?? []).map((p) => [p.name, p]));
    assert.deepEqual([...byName.keys()].sort(), ['http', 'standin']);
    const h = byName.get('http')!;
    const s = byName.get('standin')!;
    assert.equal(h.requests, http.count());
    assert.equal(h.failures, 0);
    assert.deepEqual(h.metrics, {
      count: 'http_reqs',
      failures: 'http_req_failed',
      duration: 'http_req_duration',
    });
    assert.equal(s.requests, standin.total());
    assert.equal(s.failures, ITERATIONS / 10);
    assert.equal(s.errorRate, 0.1);
    assert.deepEqual(s.metrics, {
      count: STANDIN.count,
      failures: STANDIN.failures,
      duration: STANDIN.duration,
    });
    // The stand-in server answers after 3 ms: its own latency, not HTTP's, is in its row.
    assert.ok(s.latency.p50 >= 3, `standin p50 ${s.latency.p50}`);
    assert.equal(s.latency.count, ITERATIONS);
    assert.equal(summary.headline, summary.protocols?.[0]?.name);
  });

  it('summary: a stand-in call is an endpoint with its protocol, status counts and failures', () => {
    const rows = summary.endpoints.map((e) => [e.protocol, e.method, e.name, e.requests, e.failures]);
    assert.deepEqual(
      rows.sort((a, b) => String(a[2]).localeCompare(String(b[2]))),
      [
        ['http', 'GET', 'GET /api/items', ITERATIONS, 0],
        ['standin', 'CALL', 'fail/Submit', ITERATIONS / 10, ITERATIONS / 10],
        ['standin', 'CALL', 'queue/Submit', ITERATIONS - ITERATIONS / 10, 0],
      ].sort((a, b) => String(a[2]).localeCompare(String(b[2]))),
    );
    const fail = summary.endpoints.find((e) => e.name === 'fail/Submit')!;
    assert.deepEqual(fail.statuses, { ERR: ITERATIONS / 10 });
  });

  it('live snapshots: per-protocol figures add up to what the servers saw', () => {
    const last = snapshots.at(-1)!;
    const ps = new Map((last.protocols ?? []).map((p) => [p.protocol, p]));
    assert.equal(ps.get('http')?.cumulative.requests, ITERATIONS);
    assert.equal(ps.get('standin')?.cumulative.requests, ITERATIONS);
    assert.equal(ps.get('standin')?.cumulative.failures, ITERATIONS / 10);
    const perSecond = snapshots.reduce(
      (n, s) => n + (s.protocols?.find((p) => p.protocol === 'standin')?.requests ?? 0),
      0,
    );
    assert.equal(perSecond, ITERATIONS);
    assert.ok(last.cumulative.endpoints.some((e) => e.protocol === 'standin' && e.name === 'queue/Submit'));
    // The chart points carry each protocol once the run speaks two.
    assert.ok(summary.series.some((p) => (p.protocols ?? []).length === 2));
  });

  it('store: per-endpoint seconds carry the protocol; histograms per endpoint for each headline duration', () => {
    const ep = store.endpointSeries(id);
    const sum = (protocol: string) =>
      ep.filter((e) => e.protocol === protocol).reduce((n, e) => n + e.requests, 0);
    assert.equal(sum('http'), http.count());
    assert.equal(sum('standin'), standin.total());
    const p = store.percentiles(id, STANDIN.duration, [50, 99], { method: 'CALL', name: 'queue/Submit' });
    assert.equal(p?.count, ITERATIONS - ITERATIONS / 10);
    assert.ok((p?.['p(50)'] ?? 0) >= 3);
    const stored = store.get(id)!;
    // The listing's numbers are the headline protocol's (both sent as many: the first registered wins ties).
    const head = summary.protocols!.find((x) => x.name === summary.headline)!;
    assert.equal(stored.requests, head.requests);
    assert.equal(stored.errorRate, summary.metrics[head.metrics.failures]?.values.rate);
  });

  it('reports: terminal, HTML and markdown have a protocol table and the protocol column', () => {
    const term = renderSummary(summary, { color: false });
    assert.match(term, /Protocols\n/);
    assert.match(term, /^\s+standin\s+200\s+20\s+10\.00%/m);
    assert.match(term, /^\s+http\s+200\s+0\s/m);
    assert.match(term, /^\s+standin\s+queue\/Submit\s+mixed\s+180\s/m);
    assert.match(
      term,
      new RegExp(`^\\s+${STANDIN.duration}\\s+avg=`, 'm'),
      'its duration in the metric table',
    );

    const html = renderHtmlReport(summary);
    assert.match(html, /<section id="protocols">/);
    assert.match(html, /<tr data-protocol="standin"><td>standin<\/td>/);
    assert.match(html, /<th>protocol<\/th><th>scenario<\/th><th>endpoint<\/th>/);
    assert.match(html, /Also 200 (standin|http) requests/);
    assert.match(html, /<figure class="chart" id="chart-protocol-throughput">/);
    assert.match(html, /<figure class="chart" id="chart-protocol-p99">/);

    const md = renderMarkdownReport(summary, { chartsDir: 'charts' }).markdown;
    assert.match(md, /### Protocols/);
    assert.match(md, /\| standin \| 200 \|/);
  });

  it('prometheus text: per-protocol series and the endpoint protocol label', () => {
    const text = prometheusText(id, snapshots.at(-1)!);
    assert.match(text, /^volley_protocol_requests_total\{run_id="[^"]+",protocol="standin"\} 200$/m);
    assert.match(text, /^volley_protocol_failures_total\{run_id="[^"]+",protocol="standin"\} 20$/m);
    assert.match(
      text,
      /^volley_endpoint_requests_total\{run_id="[^"]+",protocol="standin",scenario="mixed",method="CALL",name="fail\/Submit"\} 20$/m,
    );
    assert.match(text, /^volley_http_reqs_total\{run_id="[^"]+"\} 400$/m, 'every protocol in the total');
  });
});
