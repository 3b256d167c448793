/**
 * HTTP/1.1 behaviour both clients must share, run once per client by
 * test/unit/http-raw-conformance.test.ts (fast path) and test/unit/http-undici.test.ts (undici).
 * Every test asserts what the server counted, not only what the client returned.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createHttpConnection } from '../../src/protocols/http/connection.js';
import type {
  HttpConnection,
  HttpConnectionOptions,
  HttpRequestSpec,
  HttpResponse,
} from '../../src/protocols/http/types.js';
import { closedPort, sleep, startHttpServer, startRawServer, type RunningServer } from './http-servers.js';

export function spec(url: string | URL, extra: Partial<HttpRequestSpec> = {}): HttpRequestSpec {
  return {
    method: 'GET',
    url: typeof url === 'string' ? new URL(url) : url,
    headers: {},
    timeoutMs: 5_000,
    maxRedirects: 0,
    ...extra,
  };
}

export function assertOk(res: HttpResponse, status = 200): void {
  assert.equal(res.error, undefined, `unexpected error ${JSON.stringify(res.error)}`);
  assert.equal(res.status, status);
}

export function assertTimingsSane(res: HttpResponse): void {
  const t = res.timings;
  for (const [k, v] of Object.entries(t)) {
    assert.ok(Number.isFinite(v) && v >= 0, `${k} = ${v}`);
  }
  assert.ok(Math.abs(t.durationUs - (t.sendingUs + t.waitingUs + t.receivingUs)) < 1e-6);
}

const OK = (body: string, extra = ''): string =>
  `HTTP/1.1 200 OK\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;

/** Where a client deliberately differs; each difference is asserted, not skipped. */
export interface ClientQuirks {
  /** undici closes the connection after every HEAD (nodejs/undici#258: servers that send a body anyway). */
  headClosesConnection: boolean;
  /**
   * undici 7 fails a 304 that carries the (RFC 9110 §8.6-permitted) Content-Length of the
   * representation; our wrapper recovers the response, but undici has destroyed the socket.
   */
  notModifiedWithLengthClosesConnection: boolean;
  /** undici 7 fails any 100 Continue ("bad response"): it never sends `expect` and treats one as a broken server. */
  unsolicited100Fails: boolean;
}

/** Registers the shared conformance tests for a connection built with `options`. */
export function conformanceSuite(label: string, options: HttpConnectionOptions, quirks: ClientQuirks): void {
  describe(`${label}: HTTP/1.1 conformance`, () => {
    const servers: RunningServer[] = [];
    const connections: HttpConnection[] = [];
    const conn = (): HttpConnection => {
      const c = createHttpConnection(options);
      connections.push(c);
      return c;
    };
    const track = <T extends RunningServer>(s: T): T => {
      servers.push(s);
      return s;
    };
    after(async () => {
      for (const c of connections) c.close();
      await Promise.all(servers.map((s) => s.close()));
    });

    it('reads a content-length body and reuses the connection for 100 sequential requests', async () => {
      const server = track(
        await startHttpServer((_req, res) => {
          res.setHeader('content-type', 'text/plain');
          res.setHeader('x-multi', ['a', 'b']);
          res.end('hello world');
        }),
      );
      const c = conn();
      const s = spec(`${server.origin}/hello?x=1`);
      const first = await c.request(s);
      assertOk(first);
      assert.equal(first.body.toString(), 'hello world');
      assert.equal(first.headers['content-type'], 'text/plain');
      assert.deepEqual(first.headers['x-multi'], ['a', 'b']);
      assert.ok(first.timings.connectingUs > 0, 'first request opened the connection');
      assert.ok(first.bytesSent > 20 && first.bytesReceived > 'hello world'.length);
      assertTimingsSane(first);
      for (let i = 1; i < 100; i++) {
        const res = await c.request(s);
        assertOk(res);
        assert.equal(res.body.toString(), 'hello world');
        assert.equal(res.timings.connectingUs, 0, 'kept-alive requests do not connect');
      }
      assert.equal(server.connections, 1);
      assert.equal(server.requests, 100);
      assert.equal(server.seen[0]?.url, '/hello?x=1');
      assert.equal(server.seen[0]?.headers.host, `127.0.0.1:${server.port}`);
    });

    it('discardBody counts a chunked body and keeps none; maxBodyBytes drops a larger one, tagged', async () => {
      const chunk = Buffer.alloc(64 * 1024, 'q');
      const server = track(
        await startHttpServer((_req, res) => {
          // Chunked, 20 chunks of 64 KB: the body arrives over many reads.
          for (let i = 0; i < 20; i++) res.write(chunk);
          res.end();
        }),
      );
      const c = conn();
      const whole = await c.request(spec(`${server.origin}/b`));
      assertOk(whole);
      assert.equal(whole.body.length, 20 * chunk.length);
      const discarded = await c.request(spec(`${server.origin}/b`, { discardBody: true }));
      assertOk(discarded);
      assert.equal(discarded.body.length, 0);
      assert.equal(discarded.bytesReceived, whole.bytesReceived, 'the same bytes counted');
      const capped = await c.request(spec(`${server.origin}/b`, { maxBodyBytes: 100_000 }));
      assert.equal(capped.status, 200, 'the status is kept');
      assert.equal(capped.error?.class, 'body_too_large');
      assert.match(capped.error?.message ?? '', /1310720 bytes exceeded maxResponseBytes \(100000\)/);
      assert.equal(capped.body.length, 0);
      assert.equal(capped.bytesReceived, whole.bytesReceived, 'read to its end and counted');
      const after = await c.request(spec(`${server.origin}/b`, { maxBodyBytes: 20 * chunk.length }));
      assertOk(after);
      assert.equal(after.body.length, 20 * chunk.length, 'a body exactly at the cap is kept');
      assert.equal(server.requests, 4);
      assert.equal(server.connections, 1, 'the connection survives a discarded or capped body');
    });

    it('sends method, headers and body; content-length is computed', async () => {
      const server = track(
        await startHttpServer((req, res, body) => {
          res.end(`${req.method} ${req.headers['x-token']} ${body.length}`);
        }),
      );
      const c = conn();
      const body = Buffer.alloc(100_000, 'z');
      const res = await c.request(
        spec(`${server.origin}/upload`, {
          method: 'POST',
          headers: { 'X-Token': 't1', 'Content-Type': 'text/plain' },
          body,
        }),
      );
      assertOk(res);
      assert.equal(res.body.toString(), 'POST t1 100000');
      assert.ok(res.bytesSent >= 100_000);
      const empty = await c.request(spec(`${server.origin}/e`, { method: 'POST' }));
      assertOk(empty);
      assert.equal(empty.body.toString(), 'POST undefined 0');
      assert.equal(server.seen[1]?.headers['content-length'], '0');
      assert.equal(server.requests, 2);
      assert.equal(server.connections, 1);
    });

    it('decodes a chunked body split across many writes, with trailers, then reuses the socket', async () => {
      const server = track(
        await startRawServer((socket, req) => {
          if (req.indexOnConnection === 0) {
            const bytes =
              'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: x-checksum\r\n\r\n' +
              '5\r\nhello\r\n6\r\n world\r\n1;ext=1\r\n!\r\n0\r\nx-checksum: abc\r\n\r\n';
            // Dribble the response out in 7-byte pieces so the parser sees every boundary split.
            let i = 0;
            const tick = (): void => {
              if (socket.destroyed) return;
              socket.write(bytes.slice(i, i + 7));
              i += 7;
              if (i < bytes.length) setTimeout(tick, 1);
            };
            tick();
          } else {
            socket.write(OK('again'));
          }
        }),
      );
      const c = conn();
      const res = await c.request(spec(`${server.origin}/chunked`));
      assertOk(res);
      assert.equal(res.body.toString(), 'hello world!');
      assert.equal(res.headers['transfer-encoding'], 'chunked');
      assert.ok(res.timings.receivingUs > 0);
      const again = await c.request(spec(`${server.origin}/chunked`));
      assertOk(again);
      assert.equal(again.body.toString(), 'again');
      assert.equal(server.connections, 1);
      assert.equal(server.requests, 2);
    });

    it('reconnects after a `connection: close` response', async () => {
      const server = track(
        await startRawServer((socket, req) => {
          socket.end(OK(`r${req.index}`, 'Connection: close\r\n'));
        }),
      );
      const c = conn();
      for (let i = 0; i < 3; i++) {
        const res = await c.request(spec(`${server.origin}/`));
        assertOk(res);
        assert.equal(res.body.toString(), `r${i}`);
      }
      assert.equal(server.connections, 3);
      assert.deepEqual(server.requestsOn, [1, 1, 1]);
    });

    it('reads a body delimited by the end of the connection (no length, no chunking)', async () => {
      const server = track(
        await startRawServer((socket) => {
          socket.write('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\npart one,');
          setTimeout(() => socket.end(' part two'), 20);
        }),
      );
      const c = conn();
      const res = await c.request(spec(`${server.origin}/eof`));
      assertOk(res);
      assert.equal(res.body.toString(), 'part one, part two');
      assert.equal(server.requests, 1);
    });

    it('reads no body for HEAD even with a content-length, and the connection stays in sync', async () => {
      const server = track(
        await startRawServer((socket, req) => {
          if (req.method === 'HEAD') socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n');
          else socket.write(OK('after-head'));
        }),
      );
      const c = conn();
      const head = await c.request(spec(`${server.origin}/h`, { method: 'HEAD' }));
      assertOk(head);
      assert.equal(head.body.length, 0);
      assert.equal(head.headers['content-length'], '1234');
      const get = await c.request(spec(`${server.origin}/h`));
      assertOk(get);
      assert.equal(get.body.toString(), 'after-head');
      assert.equal(server.connections, quirks.headClosesConnection ? 2 : 1);
      assert.equal(server.requests, 2);
    });

    it('skips 103 Early Hints and unsolicited 100 Continue before the final response', async () => {
      const server = track(
        await startRawServer((socket, req) => {
          if (req.path === '/103' || req.path === '/100') {
            if (req.path === '/100') socket.write('HTTP/1.1 100 Continue\r\n\r\n');
            setTimeout(() => {
              if (socket.destroyed) return;
              socket.write('HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n');
              socket.write(OK('final', 'X-Final: yes\r\n'));
            }, 5);
          } else {
            socket.write(OK('next'));
          }
        }),
      );
      const c = conn();
      const hints = await c.request(
        spec(`${server.origin}/103`, { method: 'POST', body: Buffer.from('data') }),
      );
      assertOk(hints);
      assert.equal(hints.body.toString(), 'final');
      assert.equal(hints.headers['x-final'], 'yes');
      assert.equal(hints.headers['link'], undefined, 'interim headers are not the response headers');
      // RFC 9110 §15.2: a client must parse 1xx responses even when it did not ask for one.
      const cont = await c.request(
        spec(`${server.origin}/100`, { method: 'POST', body: Buffer.from('data') }),
      );
      if (quirks.unsolicited100Fails) {
        assert.equal(cont.status, 0);
        assert.equal(cont.error?.class, 'reset');
      } else {
        assertOk(cont);
        assert.equal(cont.body.toString(), 'final');
      }
      const next = await c.request(spec(`${server.origin}/next`));
      assert.equal(next.body.toString(), 'next');
      assert.equal(server.connections, quirks.unsolicited100Fails ? 2 : 1);
      assert.equal(server.requests, 3);
    });

    it('receives a 1 MB body intact', async () => {
      const big = Buffer.alloc(1024 * 1024);
      for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
      const server = track(await startHttpServer((_req, res) => res.end(big)));
      const c = conn();
      const res = await c.request(spec(`${server.origin}/big`));
      assertOk(res);
      assert.equal(res.body.length, big.length);
      assert.ok(res.body.equals(big));
      assert.ok(res.bytesReceived >= big.length);
      assert.equal(server.requests, 1);
    });

    it('handles empty 204 and 304 (even with a content-length on the 304) without desync', async () => {
      const server = track(
        await startRawServer((socket, req) => {
          if (req.path === '/204') socket.write('HTTP/1.1 204 No Content\r\n\r\n');
          else if (req.path === '/304')
            socket.write('HTTP/1.1 304 Not Modified\r\nContent-Length: 42\r\nETag: "x"\r\n\r\n');
          else socket.write(OK('plain'));
        }),
      );
      const c = conn();
      const noContent = await c.request(spec(`${server.origin}/204`));
      assertOk(noContent, 204);
      assert.equal(noContent.body.length, 0);
      const notModified = await c.request(
        spec(`${server.origin}/304`, { headers: { 'if-none-match': '"x"' } }),
      );
      assertOk(notModified, 304);
      assert.equal(notModified.body.length, 0);
      const plain = await c.request(spec(`${server.origin}/plain`));
      assert.equal(plain.body.toString(), 'plain');
      assert.equal(server.connections, quirks.notModifiedWithLengthClosesConnection ? 2 : 1);
      assert.equal(server.requests, 3);
    });

    it('discards bytes sent after a response and answers the next request from a fresh connection', async () => {
      const server = track(
        await startRawServer((socket, req) => {
          if (req.connection === 0) {
            // A response plus an unsolicited second one in the same segment.
            socket.write(OK('first') + OK('BOGUS'));
          } else if (req.connection === 1) {
            // A clean response, then garbage later while the socket is idle.
            socket.write(OK('second'));
            setTimeout(() => socket.write('garbage that is not HTTP\r\n\r\n'), 20);
          } else {
            socket.write(OK(`third-${req.indexOnConnection}`));
          }
        }),
      );
      const c = conn();
      const first = await c.request(spec(`${server.origin}/`));
      assertOk(first);
      assert.equal(first.body.toString(), 'first');
      const second = await c.request(spec(`${server.origin}/`));
      assertOk(second);
      assert.equal(
        second.body.toString(),
        'second',
        'the unsolicited response must not be taken as this one',
      );
      await sleep(60);
      const third = await c.request(spec(`${server.origin}/`));
      assertOk(third);
      assert.equal(third.body.toString(), 'third-0');
      assert.equal(server.connections, 3);
      assert.deepEqual(server.requestsOn, [1, 1, 1]);
    });

    it('reconnects quietly when the server closed the idle keep-alive socket', async () => {
      const server = track(
        await startRawServer((socket, req) => {
          socket.write(OK(`idle-${req.index}`));
          setTimeout(() => socket.end(), 10);
        }),
      );
      const c = conn();
      const a = await c.request(spec(`${server.origin}/`));
      assertOk(a);
      await sleep(60);
      const b = await c.request(spec(`${server.origin}/`));
      assertOk(b);
      assert.equal(b.body.toString(), 'idle-1');
      assert.equal(server.connections, 2);
      assert.deepEqual(server.requestsOn, [1, 1]);
    });

    it('retries once on a fresh socket when a reused socket dies before any response byte', async () => {
      const server = track(
        await startRawServer((socket, req) => {
          // Second request on a connection: close without answering (a stale keep-alive race).
          if (req.indexOnConnection === 1) socket.destroy();
          else socket.write(OK(`ok-${req.index}`));
        }),
      );
      const c = conn();
      assertOk(await c.request(spec(`${server.origin}/`)));
      const retried = await c.request(spec(`${server.origin}/`));
      assertOk(retried);
      assert.equal(retried.body.toString(), 'ok-2');
      assert.ok(retried.timings.connectingUs > 0, 'the retry opened a new connection');
      assert.equal(server.connections, 2);
      assert.deepEqual(server.requestsOn, [2, 1], 'one failed attempt, one retry');
    });

    it('does not retry on a fresh socket: a close before any byte is a reset', async () => {
      const server = track(await startRawServer((socket) => socket.destroy()));
      const c = conn();
      const res = await c.request(spec(`${server.origin}/`));
      assert.equal(res.status, 0);
      assert.equal(res.error?.class, 'reset');
      assert.equal(server.connections, 1);
      assert.equal(server.requests, 1);
    });

    it('classifies a socket destroyed mid-response as reset', async () => {
      const server = track(
        await startRawServer((socket) => {
          socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly a part');
          setTimeout(() => socket.destroy(), 10);
        }),
      );
      const c = conn();
      const res = await c.request(spec(`${server.origin}/`));
      assert.equal(res.status, 0);
      assert.equal(res.error?.class, 'reset', JSON.stringify(res.error));
      assert.ok(res.bytesReceived > 0);
      assert.ok(res.timings.waitingUs > 0);
      assertTimingsSane(res);
      assert.equal(server.requests, 1);
    });

    it('times out when the server never answers, within max(1.1 x timeout, timeout + 100 ms)', async () => {
      const server = track(
        await startRawServer((socket, req) => {
          if (req.connection > 0) socket.write(OK('recovered'));
          // connection 0: swallow the request and say nothing
        }),
      );
      const c = conn();
      const timeoutMs = 300;
      const t0 = performance.now();
      const res = await c.request(spec(`${server.origin}/`, { timeoutMs }));
      const elapsed = performance.now() - t0;
      assert.equal(res.status, 0);
      assert.equal(res.error?.class, 'timeout');
      assert.ok(elapsed >= timeoutMs - 5, `fired early: ${elapsed} ms`);
      // The bound from the spec plus 50 ms for a loaded CI machine; a missing timer fails anyway.
      assert.ok(elapsed <= Math.max(timeoutMs * 1.1, timeoutMs + 100) + 50, `fired late: ${elapsed} ms`);
      assert.ok(res.timings.waitingUs >= (timeoutMs - 10) * 1000);
      const next = await c.request(spec(`${server.origin}/`, { timeoutMs }));
      assertOk(next);
      assert.equal(next.body.toString(), 'recovered');
      assert.equal(server.connections, 2, 'the timed-out socket was destroyed');
      assert.equal(server.requests, 2);
    });

    it('reports refused for a closed port', async () => {
      const port = await closedPort();
      const c = conn();
      const res = await c.request(spec(`http://127.0.0.1:${port}/`));
      assert.equal(res.status, 0);
      assert.equal(res.error?.class, 'refused', JSON.stringify(res.error));
      assert.equal(res.bytesReceived, 0);
      assertTimingsSane(res);
    });

    it('reports dns for an unresolvable host', async () => {
      const c = conn();
      const res = await c.request(spec('http://nonexistent.invalid/', { timeoutMs: 10_000 }));
      assert.equal(res.status, 0);
      assert.equal(res.error?.class, 'dns', JSON.stringify(res.error));
    });

    it('reports protocol for a response that is not HTTP', async () => {
      const server = track(await startRawServer((socket) => socket.write('SSH-2.0-OpenSSH_9.6\r\n\r\n')));
      const c = conn();
      const res = await c.request(spec(`${server.origin}/`));
      assert.equal(res.status, 0);
      assert.equal(res.error?.class, 'protocol', JSON.stringify(res.error));
      assert.equal(server.requests, 1);
    });

    it('queues concurrent requests on the one connection and counts the wait as blocked', async () => {
      const server = track(
        await startHttpServer((req, res) => {
          setTimeout(() => res.end(req.url), 20);
        }),
      );
      const c = conn();
      const results = await Promise.all([1, 2, 3].map((i) => c.request(spec(`${server.origin}/${i}`))));
      assert.deepEqual(
        results.map((r) => r.body.toString()),
        ['/1', '/2', '/3'],
      );
      assert.ok((results[2]?.timings.blockedUs ?? 0) >= 30_000, `blocked ${results[2]?.timings.blockedUs}`);
      assert.equal(server.connections, 1);
      assert.equal(server.requests, 3);
    });

    it('measures waiting as the server think time', async () => {
      const server = track(await startHttpServer((_req, res) => setTimeout(() => res.end('slow'), 50)));
      const c = conn();
      await c.request(spec(`${server.origin}/warm`));
      const res = await c.request(spec(`${server.origin}/slow`));
      assertOk(res);
      assert.ok(res.timings.waitingUs >= 45_000, `waiting ${res.timings.waitingUs}`);
      assert.ok(res.timings.waitingUs < 45_000 + 200_000, `waiting ${res.timings.waitingUs}`);
      assert.ok(res.timings.durationUs >= res.timings.waitingUs);
      assert.equal(server.requests, 2);
    });

    it('returns a 302 as-is by default and follows it with maxRedirects', async () => {
      const other = track(
        await startHttpServer((req, res) => {
          res.end(`other ${req.method} ${req.headers.authorization ?? 'no-auth'}`);
        }),
      );
      const server = track(
        await startHttpServer((req, res) => {
          const url = req.url ?? '';
          if (url === '/a') res.writeHead(302, { location: '/b' }).end();
          else if (url === '/b') res.writeHead(301, { location: `${server.origin}/c` }).end();
          else if (url === '/c') res.end(`landed ${req.method}`);
          else if (url === '/see-other') res.writeHead(303, { location: '/c' }).end();
          else if (url === '/loop') res.writeHead(307, { location: '/loop' }).end();
          else if (url === '/away') res.writeHead(308, { location: `${other.origin}/x` }).end();
          else res.writeHead(404).end();
        }),
      );
      const c = conn();
      const plain = await c.request(spec(`${server.origin}/a`));
      assertOk(plain, 302);
      assert.equal(plain.headers.location, '/b');
      assert.equal(server.requests, 1);

      const followed = await c.request(spec(`${server.origin}/a`, { maxRedirects: 3 }));
      assertOk(followed);
      assert.equal(followed.body.toString(), 'landed GET');
      assert.equal(server.requests, 4);
      assert.ok(followed.timings.durationUs > 0);

      const seeOther = await c.request(
        spec(`${server.origin}/see-other`, { method: 'POST', body: Buffer.from('payload'), maxRedirects: 3 }),
      );
      assert.equal(seeOther.body.toString(), 'landed GET');
      const last = server.seen[server.seen.length - 1];
      assert.equal(last?.method, 'GET');
      assert.equal(last?.body.length, 0);
      assert.equal(server.requests, 6);

      const loop = await c.request(spec(`${server.origin}/loop`, { maxRedirects: 3 }));
      assertOk(loop, 307);
      assert.equal(server.requests, 6 + 4, 'the first request and three redirects');

      const away = await c.request(
        spec(`${server.origin}/away`, {
          method: 'PUT',
          headers: { authorization: 'secret' },
          maxRedirects: 3,
        }),
      );
      assertOk(away);
      assert.equal(
        away.body.toString(),
        'other PUT no-auth',
        '308 keeps the method, drops credentials cross-origin',
      );
      assert.equal(other.requests, 1);
    });
  });
}
