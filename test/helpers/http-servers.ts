/**
 * Scripted servers for the HTTP client tests, all on 127.0.0.1 port 0 and counting what they
 * received (autocannon's test/helper.js idea): a node:http server with a route handler, a raw
 * `net` server whose script writes hand-written bytes per request, and an https/h2 server on the
 * test certificate.
 */
import { once } from 'node:events';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createSecureServer } from 'node:http2';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { TEST_TLS_CERT, TEST_TLS_KEY } from './http-tls-fixture.js';

export interface Counters {
  /** TCP connections accepted. */
  connections: number;
  /** Complete request heads received. */
  requests: number;
}

export interface RunningServer extends Counters {
  port: number;
  /** `http://127.0.0.1:<port>` (or https://). */
  origin: string;
  close(): Promise<void>;
}

export interface SeenRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** 0-based index of the connection that carried it. */
  connection: number;
}

type Route = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;

async function listen(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

function closer(server: Server, sockets: Set<Socket>): () => Promise<void> {
  return async () => {
    for (const s of sockets) s.destroy();
    if (!server.listening) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
}

/** A node:http server; every request is recorded in `seen` and answered by `route`. */
export async function startHttpServer(route: Route): Promise<RunningServer & { seen: SeenRequest[] }> {
  const sockets = new Set<Socket>();
  const seen: SeenRequest[] = [];
  const server = createHttpServer({ keepAliveTimeout: 30_000 }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body,
        connection: (req.socket as Socket & { testIndex?: number }).testIndex ?? -1,
      });
      route(req, res, body);
    });
  });
  const state = {
    connections: 0,
    requests: 0,
    port: 0,
    origin: '',
    seen,
    close: closer(server, sockets),
  };
  server.on('connection', (s: Socket & { testIndex?: number }) => {
    s.testIndex = state.connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('request', () => {
    state.requests++;
  });
  state.port = await listen(server);
  state.origin = `http://127.0.0.1:${state.port}`;
  return state;
}

export interface RawRequest {
  head: string;
  method: string;
  path: string;
  body: Buffer;
  /** 0-based index of this request on its connection. */
  indexOnConnection: number;
  /** 0-based index of the connection. */
  connection: number;
  /** 0-based index over all requests the server received. */
  index: number;
}

/**
 * A raw TCP server: it frames requests (head up to CRLFCRLF, then content-length bytes) and hands
 * each one to `script`, which answers with whatever bytes it wants on the socket.
 */
export async function startRawServer(
  script: (socket: Socket, req: RawRequest) => void,
): Promise<RunningServer & { requestsOn: number[] }> {
  const sockets = new Set<Socket>();
  const server = createNetServer();
  const state = {
    connections: 0,
    requests: 0,
    port: 0,
    origin: '',
    /** Requests received per connection. */
    requestsOn: [] as number[],
    close: closer(server, sockets),
  };
  server.on('connection', (socket) => {
    const connection = state.connections++;
    state.requestsOn.push(0);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        const end = pending.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = pending.subarray(0, end).toString('latin1');
        const match = /\r\ncontent-length:\s*(\d+)/i.exec(head);
        const bodyLength = match !== null ? Number(match[1]) : 0;
        if (pending.length < end + 4 + bodyLength) return;
        const body = pending.subarray(end + 4, end + 4 + bodyLength);
        pending = pending.subarray(end + 4 + bodyLength);
        const [method = '', path = ''] = head.split(' ', 2);
        const indexOnConnection = (state.requestsOn[connection] as number) ?? 0;
        state.requestsOn[connection] = indexOnConnection + 1;
        const index = state.requests++;
        script(socket, { head, method, path, body: Buffer.from(body), indexOnConnection, connection, index });
        if (socket.destroyed) return;
      }
    });
  });
  state.port = await listen(server);
  state.origin = `http://127.0.0.1:${state.port}`;
  return state;
}

/** An https server on the self-signed test certificate (HTTP/1.1, or h2 with HTTP/1.1 fallback). */
export async function startHttpsServer(
  route: (
    req: { method: string; url: string; httpVersion: string },
    res: ServerResponse | import('node:http2').Http2ServerResponse,
  ) => void,
  options: { h2?: boolean } = {},
): Promise<RunningServer> {
  const sockets = new Set<Socket>();
  const server =
    options.h2 === true
      ? createSecureServer({ cert: TEST_TLS_CERT, key: TEST_TLS_KEY, allowHTTP1: true })
      : createHttpsServer({ cert: TEST_TLS_CERT, key: TEST_TLS_KEY, keepAliveTimeout: 30_000 });
  const state = {
    connections: 0,
    requests: 0,
    port: 0,
    origin: '',
    close: closer(server as unknown as Server, sockets),
  };
  server.on('secureConnection', (s: Socket) => {
    state.connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    state.requests++;
    req.resume();
    req.on('end', () =>
      route({ method: req.method ?? '', url: req.url ?? '', httpVersion: req.httpVersion }, res),
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  state.port = (server.address() as AddressInfo).port;
  state.origin = `https://127.0.0.1:${state.port}`;
  return state;
}

/** A port on 127.0.0.1 with nothing listening (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createNetServer();
  const port = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
