/**
 * Quick mode's rehearsal target: a stand-in for the target on 127.0.0.1 inside the worker, which
 * answers every request at once (200, a 2-byte body, keep-alive). A worker plays the start of its
 * scenario against it before the start instant, so the whole path is compiled hot (JIT) when the
 * clock starts, without sending anything to the real target. The rehearsing VUs send the quick
 * request itself, unchanged (the same prepared request, the same endpoint series: the same code
 * the run executes); only their connections lead to the stand-in (`connectTo`). Only requests
 * the raw fast path takes are rehearsed: nothing else can be redirected to a stand-in.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { QuickRequest } from '../../config/types.js';
import type { QuickRehearsal } from '../module.js';
import { takesFastPath } from './connection.js';
import type { HttpConnection, HttpConnectionOptions } from './types.js';

export async function httpQuickRehearsal(
  req: QuickRequest,
  options: HttpConnectionOptions,
  connectionTo: (connectTo: { host: string; port: number }) => HttpConnection,
): Promise<QuickRehearsal<HttpConnection> | undefined> {
  if (!takesFastPath(options, new URL(req.url), req.method)) return undefined;
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' });
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const to = { host: '127.0.0.1', port };
  return {
    createClient: () => connectionTo(to),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
