/**
 * The undici-based client: the shared conformance suite with the fast path off, plus TLS, HTTP/2
 * (h2 by ALPN, h2c with prior knowledge) and the choice of client for https URLs.
 */
import assert from 'node:assert/strict';
import { createServer as createH2cServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { createHttpConnection } from '../../src/protocols/http/connection.js';
import type { HttpConnection } from '../../src/protocols/http/types.js';
import { loadUndici } from '../../src/protocols/http/undici-client.js';
import { assertOk, assertTimingsSane, conformanceSuite, spec } from '../helpers/http-conformance.js';
import {
  startHttpServer,
  startHttpsServer,
  startRawServer,
  type RunningServer,
} from '../helpers/http-servers.js';

// The worker loads undici before a run that may need it; so do these tests, or the first one (any
// one run alone with --test-name-pattern) would time the module load with its request.
loadUndici();

conformanceSuite(
  'undici',
  { fastPath: false, insecureSkipTLSVerify: false },
  { headClosesConnection: true, notModifiedWithLengthClosesConnection: true, unsolicited100Fails: true },
);

describe('undici: TLS and HTTP/2', () => {
  const servers: RunningServer[] = [];
  const connections: HttpConnection[] = [];
  const conn = (
    insecureSkipTLSVerify: boolean,
    extra: { fastPath?: boolean; allowH2?: boolean } = {},
  ): HttpConnection => {
    const c = createHttpConnection({
      fastPath: extra.fastPath ?? false,
      insecureSkipTLSVerify,
      ...(extra.allowH2 === undefined ? {} : { allowH2: extra.allowH2 }),
    });
    connections.push(c);
    return c;
  };
  after(async () => {
    for (const c of connections) c.close();
    await Promise.all(servers.map((s) => s.close()));
  });

  it('rejects a self-signed certificate as tls, and accepts it with insecureSkipTLSVerify', async () => {
    const server = await startHttpsServer((req, res) => res.end(`secure ${req.url}`));
    servers.push(server);
    const strict = await conn(false).request(spec(`${server.origin}/x`));
    assert.equal(strict.status, 0);
    assert.equal(strict.error?.class, 'tls', JSON.stringify(strict.error));
    assert.equal(server.requests, 0);

    const c = conn(true);
    const first = await c.request(spec(`${server.origin}/x`));
    assertOk(first);
    assert.equal(first.body.toString(), 'secure /x');
    assert.ok(first.timings.connectingUs > 0, 'TCP connect measured');
    assert.ok(first.timings.tlsUs > 0, 'TLS handshake measured');
    assertTimingsSane(first);
    for (let i = 0; i < 9; i++) {
      const res = await c.request(spec(`${server.origin}/x`));
      assertOk(res);
      assert.equal(res.timings.tlsUs, 0);
      assert.equal(res.timings.connectingUs, 0);
    }
    assert.equal(server.connections, 1);
    assert.equal(server.requests, 10);
  });

  it('reports tls when speaking https to a plain-http port', async () => {
    // Stable outcome on Node 20 + OpenSSL 3: the client reads "HTTP/1.1 400" where a ServerHello
    // belongs and fails with ERR_SSL_WRONG_VERSION_NUMBER (EPROTO), which is class tls.
    const server = await startHttpServer((_req, res) => res.end('plain'));
    servers.push(server);
    const res = await conn(false).request(spec(`https://127.0.0.1:${server.port}/`));
    assert.equal(res.status, 0);
    assert.equal(res.error?.class, 'tls', JSON.stringify(res.error));
    assert.equal(server.requests, 0);
  });

  it('times out a TLS handshake that never completes, and measures it as tls time', async () => {
    const server = await startRawServer(() => undefined); // accepts TCP, never speaks TLS
    servers.push(server);
    const c = conn(false);
    const timeoutMs = 300;
    const t0 = performance.now();
    const res = await c.request(spec(`https://127.0.0.1:${server.port}/`, { timeoutMs }));
    const elapsed = performance.now() - t0;
    assert.equal(res.status, 0);
    assert.equal(res.error?.class, 'timeout', JSON.stringify(res.error));
    assert.ok(
      elapsed >= timeoutMs - 5 && elapsed <= Math.max(timeoutMs * 1.1, timeoutMs + 100) + 50,
      `${elapsed} ms`,
    );
    assert.ok(res.timings.tlsUs >= (timeoutMs - 20) * 1000, `tls ${res.timings.tlsUs}`);
    assert.equal(server.connections, 1);
    assert.equal(server.requests, 0);
  });

  it('sends https through undici even when the fast path is on', async () => {
    const server = await startHttpsServer((_req, res) => res.end('via undici'));
    servers.push(server);
    const res = await conn(true, { fastPath: true }).request(spec(`${server.origin}/`));
    assertOk(res);
    assert.equal(res.body.toString(), 'via undici');
    assert.ok(res.timings.tlsUs > 0);
    assert.equal(server.requests, 1);
  });

  it('speaks HTTP/2 when allowH2 is set and the server offers h2', async () => {
    const versions: string[] = [];
    const server = await startHttpsServer(
      (req, res) => {
        versions.push(req.httpVersion);
        res.end(`h${req.httpVersion}`);
      },
      { h2: true },
    );
    servers.push(server);
    const c = conn(true, { allowH2: true });
    for (let i = 0; i < 5; i++) {
      const res = await c.request(spec(`${server.origin}/`));
      assertOk(res);
      assert.equal(res.body.toString(), 'h2.0');
    }
    const h1 = await conn(true).request(spec(`${server.origin}/`));
    assertOk(h1);
    assert.equal(h1.body.toString(), 'h1.1');
    assert.deepEqual(versions, ['2.0', '2.0', '2.0', '2.0', '2.0', '1.1']);
    assert.equal(server.connections, 2);
  });

  it('speaks h2c with prior knowledge on http:// when allowH2 is set, even with the fast path on', async () => {
    const versions: string[] = [];
    let sessions = 0;
    const server = createH2cServer((req, res) => {
      versions.push(req.httpVersion);
      res.end(`h${req.httpVersion} ${req.method} ${req.url}`);
    });
    server.on('session', () => sessions++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      // The raw fast path speaks HTTP/1.1 only: with allowH2 it must not be chosen.
      const c = conn(false, { fastPath: true, allowH2: true });
      for (let i = 0; i < 3; i++) {
        const res = await c.request(spec(`${origin}/p${i}`));
        assertOk(res);
        assert.equal(res.body.toString(), `h2.0 GET /p${i}`);
        assert.ok(res.bytesReceived > 0 && res.bytesSent > 0, 'bytes counted on the h2 socket');
      }
      assert.deepEqual(versions, ['2.0', '2.0', '2.0']);
      assert.equal(sessions, 1, 'one kept-alive HTTP/2 connection for the VU');
      c.close();
    } finally {
      server.close();
    }
  });
});
