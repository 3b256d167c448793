/**
 * HTTP/2 multiplexing: a VU's concurrent requests (http.batch, promises awaited together) are
 * streams over at most `http2Connections` connections; `http2Streams` VUs share one connection;
 * a TLS server without h2 gets HTTP/1.1 (tagged so); open-loop rate and coordinated-omission
 * correction hold over h2; failures are classified (refused, RST_STREAM/GOAWAY as reset, TLS).
 * Real `node:http2` servers on 127.0.0.1 count sessions, streams and the most streams open at once
 * on one session; volley's counts must equal theirs.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import {
  constants,
  createSecureServer,
  createServer,
  type Http2Server,
  type ServerHttp2Stream,
} from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { localTestRun } from '../../src/generators/local-run.js';
import { loadTest } from '../../src/loader/load-test.js';
import { prepareTest } from '../../src/loader/prepare.js';
import { statistic } from '../../src/metrics/state.js';
import { TEST_TLS_CERT, TEST_TLS_KEY } from '../helpers/http-tls-fixture.js';
import { IN_PROCESS_LOAD, testConfig, total } from '../helpers/run-test.js';
import type { ScenarioConfig, TestConfig } from '../../src/config/types.js';

interface CountingH2 {
  origin: string;
  streams: number;
  sessions: number;
  /** Most streams open at once on one session. */
  maxConcurrent: number;
  close(): Promise<void>;
}

/** `respond(stream, path)` answers a stream; the default answers 200 after `delayMs`. */
async function startH2(
  opts: {
    tls?: boolean;
    delayMs?: number;
    respond?: (stream: ServerHttp2Stream, path: string) => void;
  } = {},
): Promise<CountingH2> {
  const server: Http2Server = opts.tls
    ? createSecureServer({ key: TEST_TLS_KEY, cert: TEST_TLS_CERT })
    : createServer();
  const state = { streams: 0, sessions: 0, maxConcurrent: 0 };
  server.on('session', (session) => {
    state.sessions++;
    let open = 0;
    session.on('stream', (stream, headers) => {
      state.streams++;
      open++;
      if (open > state.maxConcurrent) state.maxConcurrent = open;
      stream.on('close', () => open--);
      stream.on('error', () => {});
      const path = String(headers[':path']);
      if (opts.respond) return opts.respond(stream, path);
      const answer = (): void => {
        if (stream.closed) return;
        stream.respond({ ':status': 200, 'content-type': 'text/plain' });
        stream.end('ok');
      };
      if (opts.delayMs) setTimeout(answer, opts.delayMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    get streams() {
      return state.streams;
    },
    get sessions() {
      return state.sessions;
    },
    get maxConcurrent() {
      return state.maxConcurrent;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        setTimeout(resolve, 300).unref();
      }),
  };
}

function quickConfig(
  url: string,
  scenario: ScenarioConfig,
  http: Partial<TestConfig['http']> = {},
): TestConfig {
  const config = testConfig({ url, scenarios: { s: scenario }, workers: 1 });
  config.http = { fastPath: true, insecureSkipTLSVerify: true, http2: true, ...http };
  return config;
}

const dir = mkdtempSync(join(tmpdir(), 'volley-h2m-'));
const servers: CountingH2[] = [];
const track = async (s: Promise<CountingH2>): Promise<CountingH2> => {
  const srv = await s;
  servers.push(srv);
  return srv;
};
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

describe('HTTP/2 multiplexing', () => {
  it('a script: batches and parallel promises are streams over at most http2Connections per VU', async () => {
    const srv = await track(startH2({ delayMs: 20 }));
    const file = join(dir, 'mux.ts');
    writeFileSync(
      file,
      `export default {
  baseUrl: '${srv.origin}',
  http: { http2: true, http2Connections: 2, batchPerHost: 8 },
  scenarios: {
    main: {
      executor: 'per-vu-iterations', vus: 3, iterations: 5,
      exec: async ({ http }: { http: any }) => {
        const batch = await http.batch(Array.from({ length: 8 }, (_, i) => ['GET', '/b' + i]));
        const more = await Promise.all([http.get('/p1'), http.get('/p2'), http.get('/p3')]);
        for (const r of [...batch, ...more])
          if (r.status !== 200 || r.proto !== 'HTTP/2.0') throw new Error('bad: ' + r.status + ' ' + r.proto);
      },
    },
  },
};
`,
    );
    const test = await loadTest(file, { ...IN_PROCESS_LOAD, workers: 1 });
    try {
      const result = await localTestRun(test.prepared, []).run();
      assert.deepEqual(result.workerErrors, []);
      const expected = 3 * 5 * 11;
      assert.equal(srv.streams, expected);
      assert.equal(total(result, 'http_reqs'), srv.streams);
      assert.equal(total(result, 'http_reqs', { proto: 'HTTP/2.0' }), expected);
      assert.equal(total(result, 'iterations'), 15);
      assert.equal(result.aggregator.total('http_req_failed')?.trues ?? 0, 0);
      // 3 VUs x 2 connections at most, and several streams at once on one of them.
      assert.ok(srv.sessions <= 6 && srv.sessions >= 3, `sessions ${srv.sessions}`);
      assert.ok(srv.maxConcurrent >= 3, `most concurrent streams on a session: ${srv.maxConcurrent}`);
    } finally {
      test.dispose();
    }
  });

  it('quick mode with http2Streams: VUs share connections (10 VUs, 5 per connection = 2 sessions)', async () => {
    const srv = await track(startH2({ delayMs: 5 }));
    const result = await localTestRun(
      prepareTest(
        quickConfig(
          `${srv.origin}/q`,
          { executor: 'shared-iterations', vus: 10, iterations: 300 },
          {
            http2Streams: 5,
          },
        ),
      ),
      [],
    ).run();
    assert.equal(srv.streams, 300);
    assert.equal(total(result, 'http_reqs'), 300);
    assert.equal(srv.sessions, 2);
    assert.ok(srv.maxConcurrent >= 3 && srv.maxConcurrent <= 5, `max concurrent ${srv.maxConcurrent}`);
  });

  it('a TLS server without h2 gets HTTP/1.1, tagged proto HTTP/1.1', async () => {
    let seen = 0;
    const h1 = createHttpsServer({ key: TEST_TLS_KEY, cert: TEST_TLS_CERT }, (_req, res) => {
      seen++;
      res.end('h1');
    });
    await new Promise<void>((resolve) => h1.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = h1.address() as AddressInfo;
      const result = await localTestRun(
        prepareTest(
          quickConfig(`https://127.0.0.1:${port}/`, {
            executor: 'shared-iterations',
            vus: 3,
            iterations: 60,
          }),
        ),
        [],
      ).run();
      assert.equal(seen, 60);
      assert.equal(total(result, 'http_reqs', { proto: 'HTTP/1.1' }), 60);
      assert.equal(total(result, 'http_reqs', { proto: 'HTTP/2.0' }), 0);
      assert.equal(result.aggregator.total('http_req_failed')?.trues ?? 0, 0);
    } finally {
      h1.closeAllConnections();
      await new Promise<void>((resolve) => h1.close(() => resolve()));
    }
  });

  it('open loop over h2: 300/s for 2 s arrives within 1%, as the server counted', async () => {
    const srv = await track(startH2({ tls: true }));
    const result = await localTestRun(
      prepareTest(
        quickConfig(`${srv.origin}/rate`, {
          executor: 'constant-arrival-rate',
          rate: 300,
          duration: '2s',
          preAllocatedVUs: 10,
          maxVUs: 30,
        }),
      ),
      [],
    ).run();
    assert.ok(Math.abs(srv.streams - 600) <= 6, `server saw ${srv.streams}`);
    assert.equal(total(result, 'http_reqs'), srv.streams);
    assert.equal(total(result, 'http_reqs', { proto: 'HTTP/2.0' }), srv.streams);
    const tls = result.aggregator.total('http_req_tls_handshaking');
    assert.ok(tls && (statistic(tls, 'max', 1) as number) > 0, 'the opening stream carries TLS time');
  });

  it('a 1 s stall over h2 shows in iteration_latency, not in http_req_duration', async () => {
    let t0 = 0;
    const srv = await track(
      startH2({
        respond: (stream) => {
          const now = Date.now();
          if (t0 === 0) t0 = now;
          const answer = (): void => {
            if (stream.closed) return;
            stream.respond({ ':status': 200 });
            stream.end();
          };
          // Between 1 s and 2 s after the first request, nothing is answered until 2 s.
          const wait = now - t0 >= 1000 && now - t0 < 2000 ? t0 + 2000 - now : 0;
          if (wait > 0) setTimeout(answer, wait);
          else answer();
        },
      }),
    );
    const result = await localTestRun(
      prepareTest(
        quickConfig(`${srv.origin}/`, {
          executor: 'constant-arrival-rate',
          rate: 200,
          duration: '3s',
          preAllocatedVUs: 3,
          maxVUs: 3,
        }),
      ),
      [],
    ).run();
    assert.equal(total(result, 'http_reqs'), srv.streams);
    const corrected = statistic(result.aggregator.total('iteration_latency')!, 'p(99)', 1) as number;
    const service = statistic(result.aggregator.total('http_req_duration')!, 'p(99)', 1) as number;
    assert.ok(corrected >= 0.7 * 970, `iteration_latency p99 ${corrected} ms`);
    assert.ok(service < corrected / 2, `service p99 ${service} ms vs corrected ${corrected} ms`);
  });
});

describe('HTTP/2 options from YAML and the command line', () => {
  it('YAML http2Connections + a proto threshold filter; --http2-streams over a test file', async () => {
    const { runCli } = await import('../helpers/cli.js');
    const srv = await track(startH2({ delayMs: 5 }));
    const file = join(dir, 'h2.yaml');
    writeFileSync(
      file,
      `baseUrl: ${srv.origin}
http:
  http2: true
  http2Connections: 2
thresholds:
  'http_reqs{proto:HTTP/2.0}': ['count==40']
  'http_req_duration{proto:HTTP/2.0}': ['p(99)<5000']
  'http_reqs{proto:HTTP/1.1}': ['count==0']
scenarios:
  main:
    executor: shared-iterations
    vus: 4
    iterations: 40
    flow:
      - get: /yaml
`,
    );
    const r = await runCli(['run', file, '--workers', '1', '--http2-streams', '4', '-q', '--no-store']);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.equal(srv.streams, 40);
    // The 4 VUs are one group (--http2-streams 4) with up to 2 connections (http2Connections),
    // plus the preflight's connection: 3 at most, where 4 VUs on their own would open up to 8.
    assert.ok(srv.sessions >= 2 && srv.sessions <= 3, `sessions ${srv.sessions}`);
    const bad = await runCli(['run', file, '--workers', '1', '--http2-streams', 'x', '-q', '--no-store']);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /--http2-streams must be an integer >= 1/);
    assert.equal(srv.streams, 40);
    writeFileSync(
      file,
      `baseUrl: ${srv.origin}\nhttp:\n  http2: true\n  http2Connections: 0\nscenarios:\n  m:\n    executor: shared-iterations\n    iterations: 1\n    flow:\n      - get: /\n`,
    );
    const zero = await runCli(['run', file, '--workers', '1', '-q', '--no-store']);
    assert.equal(zero.code, 2, zero.stderr);
    assert.match(zero.stderr, /http2Connections/);
    assert.equal(srv.streams, 40);
  });
});

describe('HTTP/2 failures are classified', () => {
  const run = async (url: string, http: Partial<TestConfig['http']> = {}) =>
    localTestRun(
      prepareTest(quickConfig(url, { executor: 'shared-iterations', vus: 2, iterations: 10 }, http)),
      [],
    ).run();

  it('refused: nothing listens', async () => {
    const srv = await startH2();
    const origin = srv.origin;
    await srv.close();
    const result = await run(`${origin}/`);
    assert.equal(total(result, 'http_reqs', { error: 'refused' }), 10);
  });

  it('RST_STREAM and GOAWAY: class reset, as many as sent; the next requests open a new session', async () => {
    const srv = await track(
      startH2({
        respond: (stream, path) => {
          if (path === '/rst') stream.close(constants.NGHTTP2_INTERNAL_ERROR);
          else {
            stream.session?.goaway(constants.NGHTTP2_ENHANCE_YOUR_CALM, 0);
            stream.session?.destroy();
          }
        },
      }),
    );
    const rst = await run(`${srv.origin}/rst`);
    assert.equal(srv.streams, 10);
    assert.equal(total(rst, 'http_reqs', { error: 'reset' }), 10);
    const goaway = await run(`${srv.origin}/goaway`);
    assert.equal(srv.streams, 20);
    assert.equal(total(goaway, 'http_reqs', { error: 'reset' }), 10);
  });

  it('timeout: a stream never answered times out (class timeout); POST bodies arrive whole, counted in data_sent', async () => {
    const bodies: number[] = [];
    const srv = await track(
      startH2({
        respond: (stream, path) => {
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            bodies.push(Buffer.concat(chunks).length);
            if (path === '/hang') return; // never answered
            stream.respond({ ':status': 201 });
            stream.end('done');
          });
        },
      }),
    );
    const hang = quickConfig(`${srv.origin}/hang`, { executor: 'shared-iterations', vus: 2, iterations: 4 });
    (hang.request as { timeoutMs: number }).timeoutMs = 200;
    const timedOut = await localTestRun(prepareTest(hang), []).run();
    assert.equal(total(timedOut, 'http_reqs', { error: 'timeout' }), 4);
    const post = quickConfig(`${srv.origin}/post`, { executor: 'shared-iterations', vus: 2, iterations: 20 });
    Object.assign(post.request as object, { method: 'POST', body: 'x'.repeat(40_000) });
    const ok = await localTestRun(prepareTest(post), []).run();
    assert.equal(total(ok, 'http_reqs', { status: '201', proto: 'HTTP/2.0' }), 20);
    assert.deepEqual(bodies.slice(4), new Array<number>(20).fill(40_000));
    // 40,000 body bytes per request, in 16 KB DATA frames, plus headers.
    const sent = total(ok, 'data_sent');
    assert.ok(sent >= 20 * 40_000 && sent < 20 * 41_000, `data_sent ${sent}`);
  });

  it('TLS: an untrusted certificate fails with class tls before any stream', async () => {
    const srv = await track(startH2({ tls: true }));
    const result = await run(`${srv.origin}/`, { insecureSkipTLSVerify: false });
    assert.equal(srv.streams, 0);
    assert.equal(total(result, 'http_reqs', { error: 'tls' }), 10);
  });

  it('--http2-connections 0 is refused before any traffic (exit 2)', async () => {
    const { runCli } = await import('../helpers/cli.js');
    const srv = await track(startH2());
    const r = await runCli([
      'run',
      '--url',
      `${srv.origin}/`,
      '--http2',
      '--http2-connections',
      '0',
      '-d',
      '1s',
    ]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--http2-connections must be an integer >= 1/);
    const noH2 = await runCli(['run', '--url', `${srv.origin}/`, '--http2-streams', '4', '-d', '1s']);
    assert.equal(noH2.code, 2, noH2.stderr);
    assert.match(noH2.stderr, /--http2-streams needs --http2/);
    assert.equal(srv.streams, 0);
  });
});
