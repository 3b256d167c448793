/**
 * `http.batch` (k6's): several requests of one iteration sent at once. A VU's connection keeps one
 * request in flight per origin (a browser tab's keep-alive socket), so a batch runs on lanes: lane
 * 0 is the VU's own connection, lanes 1.. are further connections of the same VU, opened on the
 * first batch that needs them and kept (and closed) with the VU's. At most `perHost` requests of a
 * batch go to one origin at once (k6's `batchPerHost`, default 6); origins run side by side.
 * Over HTTP/2 a VU's connection has no lanes (module.ts): every worker of a batch sends on it, and
 * the requests are streams on the VU's HTTP/2 connections.
 */
import type { HttpConnection, HttpRequestSpec, HttpResponse } from './types.js';

/** A VU's connection with lanes for batches: `request` is lane 0's. */
export class LanedConnection implements HttpConnection {
  private readonly main: HttpConnection;
  /** Lanes 1.., opened by http.batch on first use. */
  private extra: HttpConnection[] | undefined = undefined;

  constructor(private readonly make: () => HttpConnection) {
    this.main = make();
  }

  request(spec: HttpRequestSpec): Promise<HttpResponse> {
    return this.main.request(spec);
  }

  connect(spec: HttpRequestSpec): Promise<void> {
    return this.main.connect?.(spec) ?? Promise.resolve();
  }

  /** Lane `i` (0: the VU's own connection), opened on first use. */
  lane(i: number): HttpConnection {
    if (i === 0) return this.main;
    const extra = (this.extra ??= []);
    let l = extra[i - 1];
    if (l === undefined) {
      l = this.make();
      extra[i - 1] = l;
    }
    return l;
  }

  close(): void {
    this.main.close();
    if (this.extra !== undefined) for (const l of this.extra) l.close();
  }
}

/** Lane `i` of a connection: a connection without lanes has only its own (a batch then runs one by one). */
function laneOf(conn: HttpConnection, i: number): HttpConnection | undefined {
  if (conn instanceof LanedConnection) return conn.lane(i);
  return i === 0 ? conn : undefined;
}

/**
 * Sends `specs` concurrently: per origin, up to `perHost` at once, each worker on its own lane.
 * `done(i, res)` is called as each response arrives (so each is recorded when it completes).
 */
export async function sendBatch(
  conn: HttpConnection,
  specs: readonly HttpRequestSpec[],
  perHost: number,
  done: (index: number, res: HttpResponse) => void,
): Promise<void> {
  const byOrigin = new Map<string, number[]>();
  specs.forEach((s, i) => {
    const key = `${s.url.protocol}//${s.url.host}`;
    const list = byOrigin.get(key);
    if (list === undefined) byOrigin.set(key, [i]);
    else list.push(i);
  });
  const workers: Promise<void>[] = [];
  for (const queue of byOrigin.values()) {
    let next = 0;
    const width = Math.min(perHost, queue.length);
    for (let w = 0; w < width; w++) {
      const lane = laneOf(conn, w) ?? conn;
      workers.push(
        (async () => {
          while (next < queue.length) {
            const i = queue[next++] as number;
            done(i, await lane.request(specs[i] as HttpRequestSpec));
          }
        })(),
      );
    }
  }
  await Promise.all(workers);
}
