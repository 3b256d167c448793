/**
 * Before any load: one TCP (and TLS) connection to a ws:// or wss:// target, no handshake, so the
 * server sees no session volley does not report. Reuses HTTP's connection check.
 */
import { VolleyError } from '../../errors.js';
import { preflight as tcpPreflight } from '../http/preflight.js';
import type { WsOptions } from './options.js';

export async function wsPreflight(target: URL, options: WsOptions, timeoutMs: number): Promise<void> {
  const u = new URL(target.href);
  u.protocol = target.protocol === 'wss:' ? 'https:' : 'http:';
  try {
    await tcpPreflight(u, timeoutMs, options.insecureSkipTLSVerify, options.tls);
  } catch (err) {
    // Name the WebSocket URL, not the host:port the TCP check dialled.
    if (!(err instanceof VolleyError)) throw err;
    const opts: ConstructorParameters<typeof VolleyError>[2] = { cause: err.cause };
    if (err.hint !== undefined) opts.hint = err.hint;
    throw new VolleyError(err.code, `WebSocket ${target.href}: ${err.message}`, opts);
  }
}
