/**
 * Quick mode's rehearsal target: a stand-in for the target on 127.0.0.1 inside the worker, which
 * answers every request at once (200, a 2-byte body, keep-alive). A worker runs its request path
 * against it before the start instant so that path is compiled hot (JIT) when the clock starts,
 * without sending anything to the real target. Only plain http:// (the fast path) is rehearsed.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { QuickRequest } from '../../config/types.js';
import type { QuickRehearsal } from '../module.js';

export async function httpQuickRehearsal(req: QuickRequest): Promise<QuickRehearsal | undefined> {
  const target = new URL(req.url);
  if (target.protocol !== 'http:') return undefined;
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' });
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  // The same path and method: the rehearsal records under the real endpoint's series (the
  // caller drops those samples), so that series is warm too.
  const url = new URL(`${target.pathname}${target.search}`, `http://127.0.0.1:${port}`);
  return {
    request: { ...req, url: url.href, maxRedirects: 0 } satisfies QuickRequest,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
