/**
 * A forward proxy (`--proxy`, `http.proxy`) against a tiny real proxy written here: plain http://
 * requests arrive in absolute form and are forwarded; https:// opens CONNECT tunnels. The proxy
 * counts what it forwarded, the origin what it answered, and both equal what volley reports.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli, runForSummary } from '../helpers/cli.js';
import { TEST_TLS_CERT, TEST_TLS_KEY } from '../helpers/http-tls-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'volley-http-proxy-'));

interface Summary {
  metrics: Record<string, { values: Record<string, number> }>;
  errors: Record<string, number>;
}

const run = (args: string[]): ReturnType<typeof runForSummary<Summary>> => runForSummary<Summary>(dir, args);

interface Proxy {
  url: string;
  /** Absolute-form requests forwarded. */
  forwarded: number;
  /** Requests that came in origin form (a client that ignored the proxy's rules). */
  notAbsolute: number;
  /** CONNECT tunnels opened. */
  tunnels: number;
  close(): Promise<void>;
}

async function startProxy(): Promise<Proxy> {
  const p: Proxy = { url: '', forwarded: 0, notAbsolute: 0, tunnels: 0, close: async () => {} };
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    if (!/^http:\/\//.test(req.url ?? '')) {
      p.notAbsolute++;
      res.writeHead(400).end();
      return;
    }
    p.forwarded++;
    const target = new URL(req.url as string);
    const up = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method: req.method,
        headers: req.headers,
      },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', () => res.writeHead(502).end());
    req.pipe(up);
  });
  server.keepAliveTimeout = 30_000;
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('connect', (req, client: Socket, head: Buffer) => {
    p.tunnels++;
    const [host, port] = (req.url as string).split(':');
    const up = connect(Number(port), host as string, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) up.write(head);
      up.pipe(client);
      client.pipe(up);
    });
    up.on('error', () => client.destroy());
    client.on('error', () => up.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  p.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  p.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return p;
}

describe('a forward proxy', () => {
  let proxy: Proxy;
  let origin: Server;
  let tlsOrigin: HttpsServer;
  let originUrl = '';
  let tlsUrl = '';
  let answered = 0;
  let tlsAnswered = 0;

  before(async () => {
    proxy = await startProxy();
    origin = createServer((req, res) => {
      answered++;
      req.resume();
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' });
      res.end('ok');
    });
    await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
    originUrl = `http://127.0.0.1:${(origin.address() as AddressInfo).port}`;
    tlsOrigin = createHttpsServer({ key: TEST_TLS_KEY, cert: TEST_TLS_CERT }, (req, res) => {
      tlsAnswered++;
      req.resume();
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' });
      res.end('ok');
    });
    await new Promise<void>((resolve) => tlsOrigin.listen(0, '127.0.0.1', resolve));
    tlsUrl = `https://127.0.0.1:${(tlsOrigin.address() as AddressInfo).port}`;
  });
  after(async () => {
    await proxy.close();
    origin.closeAllConnections();
    tlsOrigin.closeAllConnections();
    await new Promise<void>((resolve) => origin.close(() => resolve()));
    await new Promise<void>((resolve) => tlsOrigin.close(() => resolve()));
  });

  it('quick mode --proxy on http:// sends absolute-form requests through it (never the fast path straight to the origin)', async () => {
    answered = 0;
    const r = await run([
      '--url',
      `${originUrl}/a`,
      '--vus',
      '3',
      '--iterations',
      '90',
      '--proxy',
      proxy.url,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(proxy.forwarded, 90);
    assert.equal(proxy.notAbsolute, 0);
    assert.equal(answered, 90);
    assert.equal(r.summary.metrics.http_reqs?.values.count, 90);
    assert.equal(r.summary.metrics.http_req_failed?.values.rate, 0);
  });

  it('a script with http.proxy reaches https:// through CONNECT tunnels, one per VU connection', async () => {
    tlsAnswered = 0;
    const tunnels = proxy.tunnels;
    const f = join(dir, 'proxied.ts');
    writeFileSync(
      f,
      `
      import { defineTest } from 'volley';
      export default defineTest({
        baseUrl: '${tlsUrl}',
        http: { proxy: '${proxy.url}', insecureSkipTLSVerify: true },
        scenarios: { main: { executor: 'per-vu-iterations', vus: 2, iterations: 25, exec: async ({ http }) => { await http.get('/s'); } } },
      });`,
    );
    const r = await run([f]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(tlsAnswered, 50);
    assert.equal(proxy.tunnels - tunnels, 2, 'one tunnel per VU: keep-alive inside the tunnel');
    assert.equal(r.summary.metrics.http_reqs?.values.count, 50);
    assert.equal(r.summary.metrics.http_req_failed?.values.rate, 0);
  });

  it('a proxy that is not there fails the preflight; a bad proxy URL is exit 2', async () => {
    const down = await runCli([
      'run',
      '--url',
      `${originUrl}/a`,
      '--iterations',
      '1',
      '--proxy',
      'http://127.0.0.1:1',
      '-q',
    ]);
    assert.equal(down.code, 3, down.stderr);
    assert.match(down.stderr, /cannot reach 127\.0\.0\.1:1/);
    const bad = await runCli([
      'run',
      '--url',
      `${originUrl}/a`,
      '--iterations',
      '1',
      '--proxy',
      'socks5://127.0.0.1:1080',
    ]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--proxy: "socks5:\/\/127\.0\.0\.1:1080": only http:\/\/ proxies are supported/);
  });
});
