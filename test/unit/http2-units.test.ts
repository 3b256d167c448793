/**
 * HTTP/2 pieces without a network: h2load's summary as bench section 8 reads it, and how
 * `http2Streams` groups VUs onto shared connections (and closes a connection with its last VU).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseH2load } from '../../bench/sections/http2.js';
import { SharedConnections } from '../../src/protocols/http/shared-connections.js';
import type { HttpConnection, HttpResponse } from '../../src/protocols/http/types.js';

const H2LOAD = `starting benchmark...
spawning thread #0: 10 total client(s). 1000000 total requests
Application protocol: h2c
finished in 5.00s, 72430.00 req/s, 4.70MB/s
requests: 362150 total, 362250 started, 362150 done, 362150 succeeded, 0 failed, 0 errored, 0 timeout
status codes: 362150 2xx, 0 3xx, 0 4xx, 0 5xx
traffic: 23.48MB (24620380) total, 1.04MB (1086710) headers (space savings 95.08%), 707.32KB (724300) data
                     min         max         mean         sd        +/- sd
time for request:      225us      9.39ms       539us       268us    91.65%
`;

describe('HTTP/2 helpers', () => {
  it("parseH2load reads req/s, totals, failures and the request time's max and mean", () => {
    const n = parseH2load(H2LOAD);
    assert.equal(n.rps, 72430);
    assert.equal(n.requests, 362150);
    assert.equal(n.max, 9.39);
    assert.deepEqual(n.notes, ['mean 0.54 ms (h2load gives no percentiles)']);
    const failed = parseH2load(H2LOAD.replace('0 failed, 0 errored', '7 failed, 2 errored'));
    assert.deepEqual(failed.notes.slice(0, 2), ['failed=7', 'errored=2']);
    assert.equal(parseH2load('connect error').rps, undefined);
  });

  it('SharedConnections: groups of n VUs share one connection, closed when its last VU closes', () => {
    const made: { closed: number }[] = [];
    const shared = new SharedConnections(() => {
      const state = { closed: 0 };
      made.push(state);
      const conn: HttpConnection = {
        request: () => Promise.resolve({} as HttpResponse),
        close: () => void state.closed++,
      };
      return conn;
    }, 3);
    const vus = Array.from({ length: 7 }, () => shared.take());
    assert.equal(made.length, 3); // 3 + 3 + 1
    vus[0]?.close();
    vus[0]?.close(); // idempotent
    vus[1]?.close();
    assert.equal(made[0]?.closed, 0);
    vus[2]?.close();
    assert.equal(made[0]?.closed, 1);
    // Fresh VUs fill the current group (1 of 3 taken) before a new connection is made.
    shared.take();
    shared.take();
    assert.equal(made.length, 3);
    shared.take();
    assert.equal(made.length, 4);
  });
});
