/** Live outputs against real sockets on 127.0.0.1: a Prometheus scrape endpoint and OTLP/HTTP push. */
import { localTestRun } from '../../src/generators/local-run.js';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { prepareTest } from '../../src/loader/prepare.js';
import type { RunListener, RunResult } from '../../src/engine/run.js';
import { OtlpOutput } from '../../src/outputs/otlp.js';
import { PrometheusOutput } from '../../src/outputs/prometheus.js';
import { waitFor } from '../helpers/cli.js';
import { startCountingServer, type CountingServer } from '../helpers/counting-server.js';
import { testConfig } from '../helpers/run-test.js';

function run(url: string, listener: RunListener, runId: string, duration = '4s'): Promise<RunResult> {
  const config = testConfig({
    url,
    workers: 1,
    scenarios: {
      main: { executor: 'constant-arrival-rate', rate: 50, duration, preAllocatedVUs: 5, maxVUs: 20 },
    },
  });
  return localTestRun(prepareTest(config), [listener], runId).run();
}

function listenLocal(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

interface OtlpAttr {
  key: string;
  value: { stringValue?: string; intValue?: string | number; doubleValue?: number };
}
interface OtlpPoint {
  attributes?: OtlpAttr[];
  asInt?: string | number;
  asDouble?: number;
}
interface OtlpMetric {
  name: string;
  sum?: { dataPoints: OtlpPoint[] };
  gauge?: { dataPoints: OtlpPoint[] };
}
interface OtlpBody {
  resourceMetrics: {
    resource: { attributes: OtlpAttr[] };
    scopeMetrics: { metrics: OtlpMetric[] }[];
  }[];
}

describe('live outputs', () => {
  let target: CountingServer;
  before(async () => {
    target = await startCountingServer();
  });
  after(async () => {
    await target.close();
  });

  it('prometheus: GET /metrics during the run; port released after close()', async () => {
    const lines: string[] = [];
    const out = await PrometheusOutput.start('127.0.0.1:0', (l) => lines.push(l));
    const before = target.count();
    const runId = 'prom-live-1';
    const done = run(target.url, out, runId);
    // Two seconds of traffic (at 50/s) since the run started: at least one closed second is exported.
    await waitFor(() => target.count() - before >= 100, '100 requests');
    const res = await fetch(`${out.url}/metrics`);
    const text = await res.text();
    const arrived = target.count() - before;
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const m = new RegExp(`^volley_http_reqs_total\\{run_id="${runId}"\\} (\\d+)$`, 'm').exec(text);
    assert.ok(m, text);
    const reqs = Number(m[1]);
    assert.ok(reqs > 0, `volley_http_reqs_total ${reqs}`);
    assert.ok(reqs <= arrived, `reported ${reqs} > target counted ${arrived}`);
    assert.match(text, /^volley_run_active 1$/m);
    assert.match(text, /^volley_endpoint_req_duration_seconds\{[^}]*quantile="0\.99"\} [\d.e-]+$/m);
    assert.match(text, /^volley_iterations_total\{run_id="prom-live-1"\} \d+$/m);
    await done;
    const final = await (await fetch(`${out.url}/metrics`)).text();
    const total = Number(/^volley_http_reqs_total\{[^}]*\} (\d+)$/m.exec(final)?.[1]);
    assert.equal(total, target.count() - before);
    await out.close();
    await assert.rejects(fetch(`${out.url}/metrics`), (err: Error & { cause?: { code?: string } }) => {
      assert.equal(err.cause?.code, 'ECONNREFUSED');
      return true;
    });
  });

  it('prometheus: the default port falls back to a free one when taken', async () => {
    const squatter = createServer();
    await new Promise<void>((resolve) => {
      squatter.once('error', () => resolve()); // already taken by someone else: fine too
      squatter.listen(9464, '127.0.0.1', () => resolve());
    });
    const lines: string[] = [];
    const out = await PrometheusOutput.start('', (l) => lines.push(l));
    try {
      assert.notEqual(new URL(out.url).port, '9464');
      assert.ok(
        lines.some((l) => /port 9464 is in use/.test(l)),
        lines.join('\n'),
      );
      assert.match(await (await fetch(`${out.url}/metrics`)).text(), /^volley_run_active 0$/m);
    } finally {
      await out.close();
      if (squatter.listening) await closeServer(squatter);
    }
  });

  it('otlp: metrics arrive at an OTLP/HTTP JSON receiver; final total equals what the target counted', async () => {
    const bodies: OtlpBody[] = [];
    const receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.method === 'POST' && req.url === '/v1/metrics') {
          let raw = Buffer.concat(chunks);
          if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
          bodies.push(JSON.parse(raw.toString('utf8')) as OtlpBody);
          res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        } else res.writeHead(404).end();
      });
    });
    const port = await listenLocal(receiver);
    const lines: string[] = [];
    const runId = 'otlp-live-1';
    const out = new OtlpOutput(`http://127.0.0.1:${port}/v1/metrics`, { runId, log: (l) => lines.push(l) });
    const before = target.count();
    try {
      await run(target.url, out, runId);
      const during = bodies.length;
      await out.close();
      assert.ok(during >= 2, `exports during the run: ${during}`);
      assert.ok(bodies.length > during, 'close() flushed');
      assert.deepEqual(lines, []);

      const named = (b: OtlpBody, name: string): { attrs: OtlpAttr[]; metric: OtlpMetric }[] =>
        b.resourceMetrics.flatMap((rm) =>
          rm.scopeMetrics.flatMap((sm) =>
            sm.metrics
              .filter((m) => m.name === name)
              .map((metric) => ({ attrs: rm.resource.attributes, metric })),
          ),
        );
      const withRequests = bodies.filter((b) => named(b, 'volley.http.requests').length > 0);
      assert.ok(withRequests.length >= 2);
      const last = named(withRequests.at(-1) as OtlpBody, 'volley.http.requests')[0]!;
      const attr = (list: OtlpAttr[] | undefined, key: string): string | undefined =>
        list?.find((a) => a.key === key)?.value.stringValue;
      assert.equal(attr(last.attrs, 'volley.run_id'), runId);
      assert.equal(attr(last.attrs, 'service.name'), 'volley');
      const points = last.metric.sum?.dataPoints ?? [];
      assert.ok(points.length >= 1);
      assert.equal(attr(points[0]?.attributes, 'scenario'), 'main');
      assert.equal(attr(points[0]?.attributes, 'method'), 'GET');
      const totalReqs = points.reduce((a, p) => a + Number(p.asInt ?? p.asDouble ?? 0), 0);
      assert.equal(totalReqs, target.count() - before);
      assert.ok(totalReqs >= 150, `total ${totalReqs}`);
      const lastBody = bodies.at(-1) as OtlpBody;
      assert.ok(named(lastBody, 'volley.vus').length === 1);
      const dur = named(lastBody, 'volley.http.duration')[0]?.metric.gauge?.dataPoints ?? [];
      assert.deepEqual(dur.map((p) => attr(p.attributes, 'quantile')).sort(), [
        '0.5',
        '0.9',
        '0.95',
        '0.99',
        '1',
      ]);
    } finally {
      await out.close();
      await closeServer(receiver);
    }
  });

  it('otlp: an unreachable collector logs one warning and the run completes', async () => {
    const probe = createServer();
    const port = await listenLocal(probe);
    await closeServer(probe); // nothing listens there now
    const lines: string[] = [];
    const out = new OtlpOutput(`http://127.0.0.1:${port}/v1/metrics`, {
      runId: 'otlp-dead-1',
      log: (l) => lines.push(l),
    });
    const before = target.count();
    const result = await run(target.url, out, 'otlp-dead-1', '3s');
    await out.close();
    assert.ok(target.count() - before >= 100, `target counted ${target.count() - before}`);
    assert.equal(result.aborted, undefined);
    const warnings = lines.filter((l) => /^otlp: warning/.test(l));
    assert.equal(warnings.length, 1, lines.join('\n'));
    assert.match(warnings[0] as string, new RegExp(`127\\.0\\.0\\.1:${port}`));
  });
});
