/**
 * A forward proxy on a VU's own connections (not undici's ProxyAgent, which pools connections
 * across VUs and hides the socket our timings and byte counts read): the connector of an origin
 * connects to the proxy instead. Plain http:// origins then send absolute-form requests
 * (`GET http://host/path`) on that connection; https:// origins open a CONNECT tunnel and run TLS
 * inside it. Timings: `connecting` is the TCP connect to the proxy; for https, `tls_handshaking`
 * includes the CONNECT exchange.
 */
import { connect as netConnect, type Socket } from 'node:net';

/** undici's connector shape (buildConnector), with `httpSocket` to run TLS over a given socket. */
export type ConnectFn = (
  options: {
    hostname: string;
    protocol: string;
    port?: string | number;
    servername?: string;
    httpSocket?: Socket;
  },
  callback: (err: Error | null, socket: Socket | null) => void,
) => Socket;

/** The proxy's answer to CONNECT was not 200 (or not HTTP). */
export class ProxyConnectError extends Error {
  readonly code = 'ERR_PROXY_CONNECT';
}

const MAX_HEAD = 16 * 1024;

/** A connector that reaches every origin through the proxy at `proxyUrl` (http://host:port). */
export function proxyConnector(proxyUrl: string, base: ConnectFn): ConnectFn {
  const proxy = new URL(proxyUrl);
  const host = proxy.hostname.replace(/^\[|\]$/g, '');
  const port = Number(proxy.port || 80);
  return (opts, callback) => {
    if (opts.protocol !== 'https:') return base({ hostname: host, protocol: 'http:', port }, callback);
    const target = `${opts.hostname.includes(':') ? `[${opts.hostname}]` : opts.hostname}:${opts.port || 443}`;
    let settled = false;
    const finish = (err: Error | null, s: Socket | null): void => {
      if (settled) return;
      settled = true;
      callback(err, s);
    };
    const socket = netConnect({ host, port });
    socket.setNoDelay(true);
    let head: Buffer = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > MAX_HEAD) fail(`the proxy's answer to CONNECT ${target} has no end of headers`);
        return;
      }
      socket.off('data', onData);
      const statusLine = head.toString('latin1', 0, head.indexOf('\r\n'));
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1];
      if (status === undefined || !status.startsWith('2')) {
        fail(`the proxy answered CONNECT ${target} with ${JSON.stringify(statusLine)}`);
        return;
      }
      // TLS to the origin, inside the tunnel (undici's connector upgrades `httpSocket`).
      base({ ...opts, httpSocket: socket }, finish);
    };
    const fail = (message: string): void => {
      socket.destroy();
      finish(new ProxyConnectError(message), null);
    };
    socket.once('connect', () => {
      socket.write(`CONNECT ${target} HTTP/1.1\r\nhost: ${target}\r\n\r\n`);
    });
    socket.on('data', onData);
    socket.on('error', (err) => finish(err, null));
    return socket;
  };
}
