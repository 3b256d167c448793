/** A real HTTP server on 127.0.0.1:0 that counts what it receives, for comparing with what volley reports. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CountingServer {
  url: string;
  port: number;
  /** Requests received (counted when the request arrives). */
  count(): number;
  /** Requests per path. */
  byPath(): Map<string, number>;
  /** Arrival times (performance.now()) of every request. */
  arrivals(): number[];
  connections(): number;
  /** When each connection was accepted (performance.now()). */
  connectionTimes(): number[];
  /** Distinct values received of a header named in `recordHeaders`. */
  headerValues(name: string): string[];
  close(): Promise<void>;
}

export interface CountingServerOptions {
  /** Delay before answering, ms. */
  delayMs?: number;
  /** Status to answer with (default 200). */
  status?: number | ((n: number) => number);
  /** Header names whose distinct values are kept (lower case). */
  recordHeaders?: string[];
}

export async function startCountingServer(opts: CountingServerOptions = {}): Promise<CountingServer> {
  let n = 0;
  let conns = 0;
  const connTimes: number[] = [];
  const paths = new Map<string, number>();
  const arrivals: number[] = [];
  const seen = new Map<string, Set<string>>();
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    n++;
    for (const h of opts.recordHeaders ?? []) {
      const v = req.headers[h];
      if (typeof v === 'string') seen.set(h, (seen.get(h) ?? new Set()).add(v));
    }
    arrivals.push(performance.now());
    const path = (req.url ?? '/').split('?')[0] as string;
    paths.set(path, (paths.get(path) ?? 0) + 1);
    const status = typeof opts.status === 'function' ? opts.status(n) : (opts.status ?? 200);
    const answer = (): void => {
      res.writeHead(status, { 'content-type': 'text/plain', 'content-length': '2' });
      res.end('ok');
    };
    req.resume();
    req.on('end', () => {
      if (opts.delayMs) setTimeout(answer, opts.delayMs);
      else answer();
    });
  };
  const server: Server = createServer(handler);
  server.keepAliveTimeout = 65_000;
  server.on('connection', () => {
    conns++;
    connTimes.push(performance.now());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    count: () => n,
    byPath: () => paths,
    arrivals: () => arrivals,
    connections: () => conns,
    connectionTimes: () => connTimes,
    headerValues: (name) => [...(seen.get(name) ?? [])],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
