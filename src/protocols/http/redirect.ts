/**
 * Redirect following shared by both clients (it sits above them because a redirect may change
 * origin, and so client). Off unless `maxRedirects > 0`; the rules follow the Fetch standard, as
 * undici's RedirectHandler does: 303 turns anything but HEAD into a body-less GET, 301/302 turn a
 * POST into a GET, 307/308 resend the same method and body; credentials are dropped when the
 * origin changes. The timeout is one budget for the whole chain.
 *
 * The returned response is the last hop's, with timings and byte counts summed over every hop,
 * because the caller waited for all of them.
 */
import { failedResponse, nowUs } from './response.js';
import type { HttpRequestSpec, HttpResponse, HttpTimings } from './types.js';

const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);
const CROSS_ORIGIN_DROPPED: ReadonlySet<string> = new Set([
  'authorization',
  'cookie',
  'proxy-authorization',
  'host',
]);

function locationOf(res: HttpResponse): string | undefined {
  const value = res.headers['location'];
  return Array.isArray(value) ? value[0] : value;
}

function originOf(url: URL): string {
  return `${url.protocol}//${url.host}`;
}

/** The request to send for a redirect response, or undefined when it cannot be followed. */
function redirectSpec(spec: HttpRequestSpec, res: HttpResponse): HttpRequestSpec | undefined {
  if (!REDIRECT_STATUSES.has(res.status)) return undefined;
  const location = locationOf(res);
  if (location === undefined || location === '') return undefined;
  let url: URL;
  try {
    url = new URL(location, spec.url);
  } catch {
    return undefined; // an unparsable Location ends the chain: the caller gets the 3xx itself
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  url.hash = '';

  const toGet =
    (res.status === 303 && spec.method !== 'HEAD') ||
    ((res.status === 301 || res.status === 302) && spec.method === 'POST');
  const crossOrigin = originOf(url) !== originOf(spec.url);
  let headers = spec.headers;
  if (toGet || crossOrigin) {
    const kept: Record<string, string> = {};
    for (const name of Object.keys(spec.headers)) {
      const lower = name.toLowerCase();
      if (toGet && lower.startsWith('content-')) continue;
      if (crossOrigin && CROSS_ORIGIN_DROPPED.has(lower)) continue;
      kept[name] = spec.headers[name] as string;
    }
    headers = kept;
  }
  return {
    method: toGet ? 'GET' : spec.method,
    url,
    headers,
    body: toGet ? undefined : spec.body,
    timeoutMs: spec.timeoutMs,
    maxRedirects: spec.maxRedirects - 1,
    discardBody: spec.discardBody,
    maxBodyBytes: spec.maxBodyBytes,
  };
}

function addTimings(into: HttpTimings, t: HttpTimings): void {
  into.blockedUs += t.blockedUs;
  into.connectingUs += t.connectingUs;
  into.tlsUs += t.tlsUs;
  into.sendingUs += t.sendingUs;
  into.waitingUs += t.waitingUs;
  into.receivingUs += t.receivingUs;
  into.durationUs += t.durationUs;
}

/** Sends `spec` and follows up to `spec.maxRedirects` redirects through `send`. */
export async function followRedirects(
  spec: HttpRequestSpec,
  send: (spec: HttpRequestSpec) => Promise<HttpResponse>,
): Promise<HttpResponse> {
  const startUs = nowUs();
  let res = await send(spec);
  if (spec.maxRedirects <= 0 || !REDIRECT_STATUSES.has(res.status)) return res;
  const total: HttpTimings = { ...res.timings };
  let bytesSent = res.bytesSent;
  let bytesReceived = res.bytesReceived;
  let current = spec;
  for (let hop = 0; hop < spec.maxRedirects; hop++) {
    const next = redirectSpec(current, res);
    if (next === undefined) break;
    if (spec.timeoutMs > 0) {
      const leftMs = spec.timeoutMs - (nowUs() - startUs) / 1000;
      if (leftMs <= 0) {
        res = failedResponse(
          'timeout',
          `request timed out after ${spec.timeoutMs} ms (following redirects)`,
          total,
          bytesSent,
          bytesReceived,
        );
        return res;
      }
      next.timeoutMs = Math.ceil(leftMs);
    }
    current = next;
    res = await send(next);
    addTimings(total, res.timings);
    bytesSent += res.bytesSent;
    bytesReceived += res.bytesReceived;
  }
  res.timings = total;
  res.bytesSent = bytesSent;
  res.bytesReceived = bytesReceived;
  return res;
}
