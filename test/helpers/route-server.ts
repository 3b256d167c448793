/**
 * A real HTTP server on 127.0.0.1:0 for script tests: counts requests per `METHOD /path`, keeps
 * every request (headers, query, body) for assertions, and answers a few scripted routes —
 * `POST /login` issues a token and a session cookie, `GET /whoami` reports the cookie it saw,
 * everything else answers `{"ok":true,"path":…}`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface RouteServer {
  url: string;
  /** Requests per `METHOD /path` (query stripped). */
  counts(): Map<string, number>;
  count(route: string): number;
  total(): number;
  requests(): SeenRequest[];
  reset(): void;
  close(): Promise<void>;
}

export async function startRouteServer(): Promise<RouteServer> {
  let seen: SeenRequest[] = [];
  let counts = new Map<string, number>();
  let tokens = 0;
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://x');
      const method = req.method ?? 'GET';
      const body = Buffer.concat(chunks).toString();
      seen.push({ method, path: u.pathname, query: u.searchParams, headers: req.headers, body });
      const route = `${method} ${u.pathname}`;
      counts.set(route, (counts.get(route) ?? 0) + 1);
      const json = (status: number, value: unknown, headers: Record<string, string> = {}): void => {
        const text = JSON.stringify(value);
        res.writeHead(status, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(text),
          ...headers,
        });
        res.end(text);
      };
      if (route === 'POST /login') {
        const token = `t${++tokens}`;
        json(200, { token }, { 'set-cookie': `sid=${token}; Path=/; HttpOnly` });
      } else if (route === 'GET /whoami') {
        json(200, { cookie: req.headers.cookie ?? null });
      } else if (u.pathname.startsWith('/status/')) {
        json(Number(u.pathname.slice(8)), { status: Number(u.pathname.slice(8)) });
      } else {
        json(200, { ok: true, path: u.pathname, total: 20 });
      }
    });
  };
  const server = createServer(handler);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    counts: () => counts,
    count: (route) => counts.get(route) ?? 0,
    total: () => seen.length,
    requests: () => seen,
    reset: () => {
      seen = [];
      counts = new Map();
      tokens = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
