/**
 * Before any load: can the target be reached at all? One TCP (and TLS) connection with a short
 * timeout, so a typo in the port fails in a second with a clear message instead of a run of errors.
 */
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { TlsMaterial } from '../../config/types.js';
import { VolleyError } from '../../errors.js';
import { classifyHttpError as classifyError } from './errors.js';

export function preflight(
  url: URL,
  timeoutMs = 3000,
  insecure = false,
  tls: TlsMaterial | undefined = undefined,
): Promise<void> {
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve, reject) => {
    const socket =
      url.protocol === 'https:'
        ? tlsConnect({ host, port, servername: host, rejectUnauthorized: !insecure, ...tls })
        : netConnect({ host, port });
    const done = (err?: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      if (!err) return resolve();
      const cls = classifyError(err);
      const what = {
        refused: 'connection refused',
        dns: 'host not found',
        tls: 'TLS handshake failed',
        timeout: 'timed out',
      }[cls as 'refused' | 'dns' | 'tls' | 'timeout'];
      reject(
        new VolleyError('TARGET_UNREACHABLE', `cannot reach ${host}:${port}: ${what ?? err.message}`, {
          hint:
            cls === 'refused'
              ? 'is the server running, and is the port right?'
              : 'skip this check with --no-preflight',
          cause: err,
        }),
      );
    };
    const timer = setTimeout(
      () => done(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' })),
      timeoutMs,
    );
    socket.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', () => done());
    socket.once('error', done);
  });
}
