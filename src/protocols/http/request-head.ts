/**
 * Serialises an HTTP/1.1 request once and caches the bytes by spec identity, so quick mode, which
 * sends the same spec millions of times, pays one `socket.write` per request and nothing else.
 * A cached entry is reused only while the spec still points at the same method, URL text, header
 * object and body object; specs are meant to be treated as immutable once sent (mutating a header
 * object in place is not detected).
 */
import { validateHeaderName, validateHeaderValue } from 'node:http';
import type { HttpRequestSpec } from './types.js';

/** Bodies up to this size travel in the same buffer (and the same write) as the head. */
const INLINE_BODY_MAX = 64 * 1024;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Methods whose requests carry a payload: without a body they still announce `content-length: 0`. */
const PAYLOAD_METHODS = new Set(['POST', 'PUT', 'PATCH', 'QUERY']);

export interface PreparedHttp1Request {
  readonly method: string;
  readonly url: URL;
  readonly href: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer | undefined;
  /** Head (and the body, when small) ready for one write. Empty when `error` is set. */
  readonly bytes: Buffer;
  /** The body, when too large to copy into `bytes`. */
  readonly trailingBody: Buffer | undefined;
  readonly totalBytes: number;
  /** HEAD responses have no body whatever their content-length says. */
  readonly isHead: boolean;
  /** The request itself asked for `connection: close`. */
  readonly closeAfter: boolean;
  /** Why the request cannot be sent (invalid method or header); reported as error class `other`. */
  readonly error: string | undefined;
}

const cache = new WeakMap<HttpRequestSpec, PreparedHttp1Request>();

function sameSource(p: PreparedHttp1Request, spec: HttpRequestSpec): boolean {
  return (
    p.method === spec.method &&
    p.url === spec.url &&
    p.headers === spec.headers &&
    p.body === spec.body &&
    p.href === spec.url.href
  );
}

/** Returns the cached serialisation of `spec`, building it on first use (or after the spec changed). */
export function prepareHttp1Request(spec: HttpRequestSpec): PreparedHttp1Request {
  const hit = cache.get(spec);
  if (hit !== undefined && sameSource(hit, spec)) return hit;
  const prepared = serialize(spec);
  cache.set(spec, prepared);
  return prepared;
}

function serialize(spec: HttpRequestSpec): PreparedHttp1Request {
  const { method, url, headers, body } = spec;
  const base = { method, url, href: url.href, headers, body, isHead: method === 'HEAD' };
  const fail = (error: string): PreparedHttp1Request => ({
    ...base,
    bytes: Buffer.alloc(0),
    trailingBody: undefined,
    totalBytes: 0,
    closeAfter: true,
    error,
  });
  if (!TOKEN.test(method)) return fail(`invalid HTTP method ${JSON.stringify(method)}`);

  let head = `${method} ${url.pathname}${url.search} HTTP/1.1\r\n`;
  let hasHost = false;
  let hasConnection = false;
  let closeAfter = false;
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    if (value === undefined) continue;
    try {
      validateHeaderName(name);
      validateHeaderValue(name, value);
    } catch (err) {
      return fail(err instanceof Error ? err.message : String(err));
    }
    const lower = name.toLowerCase();
    // We always know the body length, so framing is ours: a user content-length could lie and a
    // user transfer-encoding would need chunk framing we do not do.
    if (lower === 'content-length' || lower === 'transfer-encoding') continue;
    if (lower === 'host') hasHost = true;
    else if (lower === 'connection') {
      hasConnection = true;
      if (/(^|,)\s*close\s*(,|$)/i.test(value)) closeAfter = true;
    }
    head += `${name}: ${value}\r\n`;
  }
  if (!hasHost) head += `host: ${url.host}\r\n`;
  if (!hasConnection) head += 'connection: keep-alive\r\n';
  if (body !== undefined && (body.length > 0 || method !== 'GET')) {
    head += `content-length: ${body.length}\r\n`;
  } else if (PAYLOAD_METHODS.has(method)) {
    head += 'content-length: 0\r\n';
  }
  head += '\r\n';

  const headLength = Buffer.byteLength(head, 'latin1');
  const bodyLength = body?.length ?? 0;
  let bytes: Buffer;
  let trailingBody: Buffer | undefined;
  if (body !== undefined && bodyLength > 0 && bodyLength <= INLINE_BODY_MAX) {
    bytes = Buffer.allocUnsafe(headLength + bodyLength);
    bytes.write(head, 0, 'latin1');
    body.copy(bytes, headLength);
  } else {
    bytes = Buffer.from(head, 'latin1');
    trailingBody = bodyLength > 0 ? body : undefined;
  }
  return {
    ...base,
    bytes,
    trailingBody,
    totalBytes: headLength + bodyLength,
    closeAfter,
    error: undefined,
  };
}
