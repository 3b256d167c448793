/**
 * `volley bench` against a real server with a fast (1 ms) and a slow (20 ms) route: each endpoint
 * measured alone, counted exactly (warm-up apart), compared with the previous bench of the same
 * set, written as volley.bench/1 JSON, and bad input refused before any traffic.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  benchDeltas,
  endpointsKey,
  formatChange,
  parseEndpointFile,
  parseEndpointSpec,
  type BenchDocument,
  type BenchEndpointResult,
} from '../../src/analysis/bench.js';
import { RunStore } from '../../src/store/run-store.js';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'volley-bench-'));
const db = join(dir, 'bench.db');

/** Delays per path; counts and arrival times (ms, performance.now) per `METHOD /path`. */
interface RouteLog {
  url: string;
  count(route: string): number;
  arrivals(route: string): number[];
  reset(): void;
  close(): Promise<void>;
}

async function startTimedServer(delays: Record<string, number>): Promise<RouteLog> {
  let arrivals = new Map<string, number[]>();
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0] as string;
    const route = `${req.method} ${path}`;
    const list = arrivals.get(route) ?? [];
    list.push(performance.now());
    arrivals.set(route, list);
    req.resume();
    req.on('end', () =>
      setTimeout(() => {
        // /missing is a route the target does not serve, like the README's old /api/health.
        res.writeHead(path === '/missing' ? 404 : 200, {
          'content-type': 'text/plain',
          'content-length': '2',
        });
        res.end('ok');
      }, delays[path] ?? 0),
    );
  };
  const server = createServer(handler);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    count: (route) => arrivals.get(route)?.length ?? 0,
    arrivals: (route) => arrivals.get(route) ?? [],
    reset: () => (arrivals = new Map()),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const byLabel = (doc: BenchDocument, label: string): BenchEndpointResult => {
  const e = doc.endpoints.find((x) => `${x.method} ${x.path}` === label);
  assert.ok(e, `${label} in ${JSON.stringify(doc.endpoints.map((x) => x.path))}`);
  return e;
};

describe('volley bench', () => {
  let server: RouteLog;
  let first: BenchDocument;
  before(async () => {
    server = await startTimedServer({ '/fast': 1, '/slow': 20 });
  });
  after(() => server.close());

  it('measures each endpoint alone: latency per route, exact counts, no overlap, volley.bench/1 JSON', async () => {
    const r = await runCli([
      'bench',
      '--url',
      `${server.url}/`,
      '--endpoint',
      'GET /fast',
      '--endpoint',
      '/slow?x=1',
      '--concurrency',
      '4',
      '--duration',
      '2s',
      '--db',
      db,
      '--out',
      'json=-',
    ]);
    assert.equal(r.code, 0, r.stderr);
    first = JSON.parse(r.stdout) as BenchDocument;
    assert.equal(first.schema, 'volley.bench/1');
    assert.equal(first.baseUrl, server.url, 'the trailing slash of --url is dropped');
    assert.equal(first.concurrency, 4);
    assert.equal(first.durationMs, 2000);
    assert.equal(first.warmupMs, 1000);
    assert.equal(first.previous, null);
    assert.deepEqual(first.deltas, []);
    assert.deepEqual(
      first.endpoints.map((e) => `${e.method} ${e.path}`),
      ['GET /fast', 'GET /slow?x=1'],
    );
    for (const e of first.endpoints) {
      assert.deepEqual(Object.keys(e.latency).sort(), ['avg', 'max', 'min', 'p50', 'p90', 'p95', 'p99']);
      assert.equal(e.errorRate, 0);
      assert.deepEqual(e.statuses, { '200': e.requests });
      assert.equal(typeof e.generatorSaturated, 'boolean');
      assert.ok(e.warmupRequests > 0, 'the 1 s warm-up sent requests');
      // The rate is over the measured window only (2 s and the last responses).
      assert.ok(Math.abs(e.rps - e.requests / (e.durationMs / 1000)) < 1, JSON.stringify(e));
      assert.ok(e.durationMs >= 2000 && e.durationMs < 2600, `window ${e.durationMs}`);
    }
    const fast = byLabel(first, 'GET /fast');
    const slow = byLabel(first, 'GET /slow?x=1');
    assert.ok(slow.latency.p50 >= 15, `slow p50 ${slow.latency.p50}`);
    assert.ok(fast.latency.p50 < 10, `fast p50 ${fast.latency.p50}`);
    // Closed loop, 4 connections: ~4 / 21 ms ≈ 190/s on the slow route; far more on the fast one.
    assert.ok(slow.rps > 100 && slow.rps < 200, `slow rate ${slow.rps}`);
    assert.ok(fast.rps > 2 * slow.rps, `fast ${fast.rps} vs slow ${slow.rps}`);

    // Exactly what the server saw on each route: the measured requests plus the warm-up's.
    assert.equal(server.count('GET /fast'), fast.requests + fast.warmupRequests);
    assert.equal(server.count('GET /slow'), slow.requests + slow.warmupRequests);
    // One after the other: nothing of /fast arrived once /slow (its warm-up included) had begun.
    const lastFast = Math.max(...server.arrivals('GET /fast'));
    const firstSlow = Math.min(...server.arrivals('GET /slow'));
    assert.ok(lastFast < firstSlow, `last /fast at ${lastFast}, first /slow at ${firstSlow}`);

    assert.match(
      r.stderr,
      /bench: 2 endpoints against http:\/\/127\.0\.0\.1:\d+, concurrency 4, 2s each after a 1s warm-up/,
    );
    assert.match(
      r.stderr,
      /\[1\/2\] GET \/fast: [\d,]+ requests, [\d,.]+ req\/s, p50 .*, p99 .*, errors 0\.00%/,
    );
    assert.match(r.stderr, /\[2\/2\] GET \/slow\?x=1: /);
    // With --out json=- the table goes to stderr, so stdout stays one JSON document.
    assert.match(r.stderr, /endpoint\s+requests\s+rate\s+p50\s+p95\s+p99\s+max\s+errors\s+status\n/);
    assert.match(r.stderr, /✓ no endpoint had errors/);
    assert.match(r.stderr, /no previous bench of this endpoint set/);

    // Each endpoint's measured run is a normal stored run, source 'bench'.
    const store = RunStore.open(db);
    try {
      for (const e of first.endpoints) {
        const run = store.get(e.runId);
        assert.ok(run, e.runId);
        assert.equal(run.source, 'bench');
        assert.equal(run.status, 'finished');
        assert.equal(run.requests, e.requests);
      }
    } finally {
      store.close();
    }
  });

  it('an endpoint that 404s fails the bench visibly: ✗, its status in the table, exit 99; --max-error-rate allows it', async () => {
    const before404 = server.count('GET /missing');
    const args = ['bench', '--url', server.url, '--endpoint', '/fast', '--endpoint', '/missing'];
    const errorsDb = join(dir, 'errors.db'); // its own store: the bench list below stays two
    const quick = ['-c', '2', '-d', '1s', '--warmup', '0', '--db', errorsDb];
    const r = await runCli([...args, ...quick, '--out', 'json=-']);
    assert.equal(r.code, 99, r.stderr);
    const doc = JSON.parse(r.stdout) as BenchDocument;
    const missing = doc.endpoints.find((e) => e.path === '/missing') as BenchEndpointResult;
    const fast = doc.endpoints.find((e) => e.path === '/fast') as BenchEndpointResult;
    assert.equal(doc.maxErrorRate, 0);
    assert.equal(missing.failed, true);
    assert.equal(fast.failed, false);
    assert.equal(missing.errorRate, 1);
    assert.deepEqual(missing.statuses, { '404': server.count('GET /missing') - before404 });
    assert.match(r.stderr, /✗ GET \/missing(?: \*)? +[\d,]+ .* 100\.00% +404\n/);
    assert.match(r.stderr, /\nGET \/fast(?: \*)? +[\d,]+ .* 0\.00% +200\n/);
    assert.match(r.stderr, /\[2\/2\] ✗ GET \/missing: .*errors 100\.00%, status 404/);
    assert.match(
      r.stderr,
      /✗ FAILED: 1 of 2 endpoints had errors .*GET \/missing errors 100\.00%, status 404/,
    );
    // The endpoint's stored run is failed too, not "passed".
    const store = RunStore.open(errorsDb);
    try {
      assert.equal(store.get(missing.runId)?.verdict, 'failed');
      assert.equal(store.get(fast.runId)?.verdict, 'passed');
    } finally {
      store.close();
    }
    // -q: no table, but the failure still shows.
    const quiet = await runCli([...args, ...quick, '-q']);
    assert.equal(quiet.code, 99);
    assert.match(quiet.stderr, /✗ FAILED: 1 of 2 endpoints/);
    const allowed = await runCli([...args, ...quick, '--max-error-rate', '100%']);
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.match(allowed.stdout, /✓ every endpoint's error rate is within --max-error-rate 100\.00%/);
    const bad = await runCli([...args, ...quick, '--max-error-rate', '150%']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--max-error-rate must be a share like 5% or 0\.05 \(got '150%'\)/);
  });

  it('a second bench of the same set (in any order) shows deltas against the first', async () => {
    server.reset();
    const out = join(dir, 'second.json');
    const r = await runCli([
      'bench',
      '--url',
      server.url,
      '--endpoint',
      'GET /slow?x=1',
      '--endpoint',
      'get /fast',
      '-c',
      '4',
      '-d',
      '2s',
      '--warmup',
      '0',
      '--db',
      db,
      '--out',
      `json=${out}`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const second = JSON.parse(readFileSync(out, 'utf8')) as BenchDocument;
    assert.deepEqual(second.previous, {
      id: first.id,
      createdAt: first.createdAt,
      concurrency: 4,
      durationMs: 2000,
    });
    assert.equal(second.deltas.length, 2);
    for (const d of second.deltas) {
      const a = byLabel(first, `${d.method} ${d.path}`);
      const b = byLabel(second, `${d.method} ${d.path}`);
      assert.deepEqual(d.rps, {
        previous: a.rps,
        current: b.rps,
        changePct: Math.round(((b.rps - a.rps) / a.rps) * 1000) / 10,
      });
      assert.equal(d.p99Ms.previous, a.latency.p99);
      assert.equal(d.p99Ms.current, b.latency.p99);
    }
    // Without a warm-up the server's count is exactly the measured requests.
    for (const e of second.endpoints) {
      assert.equal(e.warmupRequests, 0);
      assert.equal(server.count(`GET ${e.path.split('?')[0]}`), e.requests);
    }
    // The table (stdout: the JSON went to a file) has the delta columns with arrows.
    assert.match(
      r.stdout,
      /endpoint\s+requests\s+rate\s+p50\s+p95\s+p99\s+max\s+errors\s+status\s+Δ rate \(↑ better\)\s+Δ p99 \(↓ better\)\n/,
    );
    assert.match(
      r.stdout,
      /GET \/fast .*[+-]?\d+\.\d% [↑↓=]( better| worse)?\s+[+-]?\d+\.\d% [↑↓=]( better| worse)?\n/,
    );
    assert.match(r.stdout, new RegExp(`Δ against bench ${first.id.slice(0, 8)}`));

    const list = await runCli(['bench', '--list', '--json', '--db', db]);
    assert.equal(list.code, 0, list.stderr);
    const benches = JSON.parse(list.stdout) as { id: string; endpoints: string[] }[];
    assert.deepEqual(
      benches.map((b) => b.id),
      [second.id, first.id],
    );
    assert.deepEqual(benches[0]?.endpoints, ['GET /fast', 'GET /slow?x=1']);
  });

  it('refuses bad input with every problem at once (exit 2), and an unreachable base (exit 3), sending nothing', async () => {
    server.reset();
    const none = await runCli(['bench', '--url', server.url, '--db', db]);
    assert.equal(none.code, 2);
    assert.match(
      none.stderr,
      /error: no endpoints: give --endpoint 'METHOD \/path' \(repeatable\) or --file/,
    );

    const bad = await runCli([
      'bench',
      '--url',
      server.url,
      '--endpoint',
      'GTE /fast',
      '--endpoint',
      'GET /fast extra',
      '--endpoint',
      `GET ${server.url}/fast`,
      '--endpoint',
      'GET fast',
      '--concurrency',
      '0',
      '--duration',
      'soon',
      '--db',
      db,
    ]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /error: --endpoint 'GTE \/fast': 'GTE' is not an HTTP method/);
    assert.match(
      bad.stderr,
      /error: --endpoint 'GET \/fast extra': expected a method and a path, nothing more/,
    );
    assert.match(bad.stderr, /is a full URL: give a path relative to --url/);
    assert.match(bad.stderr, /error: --endpoint 'GET fast': the path 'fast' must start with \//);
    assert.match(bad.stderr, /error: --concurrency must be an integer >= 1 \(got '0'\)/);
    assert.match(bad.stderr, /error: --duration: malformed duration 'soon'/);
    assert.doesNotMatch(bad.stderr, /no endpoints/);

    const file = join(dir, 'endpoints.yaml');
    writeFileSync(
      file,
      [
        '- GET /fast',
        '- { method: GET, path: /fast }',
        '- { method: POST }',
        '- { path: /slow, verb: PUT }',
      ].join('\n'),
    );
    const fromFile = await runCli(['bench', '--url', server.url, '--file', file, '--db', db]);
    assert.equal(fromFile.code, 2);
    assert.match(fromFile.stderr, /endpoints\.yaml: endpoint #3: path is required/);
    assert.match(fromFile.stderr, /endpoints\.yaml: endpoint #4: unknown field 'verb'/);
    assert.match(fromFile.stderr, /error: endpoint 'GET \/fast' is listed twice/);

    const noUrl = await runCli(['bench', '--endpoint', '/fast', '--db', db]);
    assert.equal(noUrl.code, 2);
    assert.match(noUrl.stderr, /--url is required/);
    assert.equal(server.count('GET /fast'), 0, 'nothing was sent');

    // A port nobody listens on: the preflight fails before the first endpoint.
    const closed = await startTimedServer({});
    const deadUrl = closed.url;
    await closed.close();
    const dead = await runCli(['bench', '--url', deadUrl, '--endpoint', '/fast', '--db', db]);
    assert.equal(dead.code, 3);
    assert.match(dead.stderr, /error: cannot reach 127\.0\.0\.1:\d+: connection refused/);
  });
});

describe('bench parsing and deltas', () => {
  it('parses endpoint specs and files, keys a set regardless of order, formats changes', () => {
    assert.deepEqual(parseEndpointSpec('/a?b=1'), { method: 'GET', path: '/a?b=1', headers: {} });
    assert.deepEqual(parseEndpointSpec('  post   /x '), { method: 'POST', path: '/x', headers: {} });
    const json = parseEndpointFile(
      'e.json',
      JSON.stringify({
        endpoints: [{ path: '/a' }, { method: 'post', path: '/b', body: { n: 1 }, headers: { x: 'y' } }],
      }),
    );
    assert.deepEqual(json.errors, []);
    assert.deepEqual(json.endpoints[1], {
      method: 'POST',
      path: '/b',
      headers: { x: 'y', 'content-type': 'application/json' },
      body: '{"n":1}',
    });
    assert.equal(
      endpointsKey([
        { method: 'POST', path: '/b' },
        { method: 'GET', path: '/a' },
      ]),
      endpointsKey([
        { method: 'GET', path: '/a' },
        { method: 'POST', path: '/b' },
      ]),
    );
    const lat = { avg: 0, min: 0, p50: 0, p90: 0, p95: 0, p99: 10 };
    const [d] = benchDeltas(
      [{ method: 'GET', path: '/a', rps: 90, latency: { ...lat, p99: 12, max: 0 } } as BenchEndpointResult],
      [{ method: 'GET', path: '/a', rps: 100, latency: { ...lat, max: 0 } }],
    );
    assert.deepEqual(d?.rps, { previous: 100, current: 90, changePct: -10 });
    assert.deepEqual(d?.p99Ms, { previous: 10, current: 12, changePct: 20 });
    assert.equal(formatChange(20), '+20.0% ↑');
    assert.equal(formatChange(-10), '-10.0% ↓');
    assert.equal(formatChange(0), '0.0% =');
    assert.equal(formatChange(null), 'n/a');
    // Which way is better, said in words: requests per second up is better, latency up is worse.
    assert.equal(formatChange(20, 'lower-is-better'), '+20.0% ↑ worse');
    assert.equal(formatChange(-10, 'higher-is-better'), '-10.0% ↓ worse');
    assert.equal(formatChange(12, 'higher-is-better'), '+12.0% ↑ better');
    assert.equal(formatChange(-0.1, 'lower-is-better'), '-0.1% ↓ better');
    assert.equal(formatChange(0, 'lower-is-better'), '0.0% =');
  });
});
