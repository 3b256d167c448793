/**
 * HTTP depth through the real CLI against a real server that counts what it received: response
 * decompression (gzip, deflate, br) and request compression, multipart uploads with files,
 * expectedStatuses (per test, per request, YAML steps, --expected-status) with status-class
 * threshold filters, and http.batch. Every test compares the server's counts with volley's.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { brotliCompressSync, deflateSync, gunzipSync, gzipSync } from 'node:zlib';
import { runCli, runForSummary } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'volley-http-depth-'));
let n = 0;
function file(text: string, ext = '.ts'): string {
  const f = join(dir, `t${++n}${ext}`);
  writeFileSync(f, text);
  return f;
}

interface Summary {
  verdict: string;
  metrics: Record<
    string,
    { values: Record<string, number>; thresholds?: Record<string, { ok: boolean; actual?: number }> }
  >;
  checks: { name: string; passes: number; fails: number }[];
  errors: Record<string, number>;
  scriptErrors: { message: string; count: number }[];
  thresholds: {
    ok: boolean;
    results: { metric: string; threshold: string; ok: boolean; actual: number | null }[];
  };
}

const run = (args: string[]): ReturnType<typeof runForSummary<Summary>> => runForSummary<Summary>(dir, args);

const checkPasses = (s: Summary): number => s.checks.reduce((a, c) => a + c.passes, 0);
const checkFails = (s: Summary): number => s.checks.reduce((a, c) => a + c.fails, 0);

/** The payload every compressed route answers with (large enough that compression matters). */
const PAYLOAD = JSON.stringify({
  ok: true,
  items: Array.from({ length: 200 }, (_, i) => ({ id: i, name: `item-${i}` })),
});
/** Binary file bytes: every byte value, twice. */
const FILE_BYTES = Buffer.from([
  ...Array.from({ length: 256 }, (_, i) => i),
  ...Array.from({ length: 256 }, (_, i) => i),
]);

interface DepthServer {
  url: string;
  counts: Map<string, number>;
  /** Most requests in flight at once on /slow. */
  maxInflight(): number;
  /** Bytes written on every connection (heads and bodies). */
  bytesWritten(): number;
  reset(): void;
  close(): Promise<void>;
}

function count(m: Map<string, number>, k: string): void {
  m.set(k, (m.get(k) ?? 0) + 1);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function startDepthServer(): Promise<DepthServer> {
  const counts = new Map<string, number>();
  let inflight = 0;
  let maxInflight = 0;
  const sockets = new Set<Socket>();
  let closedBytes = 0;
  const encoded = {
    gzip: gzipSync(PAYLOAD),
    deflate: deflateSync(PAYLOAD),
    br: brotliCompressSync(PAYLOAD),
  };
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    const body = await readBody(req);
    const send = (status: number, text: string | Buffer, headers: Record<string, string> = {}): void => {
      res.writeHead(status, {
        'content-type': 'application/json',
        'content-length': String(text.length),
        ...headers,
      });
      res.end(text);
    };
    const coding = /^\/enc\/(gzip|deflate|br)$/.exec(path)?.[1] as keyof typeof encoded | undefined;
    if (coding) {
      // Encoded only when asked, as a server should.
      const asked = String(req.headers['accept-encoding'] ?? '').includes(coding);
      count(counts, asked ? `enc ${coding}` : `plain ${coding}`);
      if (asked) send(200, encoded[coding], { 'content-encoding': coding });
      else send(200, PAYLOAD);
      return;
    }
    if (path === '/gz-upload') {
      const ok =
        req.headers['content-encoding'] === 'gzip' && gunzipSync(body).toString() === '{"hello":"world"}';
      count(counts, ok ? 'gz-upload ok' : 'gz-upload bad');
      send(ok ? 200 : 400, '{}');
      return;
    }
    if (path === '/upload') {
      let ok = false;
      try {
        const form = await new Response(body, {
          headers: { 'content-type': String(req.headers['content-type']) },
        }).formData();
        const upload = form.get('upload');
        const tags = form.getAll('tag');
        ok =
          form.get('note') === 'hello "world"' &&
          form.get('n') === '42' &&
          tags.length === 2 &&
          tags[0] === 'a' &&
          tags[1] === 'b' &&
          upload instanceof Blob &&
          (upload as File).name === 'data.bin' &&
          upload.type === 'application/octet-stream' &&
          Buffer.from(await upload.arrayBuffer()).equals(FILE_BYTES) &&
          (form.get('text') as File).name === 'notes.txt' &&
          (await (form.get('text') as File).text()) === 'line 1\nline 2';
      } catch {
        ok = false;
      }
      count(counts, ok ? 'upload ok' : 'upload bad');
      send(ok ? 200 : 400, '{}');
      return;
    }
    const status = /^\/status\/(\d{3})$/.exec(path)?.[1];
    if (status) {
      count(counts, `status ${status}`);
      send(Number(status), '{}');
      return;
    }
    if (path === '/slow') {
      count(counts, 'slow');
      inflight++;
      maxInflight = Math.max(maxInflight, inflight);
      setTimeout(() => {
        inflight--;
        send(200, JSON.stringify({ i: url.searchParams.get('i') }));
      }, 150);
      return;
    }
    count(counts, 'other');
    send(404, '{}');
  };
  const server: Server = createServer((req, res) => void handle(req, res));
  server.keepAliveTimeout = 30_000;
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => {
      closedBytes += s.bytesWritten;
      sockets.delete(s);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    counts,
    maxInflight: () => maxInflight,
    bytesWritten: () => closedBytes + [...sockets].reduce((a, s) => a + s.bytesWritten, 0),
    reset: () => {
      counts.clear();
      maxInflight = 0;
      closedBytes = 0;
      for (const s of sockets) closedBytes -= s.bytesWritten;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('HTTP depth: compression, multipart, expectedStatuses, batch', () => {
  let srv: DepthServer;
  before(async () => {
    srv = await startDepthServer();
  });
  after(async () => srv.close());

  it('decodes gzip, deflate and br bodies a script reads; data_received counts the wire bytes; compression gzips a request body', async () => {
    srv.reset();
    const f = file(`
      import { defineTest } from 'volley';
      export default defineTest({
        baseUrl: '${srv.url}',
        scenarios: { main: { executor: 'shared-iterations', vus: 3, iterations: 30, exec: async ({ http, check }) => {
          for (const coding of ['gzip', 'deflate', 'br']) {
            const res = await http.get('/enc/' + coding, { headers: { 'accept-encoding': coding } });
            check(res, {
              ['encoded ' + coding]: (r) => r.header('content-encoding') === coding,
              ['decoded ' + coding]: (r) => r.json('items.199.name') === 'item-199' && r.body.length === ${PAYLOAD.length},
            });
          }
          // No accept-encoding: the server sends plain bytes (volley asks for none by default).
          const plain = await http.get('/enc/gzip');
          check(plain, { plain: (r) => r.header('content-encoding') === undefined && r.json('ok') === true });
          const up = await http.post('/gz-upload', { json: { hello: 'world' }, compression: 'gzip' });
          check(up, { 'gzip upload accepted': (r) => r.status === 200 });
        } } },
      });`);
    const r = await run([f]);
    assert.equal(r.code, 0, r.stderr);
    const s = r.summary;
    for (const c of ['gzip', 'deflate', 'br'])
      assert.equal(srv.counts.get(`enc ${c}`), 30, `${c} requests asked for ${c}`);
    assert.equal(srv.counts.get('plain gzip'), 30, 'no accept-encoding unless the script sends one');
    assert.equal(srv.counts.get('gz-upload ok'), 30, 'the server decoded every gzip request body');
    assert.equal(srv.counts.get('gz-upload bad'), undefined);
    assert.equal(checkFails(s), 0, JSON.stringify(s.checks));
    assert.equal(checkPasses(s), 30 * 8);
    assert.equal(s.metrics.http_reqs?.values.count, 150);
    // Wire bytes: what the server wrote is what volley received (compressed sizes, not decoded ones).
    const wire = srv.bytesWritten();
    assert.equal(s.metrics.data_received?.values.count, wire);
    assert.ok(wire < 30 * 4 * PAYLOAD.length, `compressed bodies travelled (${wire} bytes on the wire)`);
  });

  it('multipart uploads: text fields, a repeated field and files (from disk with data.file, and text) arrive intact', async () => {
    srv.reset();
    writeFileSync(join(dir, 'upload.bin'), FILE_BYTES);
    const f = file(`
      import { data, defineTest } from 'volley';
      const bytes = data.file('upload.bin');
      export default defineTest({
        baseUrl: '${srv.url}',
        scenarios: { main: { executor: 'shared-iterations', vus: 2, iterations: 25, exec: async ({ http, check }) => {
          const res = await http.post('/upload', { multipart: {
            note: 'hello "world"',
            n: 42,
            tag: ['a', 'b'],
            upload: http.file(bytes, 'data.bin'),
            text: http.file('line 1\\nline 2', 'notes.txt', 'text/plain'),
          } });
          check(res, { 'upload accepted': (r) => r.status === 200 });
        } } },
      });`);
    const r = await run([f]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(srv.counts.get('upload ok'), 25, `server: ${JSON.stringify([...srv.counts])}`);
    assert.equal(srv.counts.get('upload bad'), undefined);
    assert.equal(r.summary.metrics.http_reqs?.values.count, 25);
    assert.equal(checkPasses(r.summary), 25);
  });

  it('expectedStatuses per test and per request decide http_req_failed; status:4xx and status:5xx thresholds are separate SLOs', async () => {
    srv.reset();
    const f = file(`
      import { defineTest } from 'volley';
      export default defineTest({
        baseUrl: '${srv.url}',
        http: { expectedStatuses: [{ min: 200, max: 399 }, 404] },
        thresholds: {
          'http_req_failed{status:4xx}': ['rate<0.001'],
          'http_req_failed{status:5xx}': ['rate<0.001'],
          'http_req_failed{status:2xx}': ['rate<0.001'],
          'http_reqs{status:4xx}': ['count==40'],
        },
        scenarios: { main: { executor: 'shared-iterations', vus: 2, iterations: 20, exec: async ({ http, check }) => {
          const a = await http.get('/status/404');
          const b = await http.get('/status/503');
          const c = await http.get('/status/409', { expectedStatuses: [409] });
          const d = await http.get('/status/200');
          check(null, { 'ok follows expectedStatuses': () => a.ok && !b.ok && c.ok && d.ok });
          const e = await http.get('/status/201', { expectedStatuses: [200], name: 'strict' });
          check(null, { 'a per-request list replaces the test list': () => !e.ok });
        } } },
      });`);
    const r = await run([f]);
    assert.equal(r.code, 99, `thresholds failed (5xx and the strict 2xx): ${r.stderr}`);
    const s = r.summary;
    assert.equal(srv.counts.get('status 404'), 20);
    assert.equal(srv.counts.get('status 503'), 20);
    assert.equal(srv.counts.get('status 409'), 20);
    assert.equal(srv.counts.get('status 201'), 20);
    assert.equal(checkFails(s), 0, JSON.stringify(s.checks));
    const failed = s.metrics.http_req_failed;
    assert.ok(failed);
    // 100 requests: 503 (20) and the strict 201 (20) failed.
    assert.equal(s.metrics.http_reqs?.values.count, 100);
    assert.ok(Math.abs((failed.values.rate ?? 0) - 0.4) < 1e-9, `rate ${failed.values.rate}`);
    const results = thresholdResults(s);
    assert.equal(results['http_req_failed{status:4xx}']?.ok, true, '404 expected, 409 expected per request');
    assert.equal(results['http_req_failed{status:5xx}']?.ok, false);
    assert.equal(results['http_req_failed{status:5xx}']?.actual, 1);
    assert.equal(results['http_req_failed{status:2xx}']?.ok, false, 'the strict 201s failed');
    assert.equal(results['http_reqs{status:4xx}']?.ok, true, '404 and 409: 40 requests');
  });

  it('YAML steps take expectedStatuses; quick mode takes --expected-status', async () => {
    srv.reset();
    const y = file(
      `
baseUrl: ${srv.url}
scenarios:
  main:
    executor: shared-iterations
    vus: 1
    iterations: 10
    flow:
      - get: /status/404
        expectedStatuses: [404]
      - get: /status/500
`,
      '.yaml',
    );
    const r1 = await run([y]);
    assert.equal(r1.code, 0, r1.stderr);
    assert.equal(srv.counts.get('status 404'), 10);
    assert.equal(srv.counts.get('status 500'), 10);
    assert.ok(Math.abs((r1.summary.metrics.http_req_failed?.values.rate ?? 0) - 0.5) < 1e-9);

    srv.reset();
    const r2 = await run([
      '--url',
      `${srv.url}/status/404`,
      '--vus',
      '2',
      '--iterations',
      '40',
      '--expected-status',
      '200-399,404',
      '--threshold',
      'http_req_failed{status:4xx}:rate<0.001',
    ]);
    assert.equal(r2.code, 0, r2.stderr);
    assert.equal(srv.counts.get('status 404'), 40);
    assert.equal(r2.summary.metrics.http_reqs?.values.count, 40);
    assert.equal(r2.summary.metrics.http_req_failed?.values.rate, 0);

    const bad = await runCli(['run', '--url', `${srv.url}/x`, '--expected-status', '200-9999']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--expected-status: '200-9999'/);
  });

  it('http.batch sends at once, at most batchPerHost per origin, and returns responses in order', async () => {
    srv.reset();
    const f = file(`
      import { defineTest } from 'volley';
      export default defineTest({
        baseUrl: '${srv.url}',
        http: { batchPerHost: 4 },
        scenarios: { main: { executor: 'per-vu-iterations', vus: 1, iterations: 3, exec: async ({ http, check }) => {
          const t0 = performance.now();
          const list = await http.batch(Array.from({ length: 8 }, (_, i) => ['GET', '/slow?i=' + i, { name: 'slow' }]));
          const ms = performance.now() - t0;
          check(list, {
            'in order': (l) => l.every((r, i) => r.json('i') === String(i)),
            'two waves of 150 ms, not eight': () => ms >= 290 && ms < 1000,
          });
          const named = await http.batch({ a: '/slow?i=a', b: { url: '/slow?i=b' }, c: ['GET', '/status/204'] });
          check(named, { keyed: (o) => o.a.json('i') === 'a' && o.b.json('i') === 'b' && o.c.status === 204 });
        } } },
      });`);
    const r = await run([f]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(checkFails(r.summary), 0, JSON.stringify(r.summary.checks));
    assert.equal(srv.counts.get('slow'), 3 * 10);
    assert.equal(srv.counts.get('status 204'), 3);
    assert.equal(srv.maxInflight(), 4, 'batchPerHost bounds the requests in flight');
    assert.equal(r.summary.metrics.http_reqs?.values.count, 33, 'each request of a batch is its own sample');
  });
});

/** Threshold results by key (`metric{filter}`, as written) from the JSON summary. */
function thresholdResults(s: Summary): Record<string, { ok: boolean; actual: number | null }> {
  const out: Record<string, { ok: boolean; actual: number | null }> = {};
  for (const t of s.thresholds.results) out[t.metric] = { ok: t.ok, actual: t.actual };
  return out;
}
