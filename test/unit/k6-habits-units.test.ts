/** The pure parts of the k6 habits: trend-stat parsing, the run's target host, the --http-debug format. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TestConfig } from '../../src/config/types.js';
import { parseTrendStats } from '../../src/metrics/summary-values.js';
import { DEBUG_BODY_BYTES, formatDebugRequest, formatDebugResponse } from '../../src/protocols/http/debug.js';
import type { HttpResponse } from '../../src/protocols/http/types.js';
import { targetHost } from '../../src/session/run-test.js';

describe('--summary-trend-stats', () => {
  it('keeps the order, drops repeats, and reports every malformed entry at once', () => {
    const problems: string[] = [];
    assert.deepEqual(parseTrendStats(' avg,p(99.9), med ,avg,p(50)', problems), [
      'avg',
      'p(99.9)',
      'med',
      'p(50)',
    ]);
    assert.deepEqual(problems, []);
    parseTrendStats('p99,p(0),p(101),mean,max', problems);
    assert.equal(problems.length, 4, problems.join('\n'));
  });
});

describe('targetHost', () => {
  const cfg = (extra: Partial<TestConfig>): TestConfig => ({ thresholds: {}, ...extra }) as TestConfig;
  it('is host:port with the default port written out', () => {
    const req = (url: string) => cfg({ request: { url } as NonNullable<TestConfig['request']> });
    assert.equal(targetHost(req('http://Example.com/x'), undefined), 'example.com:80');
    assert.equal(targetHost(req('https://example.com/x'), undefined), 'example.com:443');
    assert.equal(targetHost(req('http://127.0.0.1:8117/api'), undefined), '127.0.0.1:8117');
    assert.equal(targetHost(req('wss://h/ws'), undefined), 'h:443');
    assert.equal(
      targetHost(
        cfg({ grpcRequest: { target: '127.0.0.1:50051' } as NonNullable<TestConfig['grpcRequest']> }),
        undefined,
      ),
      '127.0.0.1:50051',
    );
    assert.equal(targetHost(cfg({}), undefined), undefined);
  });
});

describe('--http-debug format', () => {
  const res = (body: Buffer): HttpResponse => ({
    status: 404,
    headers: { 'content-type': 'text/plain', 'set-cookie': ['a=1', 'b=2'] },
    body,
    timings: {} as HttpResponse['timings'],
    bytesSent: 0,
    bytesReceived: 0,
  });
  it('prints heads; full adds bodies, truncated', () => {
    const spec = {
      method: 'POST',
      url: new URL('http://127.0.0.1:9/a?b=1'),
      headers: { 'content-type': 'application/json' },
      body: Buffer.from('{"x":1}'),
      timeoutMs: 1000,
      maxRedirects: 0,
    };
    assert.equal(
      formatDebugRequest(spec, false),
      'Request:\nPOST /a?b=1 HTTP/1.1\nHost: 127.0.0.1:9\ncontent-type: application/json\n\n',
    );
    assert.ok(formatDebugRequest(spec, true).endsWith('\n\n{"x":1}\n'));
    const long = Buffer.alloc(DEBUG_BODY_BYTES + 500, 'z');
    const head = formatDebugResponse(res(long), false);
    assert.equal(
      head,
      'Response:\nHTTP/1.1 404 Not Found\ncontent-type: text/plain\nset-cookie: a=1\nset-cookie: b=2\n\n',
    );
    const full = formatDebugResponse(res(long), true);
    assert.ok(
      full.includes(
        `${'z'.repeat(DEBUG_BODY_BYTES)}\n… (${DEBUG_BODY_BYTES + 500} bytes, ${DEBUG_BODY_BYTES} shown)`,
      ),
    );
    assert.ok(!full.includes('z'.repeat(DEBUG_BODY_BYTES + 1)));
    assert.match(
      formatDebugResponse(
        {
          ...res(Buffer.alloc(0)),
          status: 0,
          error: { class: 'timeout', message: 'timed out' },
        } as HttpResponse,
        false,
      ),
      /no response: timed out/,
    );
  });
});
