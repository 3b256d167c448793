/**
 * multipart/form-data bodies (RFC 7578): text fields and files, as k6's `http.file()` and a body
 * object with files. A file is its bytes, a file name and a content type; a field may repeat (an
 * array of values).
 */
import { randomBytes } from 'node:crypto';
import type { FileData, MultipartValue } from './api.js';

const FILE = Symbol('volley.file');

class File implements FileData {
  readonly [FILE] = true;
  constructor(
    readonly data: Uint8Array,
    readonly filename: string,
    readonly contentType: string,
  ) {}
}

/** A file part: text is sent as UTF-8. Default name `file`, type `application/octet-stream`. */
export function file(
  data: string | Uint8Array | ArrayBuffer,
  filename = 'file',
  contentType = 'application/octet-stream',
): FileData {
  const bytes =
    typeof data === 'string'
      ? Buffer.from(data)
      : data instanceof ArrayBuffer
        ? new Uint8Array(data)
        : data instanceof Uint8Array
          ? data
          : undefined;
  if (bytes === undefined)
    throw new TypeError('http.file(data): data must be a string, Uint8Array, Buffer or ArrayBuffer');
  return new File(bytes, filename, contentType);
}

const isFile = (v: unknown): v is File => typeof v === 'object' && v !== null && (v as File)[FILE] === true;

/** A header parameter's value, quoted (RFC 7578 §4.2: escape quotes and line breaks). */
const quoted = (s: string): string =>
  `"${s.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A')}"`;

/** The body and its content type (with the boundary). */
export function encodeMultipart(
  fields: Readonly<Record<string, MultipartValue | readonly MultipartValue[]>>,
): {
  body: Buffer;
  contentType: string;
} {
  const boundary = `----volley${randomBytes(12).toString('hex')}`;
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    const values = Array.isArray(value) ? (value as readonly MultipartValue[]) : [value as MultipartValue];
    for (const v of values) {
      if (v === undefined) continue;
      if (isFile(v)) {
        parts.push(
          Buffer.from(
            `--${boundary}\r\ncontent-disposition: form-data; name=${quoted(name)}; filename=${quoted(v.filename)}\r\n` +
              `content-type: ${v.contentType}\r\n\r\n`,
          ),
          Buffer.from(v.data.buffer, v.data.byteOffset, v.data.byteLength),
          Buffer.from('\r\n'),
        );
      } else if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') {
        parts.push(
          Buffer.from(
            `--${boundary}\r\ncontent-disposition: form-data; name=${quoted(name)}\r\n\r\n${String(v)}\r\n`,
          ),
        );
      } else {
        throw new TypeError(
          `multipart field '${name}': a value must be a string, number, boolean or http.file(…)`,
        );
      }
    }
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}
