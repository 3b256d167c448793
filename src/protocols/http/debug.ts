/**
 * `--http-debug[=full]`, as k6's: every request's and response's head (with `full`, the bodies,
 * truncated) printed to the process's stderr from the worker thread that sends it. A synchronous
 * format and a write per request: for debugging a script at a few requests per second, never for
 * measuring (the numbers of a debug run include the printing).
 */
import { STATUS_CODES } from 'node:http';
import type { HttpConnection, HttpRequestSpec, HttpResponse } from './types.js';

/** The most body bytes `full` prints of one request or response. */
export const DEBUG_BODY_BYTES = 1024;

function body(b: Buffer | undefined): string {
  if (!b || b.length === 0) return '';
  const text = b.subarray(0, DEBUG_BODY_BYTES).toString('utf8');
  return b.length > DEBUG_BODY_BYTES
    ? `${text}\n… (${b.length} bytes, ${DEBUG_BODY_BYTES} shown)\n`
    : `${text}\n`;
}

export function formatDebugRequest(spec: HttpRequestSpec, full: boolean): string {
  const lines = [`${spec.method} ${spec.url.pathname}${spec.url.search} HTTP/1.1`, `Host: ${spec.url.host}`];
  for (const [k, v] of Object.entries(spec.headers)) if (k.toLowerCase() !== 'host') lines.push(`${k}: ${v}`);
  return `Request:\n${lines.join('\n')}\n\n${full ? body(spec.body) : ''}`;
}

export function formatDebugResponse(res: HttpResponse, full: boolean): string {
  if (res.status === 0) return `Response:\n(no response: ${res.error?.message ?? 'failed'})\n\n`;
  const lines = [`${res.proto ?? 'HTTP/1.1'} ${res.status} ${STATUS_CODES[res.status] ?? ''}`.trimEnd()];
  for (const [k, v] of Object.entries(res.headers))
    for (const one of Array.isArray(v) ? v : [v]) lines.push(`${k}: ${one}`);
  return `Response:\n${lines.join('\n')}\n\n${full ? body(res.body) : ''}`;
}

/** A connection that prints what goes through it; `full` keeps response bodies to print them. */
export function debugConnection(
  c: HttpConnection,
  full: boolean,
  write: (s: string) => void,
): HttpConnection {
  return {
    request: async (spec) => {
      const req = formatDebugRequest(spec, full);
      const res = await c.request(full && spec.discardBody ? { ...spec, discardBody: false } : spec);
      // One write per exchange, so the request and its response stay together between VUs.
      write(`${req}${formatDebugResponse(res, full)}`);
      return res;
    },
    close: () => c.close(),
  };
}
