/**
 * HTTP/2's `http2Streams`: groups of that many VUs (of one worker) share one connection, each VU
 * sending a request at a time, so a group keeps up to `http2Streams` streams on it, as h2load's
 * `-m` streams per client. The shared connection closes when the last VU of its group closes.
 */
import type { HttpConnection, HttpRequestSpec, HttpResponse } from './types.js';

interface Group {
  conn: HttpConnection;
  /** VUs given this group so far, and still holding it. */
  given: number;
  holding: number;
}

export class SharedConnections {
  private current: Group | null = null;

  constructor(
    private readonly make: () => HttpConnection,
    private readonly perConnection: number,
  ) {}

  /** A VU's handle on its group's connection (a fresh group once the current one is full). */
  take(): HttpConnection {
    let g = this.current;
    if (g === null || g.given >= this.perConnection) {
      g = { conn: this.make(), given: 0, holding: 0 };
      this.current = g;
    }
    g.given++;
    g.holding++;
    if (this.perConnection === 1) return g.conn;
    return new GroupHandle(g, () => {
      if (this.current === g) this.current = null;
    });
  }
}

class GroupHandle implements HttpConnection {
  private closed = false;
  constructor(
    private readonly group: Group,
    private readonly emptied: () => void,
  ) {}

  request(spec: HttpRequestSpec): Promise<HttpResponse> {
    return this.group.conn.request(spec);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (--this.group.holding === 0) {
      this.emptied();
      this.group.conn.close();
    }
  }
}
