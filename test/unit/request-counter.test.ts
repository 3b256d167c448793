/**
 * The rehearsal stand-in's request counter: whole requests only, whatever the reads' boundaries
 * (pipelined requests in one read, a head or a body split across reads).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RequestCounter } from '../../src/protocols/http/request-counter.js';

const get = Buffer.from('GET /a HTTP/1.1\r\nhost: x\r\n\r\n', 'latin1');
const post = Buffer.from('POST /b HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\n\r\nhello', 'latin1');
const empty = Buffer.from('POST /c HTTP/1.1\r\ncontent-length: 0\r\nhost: x\r\n\r\n', 'latin1');

describe('RequestCounter', () => {
  it('counts pipelined requests of one read, bodies included', () => {
    const c = new RequestCounter();
    assert.equal(c.push(Buffer.concat([get, post, empty, post, get])), 5);
  });

  it('counts a request once its last byte arrived, however the stream is cut', () => {
    const stream = Buffer.concat([post, get, post, empty, get, post]);
    for (let size = 1; size <= stream.length; size++) {
      const c = new RequestCounter();
      let total = 0;
      let seen = 0;
      for (let at = 0; at < stream.length; at += size) {
        total += c.push(stream.subarray(at, at + size));
        seen = Math.min(stream.length, at + size);
        // Never ahead of the requests whose bytes are all in.
        let complete = 0;
        let end = 0;
        for (const r of [post, get, post, empty, get, post]) {
          end += r.length;
          if (end <= seen) complete++;
        }
        assert.equal(total, complete, `chunks of ${size}, after ${seen} bytes`);
      }
      assert.equal(total, 6, `chunks of ${size}`);
    }
  });

  it('refuses a chunked request (the fast path never sends one)', () => {
    const c = new RequestCounter();
    assert.throws(
      () => c.push(Buffer.from('POST / HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n', 'latin1')),
      /chunked/,
    );
  });
});
