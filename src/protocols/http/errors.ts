/**
 * Maps whatever a socket, the llhttp parser, node:tls, node:dns or undici throws onto the seven
 * `HttpErrorClass` buckets the summary counts. Codes are checked before messages because messages
 * change between Node and undici releases; codes are their stable API.
 */
import type { HttpErrorClass } from './types.js';

/** Thrown (well, resolved as an error) when a request outlives its `timeoutMs`. */
export class HttpTimeoutError extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(timeoutMs: number) {
    super(`request timed out after ${timeoutMs} ms`);
    this.name = 'HttpTimeoutError';
  }
}

const BY_CODE: ReadonlyMap<string, HttpErrorClass> = new Map<string, HttpErrorClass>([
  ['ECONNREFUSED', 'refused'],
  ['ETIMEDOUT', 'timeout'],
  ['ESOCKETTIMEDOUT', 'timeout'],
  ['UND_ERR_CONNECT_TIMEOUT', 'timeout'],
  ['UND_ERR_HEADERS_TIMEOUT', 'timeout'],
  ['UND_ERR_BODY_TIMEOUT', 'timeout'],
  ['ECONNRESET', 'reset'],
  ['EPIPE', 'reset'],
  ['ECONNABORTED', 'reset'],
  ['UND_ERR_SOCKET', 'reset'],
  ['ERR_STREAM_PREMATURE_CLOSE', 'reset'],
  // HTTP/2: RST_STREAM from the server, GOAWAY or a session torn down under its streams.
  ['ERR_HTTP2_STREAM_ERROR', 'reset'],
  ['ERR_HTTP2_SESSION_ERROR', 'reset'],
  ['ERR_HTTP2_GOAWAY_SESSION', 'reset'],
  ['ERR_HTTP2_STREAM_CANCEL', 'reset'],
  ['ERR_HTTP2_INVALID_SESSION', 'reset'],
  ['ENOTFOUND', 'dns'],
  ['EAI_AGAIN', 'dns'],
  ['EAI_FAIL', 'dns'],
  ['EAI_NODATA', 'dns'],
  ['EAI_NONAME', 'dns'],
  ['EPROTO', 'tls'],
  ['DEPTH_ZERO_SELF_SIGNED_CERT', 'tls'],
  ['SELF_SIGNED_CERT_IN_CHAIN', 'tls'],
  ['CERT_HAS_EXPIRED', 'tls'],
  ['CERT_NOT_YET_VALID', 'tls'],
  ['CERT_REVOKED', 'tls'],
  ['CERT_UNTRUSTED', 'tls'],
  ['CERT_REJECTED', 'tls'],
  ['HOSTNAME_MISMATCH', 'tls'],
  ['UND_ERR_RES_CONTENT_LENGTH_MISMATCH', 'protocol'],
  ['UND_ERR_HEADERS_OVERFLOW', 'protocol'],
]);

function codeOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

function classifyCode(code: string): HttpErrorClass | undefined {
  const known = BY_CODE.get(code);
  if (known !== undefined) return known;
  if (code.startsWith('HPE_')) return 'protocol';
  if (
    code.startsWith('ERR_TLS_') ||
    code.startsWith('ERR_SSL_') ||
    code.startsWith('CERT_') ||
    code.startsWith('UNABLE_TO_') ||
    code.startsWith('ERR_OSSL_')
  ) {
    return 'tls';
  }
  return undefined;
}

function classifyMessage(message: string): HttpErrorClass | undefined {
  const m = message.toLowerCase();
  if (m.includes('other side closed') || m.includes('socket hang up') || m.includes('socket closed')) {
    return 'reset';
  }
  if (m.includes('timed out') || m.includes('timeout')) return 'timeout';
  if (m.includes('certificate') || m.includes('ssl') || m.includes('tls')) return 'tls';
  return undefined;
}

/**
 * Classifies an error by its `code`, then by the codes of its `cause` and (for the happy-eyeballs
 * AggregateError of `net.connect`) its `errors`, then by well-known messages.
 */
export function classifyHttpError(err: unknown, depth = 0): HttpErrorClass {
  if (err instanceof HttpTimeoutError) return 'timeout';
  const code = codeOf(err);
  if (code !== undefined) {
    const byCode = classifyCode(code);
    if (byCode !== undefined) return byCode;
  }
  if (typeof err === 'object' && err !== null && depth < 4) {
    const cause = (err as { cause?: unknown }).cause;
    if (cause !== undefined) {
      const byCause = classifyHttpError(cause, depth + 1);
      if (byCause !== 'other') return byCause;
    }
    const inner = (err as { errors?: unknown }).errors;
    if (Array.isArray(inner) && inner.length > 0) {
      const byInner = classifyHttpError(inner[0], depth + 1);
      if (byInner !== 'other') return byInner;
    }
  }
  if (err instanceof Error) {
    // undici's HTTPParserError often carries no code (its llhttp error table maps names to numbers).
    if (err.name === 'HTTPParserError') return 'protocol';
    const byMessage = classifyMessage(err.message);
    if (byMessage !== undefined) return byMessage;
  }
  return 'other';
}

/** A one-line description: the code (if any) and the message, e.g. `ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:1`. */
export function describeHttpError(err: unknown): string {
  if (err instanceof Error) {
    let message = err.message;
    if (message === '' && Array.isArray((err as { errors?: unknown }).errors)) {
      const first = (err as unknown as { errors: unknown[] }).errors[0];
      if (first instanceof Error) message = first.message;
    }
    // OpenSSL messages end in a newline and carry file:line noise after the reason.
    message = message.trim();
    const code = codeOf(err);
    return code !== undefined && !message.includes(code) ? `${code}: ${message}` : message;
  }
  return String(err);
}
