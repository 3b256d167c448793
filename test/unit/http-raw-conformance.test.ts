/**
 * The raw-socket HTTP/1.1 fast path: the shared conformance suite, plus what only the fast path
 * does (request serialisation and its cache).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createHttpConnection } from '../../src/protocols/http/connection.js';
import { createRawHttp1Client } from '../../src/protocols/http/raw-http1.js';
import { prepareHttp1Request } from '../../src/protocols/http/request-head.js';
import type { HttpConnection } from '../../src/protocols/http/types.js';
import { assertOk, conformanceSuite, spec } from '../helpers/http-conformance.js';
import { startRawServer, type RunningServer } from '../helpers/http-servers.js';

conformanceSuite(
  'fast path',
  { fastPath: true, insecureSkipTLSVerify: false },
  { headClosesConnection: false, notModifiedWithLengthClosesConnection: false, unsolicited100Fails: false },
);

describe('fast path: request serialisation', () => {
  const servers: RunningServer[] = [];
  const connections: HttpConnection[] = [];
  after(async () => {
    for (const c of connections) c.close();
    await Promise.all(servers.map((s) => s.close()));
  });

  it('writes the exact request head, adding host, connection and content-length', async () => {
    const heads: string[] = [];
    const server = await startRawServer((socket, req) => {
      heads.push(req.head);
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
    });
    servers.push(server);
    const c = createHttpConnection({ fastPath: true, insecureSkipTLSVerify: false });
    connections.push(c);
    assertOk(await c.request(spec(`${server.origin}/p/a%20b?q=1#frag`, { headers: { 'X-Id': '7' } })));
    assertOk(
      await c.request(
        spec(`${server.origin}/post`, {
          method: 'POST',
          headers: { Host: 'virtual.test', 'Content-Length': '999' },
          body: Buffer.from('abc'),
        }),
      ),
    );
    assert.deepEqual(heads, [
      `GET /p/a%20b?q=1 HTTP/1.1\r\nX-Id: 7\r\nhost: 127.0.0.1:${server.port}\r\nconnection: keep-alive`,
      'POST /post HTTP/1.1\r\nHost: virtual.test\r\nconnection: keep-alive\r\ncontent-length: 3',
    ]);
    assert.equal(server.requests, 2);
    assert.equal(server.connections, 1);
  });

  it('caches the serialised request per spec and rebuilds it when the spec changes', () => {
    const s = spec('http://127.0.0.1:1/a', { headers: { a: '1' } });
    const first = prepareHttp1Request(s);
    assert.equal(prepareHttp1Request(s), first, 'same spec, same bytes object');
    s.url = new URL('http://127.0.0.1:1/b');
    const second = prepareHttp1Request(s);
    assert.notEqual(second, first);
    assert.match(second.bytes.toString('latin1'), /^GET \/b HTTP\/1\.1\r\n/);
    s.headers = { a: '2' };
    assert.match(prepareHttp1Request(s).bytes.toString('latin1'), /\r\na: 2\r\n/);
  });

  it('refuses header injection without sending anything', async () => {
    const server = await startRawServer((socket) =>
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'),
    );
    servers.push(server);
    const c = createHttpConnection({ fastPath: true, insecureSkipTLSVerify: false });
    connections.push(c);
    const res = await c.request(spec(`${server.origin}/`, { headers: { 'x-evil': 'a\r\nx-injected: 1' } }));
    assert.equal(res.status, 0);
    assert.equal(res.error?.class, 'other');
    const badMethod = await c.request(spec(`${server.origin}/`, { method: 'GET /x' }));
    assert.equal(badMethod.error?.class, 'other');
    assert.equal(server.connections, 0);
    assert.equal(server.requests, 0);
  });

  it('closes after a request that asked for `connection: close`, and after an HTTP/1.0 response', async () => {
    const server = await startRawServer((socket, req) => {
      if (req.path === '/old') socket.write('HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nold');
      else socket.write('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nnew');
    });
    servers.push(server);
    const client = createRawHttp1Client({ host: '127.0.0.1', port: server.port });
    const byClose = await client.send(spec(`${server.origin}/x`, { headers: { Connection: 'close' } }));
    assertOk(byClose);
    const old = await client.send(spec(`${server.origin}/old`));
    assert.equal(old.body.toString(), 'old');
    const after10 = await client.send(spec(`${server.origin}/x`));
    assert.equal(after10.body.toString(), 'new');
    client.close();
    assert.equal(server.connections, 3);
    assert.deepEqual(server.requestsOn, [1, 1, 1]);
  });

  it('sends an `expect: 100-continue` request with its body and reads past the 100', async () => {
    const server = await startRawServer((socket, req) => {
      socket.write('HTTP/1.1 100 Continue\r\n\r\n');
      socket.write(`HTTP/1.1 201 Created\r\nContent-Length: ${req.body.length}\r\n\r\n`);
      socket.write(req.body);
    });
    servers.push(server);
    const client = createRawHttp1Client({ host: '127.0.0.1', port: server.port });
    const res = await client.send(
      spec(`${server.origin}/`, {
        method: 'PUT',
        headers: { Expect: '100-continue' },
        body: Buffer.from('payload'),
      }),
    );
    client.close();
    assertOk(res, 201);
    assert.equal(res.body.toString(), 'payload');
    assert.equal(server.requests, 1);
  });

  it('fails queued requests on close() and stays usable afterwards', async () => {
    const server = await startRawServer((socket, req) => {
      if (req.index > 0) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    });
    servers.push(server);
    const client = createRawHttp1Client({ host: '127.0.0.1', port: server.port });
    const a = client.send(spec(`${server.origin}/hang`));
    const b = client.send(spec(`${server.origin}/queued`));
    await new Promise((r) => setTimeout(r, 30));
    client.close();
    const [ra, rb] = await Promise.all([a, b]);
    assert.equal(ra.error?.class, 'other');
    assert.equal(rb.error?.class, 'other');
    const again = await client.send(spec(`${server.origin}/again`));
    assertOk(again);
    client.close();
    client.close();
    assert.equal(server.requests, 2, 'the queued request was never sent');
    assert.equal(server.connections, 2);
  });
});
