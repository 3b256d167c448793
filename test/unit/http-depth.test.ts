/** The pure parts of HTTP depth: expected-status lists, status-class filters, codings, multipart. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { matchesFilter } from '../../src/metrics/tags.js';
import { decodeBody, encodeBody } from '../../src/protocols/http/compression.js';
import {
  ExpectedStatuses,
  expectedStatusProblems,
  expectedStatusesOf,
  parseExpectedStatusFlag,
} from '../../src/protocols/http/expected-statuses.js';
import { encodeMultipart, file } from '../../src/protocols/http/multipart.js';

describe('HTTP depth, unit', () => {
  it('expected statuses: codes and ranges compile to a lookup; bad lists say where', () => {
    const e = new ExpectedStatuses([{ min: 200, max: 299 }, 404]);
    assert.deepEqual(
      [199, 200, 299, 300, 404, 405, 0, 600].map((s) => e.has(s)),
      [false, true, true, false, true, false, false, false],
    );
    assert.deepEqual(
      expectedStatusProblems([200, { min: 500, max: 400 }, 'x', { min: 200, max: 299, y: 1 }], 'p').map(
        (p) => [p.path, p.code],
      ),
      [
        ['p[1]', 'out-of-range'],
        ['p[2]', 'wrong-type'],
        ['p[3]', 'unknown-field'],
      ],
    );
    assert.equal(expectedStatusProblems([], 'p')[0]?.code, 'wrong-type');
    assert.deepEqual(parseExpectedStatusFlag('200-399, 404'), [{ min: 200, max: 399 }, 404]);
    assert.match(String(parseExpectedStatusFlag('2xx')), /'2xx' is not a status/);
    const list = [418];
    assert.equal(expectedStatusesOf(list), expectedStatusesOf(list), 'cached by the list object');
    assert.equal(expectedStatusesOf([418]), expectedStatusesOf([418]), 'and by its content');
    assert.throws(() => expectedStatusesOf([42]), /expectedStatuses\[0\]: 42 is not a status/);
  });

  it('a filter value Nxx matches three-digit values of that class, and exact values still match', () => {
    assert.ok(matchesFilter({ status: '503', name: 'a' }, { status: '5xx' }));
    assert.ok(!matchesFilter({ status: '404' }, { status: '5xx' }));
    assert.ok(!matchesFilter({ status: '0' }, { status: '5xx' }), 'no status is no class');
    assert.ok(matchesFilter({ status: '5xx' }, { status: '5xx' }));
    assert.ok(matchesFilter({ status: '200' }, { status: '2XX' }));
    assert.ok(!matchesFilter({ name: '500' }, { status: '5xx' }), 'the tag must be there');
  });

  it('decodes gzip, zlib and raw deflate, br and stacked codings; unknown codings pass through', () => {
    const text = Buffer.from('hello '.repeat(100));
    assert.ok(decodeBody(gzipSync(text), 'gzip', 0).equals(text));
    assert.ok(decodeBody(gzipSync(text), 'X-Gzip', 0).equals(text));
    assert.ok(decodeBody(deflateSync(text), 'deflate', 0).equals(text));
    assert.ok(decodeBody(deflateRawSync(text), 'deflate', 0).equals(text));
    assert.ok(decodeBody(brotliCompressSync(text), 'br', 0).equals(text));
    assert.ok(decodeBody(brotliCompressSync(gzipSync(text)), 'gzip, br', 0).equals(text));
    assert.ok(decodeBody(text, 'identity', 0).equals(text));
    assert.ok(decodeBody(text, 'zstd', 0).equals(text));
    assert.throws(() => decodeBody(Buffer.from('not gzip'), 'gzip', 0), /the gzip body does not decompress/);
    assert.throws(
      () => decodeBody(gzipSync(text), 'gzip', 100),
      /decompresses to more than maxResponseBytes \(100/,
    );
    assert.ok(decodeBody(encodeBody(text, 'br'), 'br', 0).equals(text));
  });

  it('multipart: fields, repeats and files with their names and types, CRLF framing', () => {
    const { body, contentType } = encodeMultipart({
      a: 'x',
      r: ['1', 2],
      f: file(new Uint8Array([0, 255]), 'q"uote.bin'),
      skipped: undefined,
    });
    const boundary = /boundary=(.+)$/.exec(contentType)?.[1] as string;
    const text = body.toString('latin1');
    assert.equal(text.split(`--${boundary}\r\n`).length - 1, 4);
    assert.ok(text.endsWith(`--${boundary}--\r\n`));
    assert.ok(
      text.includes(
        'name="f"; filename="q%22uote.bin"\r\ncontent-type: application/octet-stream\r\n\r\n\u0000\u00ff\r\n',
      ),
    );
    assert.throws(() => encodeMultipart({ bad: { x: 1 } as never }), /multipart field 'bad'/);
  });
});
