/**
 * Quick mode's rehearsal target: a stand-in for the target on 127.0.0.1 inside the worker, which
 * answers every request at once (200, a 2-byte body, keep-alive), counting requests as the fast
 * path frames them (request-counter.ts). A worker plays the start of its
 * scenario against it before the start instant, so the whole path is compiled hot (JIT) when the
 * clock starts, without sending anything to the real target. The rehearsing VUs send the quick
 * request itself, unchanged (the same prepared request, the same endpoint series: the same code
 * the run executes); only their connections lead to the stand-in (`connectTo`). Only requests
 * the raw fast path takes are rehearsed: nothing else can be redirected to a stand-in.
 */
import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import type { QuickRequest } from '../../config/types.js';
import type { QuickRehearsal } from '../module.js';
import { takesFastPath } from './connection.js';
import { RequestCounter } from './request-counter.js';
import type { HttpConnection, HttpConnectionOptions } from './types.js';

/**
 * What the stand-in answers every request with (to HEAD, the same without its body): the headers
 * of a typical server, so the response path runs as it will against one.
 */
const RESPONSE = Buffer.from(
  'HTTP/1.1 200 OK\r\nserver: volley-rehearsal\r\ndate: Thu, 01 Jan 2026 00:00:00 GMT\r\n' +
    'content-type: text/plain\r\ncontent-length: 2\r\nconnection: keep-alive\r\n\r\nok',
  'latin1',
);
const HEAD_RESPONSE = RESPONSE.subarray(0, RESPONSE.length - 2);

/**
 * One connection of the stand-in: each read answered with one response per request it completed.
 * Plain sockets and a counter, not node:http: a rehearsal of thousands of requests leaves the
 * worker's heap almost as it found it.
 */
function answer(socket: Socket, response: Buffer): void {
  const counter = new RequestCounter();
  socket.setNoDelay(true);
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: Buffer) => {
    let n: number;
    try {
      n = counter.push(chunk);
    } catch {
      socket.destroy();
      return;
    }
    if (n === 1) socket.write(response);
    else if (n > 1) socket.write(Buffer.concat(Array.from({ length: n }, () => response)));
  });
}

export async function httpQuickRehearsal(
  req: QuickRequest,
  options: HttpConnectionOptions,
  connectionTo: (connectTo: { host: string; port: number }) => HttpConnection,
): Promise<QuickRehearsal<HttpConnection> | undefined> {
  if (!takesFastPath(options, new URL(req.url), req.method)) return undefined;
  const response = req.method === 'HEAD' ? HEAD_RESPONSE : RESPONSE;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    answer(socket, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const to = { host: '127.0.0.1', port };
  return {
    createClient: () => connectionTo(to),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
