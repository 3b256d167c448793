/**
 * Content codings (node:zlib): a response body is decoded when a script reads it (`res.body`,
 * `text()`, `json()`), never on the hot path of a request nobody reads, and `data_received` keeps
 * counting the bytes on the wire. A request body is encoded when the request asks (`compression`,
 * k6's parameter of the same name). Codings: gzip (x-gzip), deflate (zlib or raw), br.
 */
import { constants as bufferConstants } from 'node:buffer';
import {
  brotliCompressSync,
  brotliDecompressSync,
  deflateSync,
  gunzipSync,
  gzipSync,
  inflateRawSync,
  inflateSync,
} from 'node:zlib';

export type RequestCompression = 'gzip' | 'deflate' | 'br';
export const REQUEST_COMPRESSIONS: readonly RequestCompression[] = ['gzip', 'deflate', 'br'];

/** The codings of a `content-encoding` value, in the order they were applied. */
function codings(header: string | string[] | undefined): string[] {
  if (header === undefined) return [];
  const text = Array.isArray(header) ? header.join(',') : header;
  return text
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity');
}

function decodeOne(coding: string, body: Buffer, maxOutputLength: number): Buffer | undefined {
  const opts = { maxOutputLength };
  switch (coding) {
    case 'gzip':
    case 'x-gzip':
      return gunzipSync(body, opts);
    case 'deflate':
      // RFC 9110 says zlib-wrapped; some servers send a raw deflate stream: its first byte tells.
      return ((body[0] ?? 0) & 0x0f) === 8 ? inflateSync(body, opts) : inflateRawSync(body, opts);
    case 'br':
      return brotliDecompressSync(body, opts);
    default:
      return undefined;
  }
}

/**
 * The body as the server meant it: `body` decoded by every coding `content-encoding` names (last
 * applied, first undone). A coding volley does not know leaves the body as received. Throws with
 * the coding's name when the bytes do not decode, or decode to more than `maxBytes`.
 */
export function decodeBody(
  body: Buffer,
  contentEncoding: string | string[] | undefined,
  maxBytes: number,
): Buffer {
  const list = codings(contentEncoding);
  if (list.length === 0 || body.length === 0) return body;
  let out = body;
  for (let i = list.length - 1; i >= 0; i--) {
    const coding = list[i] as string;
    let decoded: Buffer | undefined;
    try {
      decoded = decodeOne(
        coding,
        out,
        maxBytes > 0 ? Math.min(maxBytes, bufferConstants.MAX_LENGTH) : bufferConstants.MAX_LENGTH,
      );
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'ERR_BUFFER_TOO_LARGE')
        throw new RangeError(
          `the ${coding} body decompresses to more than maxResponseBytes (${maxBytes} bytes)`,
        );
      throw new Error(`the ${coding} body does not decompress: ${(err as Error).message}`, { cause: err });
    }
    if (decoded === undefined) return out;
    out = decoded;
  }
  return out;
}

/** `body` encoded with `coding` (a request's `compression`). */
export function encodeBody(body: Buffer, coding: RequestCompression): Buffer {
  switch (coding) {
    case 'gzip':
      return gzipSync(body);
    case 'deflate':
      return deflateSync(body);
    case 'br':
      return brotliCompressSync(body);
  }
}
