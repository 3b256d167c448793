/**
 * Before any load: one TCP (and TLS) connection to a ws:// or wss:// target, no handshake, so the
 * server sees no session volley does not report. Reuses HTTP's connection check.
 */
import { preflight as tcpPreflight } from '../http/preflight.js';
import type { WsOptions } from './options.js';

export function wsPreflight(target: URL, options: WsOptions, timeoutMs: number): Promise<void> {
  const u = new URL(target.href);
  u.protocol = target.protocol === 'wss:' ? 'https:' : 'http:';
  return tcpPreflight(u, timeoutMs, options.insecureSkipTLSVerify, options.tls);
}
