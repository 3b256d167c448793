/**
 * HTTP/2 end to end: the HTTP module's `http2` option reaches every VU's client. A real
 * `node:http2` server (h2c with prior knowledge on http://, h2 by ALPN over TLS) counts the
 * streams it received and the HTTP version of each; volley's `http_reqs` must equal that count,
 * and every request must have arrived as HTTP/2.0.
 */
import { localTestRun } from '../../src/generators/local-run.js';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import {
  createSecureServer,
  createServer,
  type Http2Server,
  type Http2ServerRequest,
  type Http2ServerResponse,
} from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { TEST_TLS_CERT, TEST_TLS_KEY } from '../helpers/http-tls-fixture.js';
import { runTest, testConfig, total } from '../helpers/run-test.js';
import { prepareTest } from '../../src/loader/prepare.js';

interface H2Server {
  origin: string;
  /** Requests (streams) received, by `req.httpVersion`. */
  versions: Map<string, number>;
  /** Every request received, whatever its version. */
  readonly requests: number;
  close(): Promise<void>;
}

async function startH2Server(tls: boolean): Promise<H2Server> {
  const versions = new Map<string, number>();
  const handler = (req: Http2ServerRequest, res: Http2ServerResponse): void => {
    versions.set(req.httpVersion, (versions.get(req.httpVersion) ?? 0) + 1);
    res.setHeader('content-type', 'text/plain');
    res.end(`h${req.httpVersion}`);
  };
  // Over TLS, HTTP/1.1 is allowed too: a client that failed to negotiate h2 shows up as '1.1'.
  const server: Http2Server = tls
    ? createSecureServer({ key: TEST_TLS_KEY, cert: TEST_TLS_CERT, allowHTTP1: true }, handler)
    : createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    versions,
    get requests() {
      let n = 0;
      for (const c of versions.values()) n += c;
      return n;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Idle h2 sessions keep the server open: volley's clients are closed, but do not wait on them.
        setTimeout(resolve, 500).unref();
      }),
  };
}

const dir = mkdtempSync(join(tmpdir(), 'volley-h2-'));
const ITERATIONS = 120;

interface Summary {
  metrics: Record<string, { values: Record<string, number> }>;
}

function summaryOf(path: string): Summary {
  return JSON.parse(readFileSync(path, 'utf8')) as Summary;
}

describe('HTTP/2 through the HTTP module', () => {
  const servers: H2Server[] = [];
  after(async () => Promise.all(servers.map((s) => s.close())));
  const server = async (tls: boolean): Promise<H2Server> => {
    const s = await startH2Server(tls);
    servers.push(s);
    return s;
  };

  for (const tls of [false, true]) {
    const what = tls ? 'h2 over TLS (ALPN)' : 'h2c with prior knowledge';
    it(`quick mode, ${what}: http_reqs equals the streams the server received, all HTTP/2`, async () => {
      const srv = await server(tls);
      const config = testConfig({
        url: `${srv.origin}/quick`,
        scenarios: { q: { executor: 'shared-iterations', vus: 4, iterations: ITERATIONS } },
      });
      config.http = { fastPath: true, insecureSkipTLSVerify: true, http2: true };
      const result = await localTestRun(prepareTest(config), []).run();
      assert.equal(srv.requests, ITERATIONS);
      assert.deepEqual([...srv.versions], [['2.0', ITERATIONS]]);
      assert.equal(total(result, 'http_reqs'), srv.requests);
      assert.equal(result.aggregator.total('http_req_failed')?.trues ?? 0, 0);
    });
  }

  it('quick mode without http2 still speaks HTTP/1.1 (the option is what switches it on)', async () => {
    const srv = await server(true);
    const config = testConfig({
      url: `${srv.origin}/h1`,
      scenarios: { q: { executor: 'shared-iterations', vus: 2, iterations: 10 } },
    });
    config.http = { fastPath: true, insecureSkipTLSVerify: true, http2: false };
    await localTestRun(prepareTest(config), []).run();
    assert.deepEqual([...srv.versions], [['1.1', 10]]);
  });

  it('quick mode through the library helper counts the same as the server on h2c', async () => {
    // runTest's default config is HTTP/1.1 on the fast path: an h2c-only server refuses it, so
    // every request fails and the server sees none — the negative control for the h2c case.
    const srv = await server(false);
    const { result } = await runTest({
      url: `${srv.origin}/h1-to-h2c`,
      scenarios: { q: { executor: 'shared-iterations', vus: 1, iterations: 3 } },
      workers: 1,
    });
    assert.equal(srv.requests, 0);
    assert.equal(total(result, 'http_reqs'), 3);
    assert.equal(result.aggregator.total('http_req_failed')?.trues, 3);
  });

  for (const tls of [false, true]) {
    const what = tls ? 'h2 over TLS' : 'h2c';
    it(`a script with http: { http2: true }, ${what}: the summary's http_reqs equals the server's count`, async () => {
      const srv = await server(tls);
      const file = join(dir, `h2-${tls ? 'tls' : 'clear'}.ts`);
      writeFileSync(
        file,
        `export default {
  baseUrl: '${srv.origin}',
  http: { http2: true, insecureSkipTLSVerify: true },
  scenarios: {
    main: {
      executor: 'shared-iterations',
      vus: 4,
      iterations: ${ITERATIONS},
      exec: async (ctx: { http: { get(url: string): Promise<{ status: number; text(): string }> } }) => {
        const res = await ctx.http.get('/script');
        if (res.text() !== 'h2.0') throw new Error('not HTTP/2: ' + res.status + ' ' + res.text());
      },
    },
  },
};
`,
      );
      const out = join(dir, `h2-${tls ? 'tls' : 'clear'}.json`);
      const r = await runCli(['run', file, '--workers', '2', '--out', `json=${out}`, '-q', '--no-store']);
      assert.equal(r.code, 0, r.stderr);
      const s = summaryOf(out);
      assert.equal(srv.requests, ITERATIONS);
      assert.deepEqual([...srv.versions], [['2.0', ITERATIONS]]);
      assert.equal(s.metrics.http_reqs?.values.count, srv.requests);
      assert.equal(s.metrics.iteration_errors?.values.count ?? 0, 0);
    });
  }

  it('a YAML test with http: { http2: true } speaks h2c, and volley counts what the server saw', async () => {
    const srv = await server(false);
    const file = join(dir, 'h2.yaml');
    writeFileSync(
      file,
      `baseUrl: ${srv.origin}
http:
  http2: true
scenarios:
  main:
    executor: shared-iterations
    vus: 2
    iterations: 40
    flow:
      - get: /yaml
        check:
          status: 200
          bodyContains: h2.0
`,
    );
    const out = join(dir, 'h2-yaml.json');
    const r = await runCli(['run', file, '--workers', '1', '--out', `json=${out}`, '-q', '--no-store']);
    assert.equal(r.code, 0, r.stderr);
    const s = summaryOf(out);
    assert.deepEqual([...srv.versions], [['2.0', 40]]);
    assert.equal(s.metrics.http_reqs?.values.count, 40);
    assert.equal(s.metrics.checks?.values.fails ?? 0, 0);
  });

  it('volley run --url … --http2 (quick mode from the command line) over h2c', async () => {
    const srv = await server(false);
    const out = join(dir, 'h2-cli.json');
    const r = await runCli([
      'run',
      '--url',
      `${srv.origin}/cli`,
      '--http2',
      '--iterations',
      '50',
      '--vus',
      '5',
      '--workers',
      '1',
      '--out',
      `json=${out}`,
      '-q',
      '--no-store',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual([...srv.versions], [['2.0', 50]]);
    assert.equal(summaryOf(out).metrics.http_reqs?.values.count, 50);
  });
});
