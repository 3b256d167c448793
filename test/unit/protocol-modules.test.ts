/**
 * The protocol module registry and the HTTP module's contract: metrics registered with the
 * metrics layer, headline metrics, options (defaults, schema, structured problems), per-VU clients
 * made on first use only, quick and script wiring, and declarative step kinds with their schemas.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { BUILTIN_BY_NAME, headlineMetrics, isHeadlineCount } from '../../src/metrics/definitions.js';
import { MetricSink } from '../../src/metrics/sink.js';
import type { ProtocolClient } from '../../src/protocols/module.js';
import {
  PROTOCOL_MODULES,
  protocolForUrl,
  protocolInit,
  preflightTarget,
  protocolModule,
  stepKindOf,
  stepKindSchemas,
} from '../../src/protocols/registry.js';
import { VuClients, WorkerProtocols } from '../../src/protocols/worker-protocols.js';
import { testConfig } from '../helpers/run-test.js';

const http = protocolModule('http');

describe('protocol modules', () => {
  it('the registry registers every module metric and headline with the metrics layer', () => {
    assert.deepEqual(
      PROTOCOL_MODULES.map((m) => m.name),
      ['http', 'grpc', 'ws'],
    );
    for (const m of http.metrics) assert.equal(BUILTIN_BY_NAME.get(m.name), m);
    assert.equal(BUILTIN_BY_NAME.get('http_req_duration')?.type, 'trend');
    assert.deepEqual(headlineMetrics(), [
      { protocol: 'http', count: 'http_reqs', failures: 'http_req_failed', duration: 'http_req_duration' },
      { protocol: 'grpc', count: 'grpc_reqs', failures: 'grpc_req_failed', duration: 'grpc_req_duration' },
      { protocol: 'ws', count: 'ws_sessions', failures: 'ws_session_failed', duration: 'ws_connecting' },
    ]);
    assert.ok(isHeadlineCount('http_reqs'));
    assert.ok(!isHeadlineCount('iterations'));
  });

  it('HTTP options: defaults, schema, and every problem at once with its path and code', () => {
    assert.deepEqual(http.options.defaults, { fastPath: true, insecureSkipTLSVerify: false, http2: false });
    const props = (http.options.schema as { properties: Record<string, unknown> }).properties;
    assert.deepEqual(Object.keys(props).sort(), [
      'expectedStatuses',
      'fastPath',
      'http2',
      'http2Connections',
      'http2Streams',
      'insecureSkipTLSVerify',
      'proxy',
      'tls',
    ]);
    assert.deepEqual(http.options.validate({ http2: true }, 'options.http'), []);
    assert.deepEqual(http.options.validate({ http2: true, http2Connections: 0 }, 'options.http'), [
      { path: 'options.http.http2Connections', message: 'must be an integer >= 1', code: 'out-of-range' },
    ]);
    assert.deepEqual(http.options.validate({ http2: 'yes', http3: true }, 'options.http'), [
      { path: 'options.http.http2', message: 'must be true or false', code: 'wrong-type' },
      {
        path: 'options.http.http3',
        message:
          'is not an HTTP option (fastPath, insecureSkipTLSVerify, http2, expectedStatuses, proxy, http2Connections, http2Streams, tls)',
        code: 'unknown-field',
      },
    ]);
    assert.equal(http.options.validate(7, 'options.http')[0]?.code, 'wrong-type');
    assert.deepEqual(
      http.options
        .validate({ expectedStatuses: [200, { min: 500, max: 400 }], proxy: 'socks5://x:1' }, 'o')
        .map((p) => p.path),
      ['o.expectedStatuses[1]', 'o.proxy'],
    );
  });

  it('protocolInit: each module options from the config, and quick mode names its module', () => {
    const config = testConfig({ url: 'http://127.0.0.1:1/x', scenarios: {} });
    config.http = { ...config.http, http2: true };
    const init = protocolInit(config);
    assert.deepEqual(init.protocols, {
      http: { fastPath: true, insecureSkipTLSVerify: false, http2: true },
      grpc: { channel: 'vu' },
      ws: { insecureSkipTLSVerify: false, messagesPerSession: 0 },
    });
    assert.equal(init.quick?.protocol, 'http');
    assert.deepEqual(init.quick?.request, config.request);
    // A script run has no quick request, whatever else the config holds.
    const script = { ...config, script: {} as NonNullable<typeof config.script> };
    assert.equal(protocolInit(script).quick, undefined);
    // The URL's scheme picks the module: a ws:// URL is the WebSocket module's quick request.
    const ws = testConfig({ url: 'ws://127.0.0.1:1/echo', scenarios: {} });
    assert.equal(protocolInit(ws).quick?.protocol, 'ws');
    assert.equal(protocolForUrl('wss://h/x').name, 'ws');
    assert.equal(protocolForUrl('https://h/x').name, 'http');
  });

  it("a VU's client is made on its first use, once, and closed with the VU's others", () => {
    let made = 0;
    let closed = 0;
    const protocols = new WorkerProtocols(
      { http: http.options.defaults },
      { sink: new MetricSink(), track: (p) => p, maxEndpoints: 10 },
      undefined,
    );
    const real = protocols.createClient.bind(protocols);
    protocols.createClient = (slot: number): ProtocolClient => {
      made++;
      const c = real(slot);
      return { close: () => (closed++, c.close()) };
    };
    const vu = new VuClients(protocols);
    vu.close();
    assert.equal(made, 0, 'a VU that never used HTTP made no client');
    const first = vu.get(0);
    assert.equal(vu.get(0), first);
    assert.equal(made, 1);
    vu.close();
    assert.equal(closed, 1);
  });

  it('script mode: each module gives a per-scenario API factory under its own name', () => {
    const protocols = new WorkerProtocols(
      { http: http.options.defaults },
      { sink: new MetricSink(), track: (p) => p, maxEndpoints: 10 },
      undefined,
    );
    const apis = protocols.scriptApis({ scenario: 's', definition: { baseUrl: 'http://127.0.0.1:1' } });
    assert.deepEqual(
      apis.map((a) => [a.name, a.slot]),
      [
        ['http', 0],
        ['grpc', 1],
        ['ws', 2],
      ],
    );
    let made = 0;
    const client = protocols.createClient(0);
    const api = apis[0]?.make(() => (made++, client), {
      tags: { scenario: 's' },
      key: 's',
      assertRunning: () => {},
    }) as { get: unknown };
    assert.equal(typeof api.get, 'function');
    assert.equal(made, 0, 'making ctx.http asks for no client: the first request does');
    client.close();
  });

  it('preflight goes through the module: a closed port is TARGET_UNREACHABLE, a listening one passes', async () => {
    const config = testConfig({ url: 'http://127.0.0.1:1/', scenarios: {} });
    const server = createServer((_req, res) => res.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      await preflightTarget('http', new URL(`http://127.0.0.1:${port}/`), config);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    await assert.rejects(preflightTarget('http', new URL(`http://127.0.0.1:${port}/`), config), {
      code: 'TARGET_UNREACHABLE',
    });
  });

  it('declarative step kinds come from the modules, each with a schema fragment', () => {
    const kinds = stepKindSchemas();
    assert.deepEqual(
      kinds.map((k) => k.key),
      ['get', 'post', 'put', 'patch', 'delete', 'head', 'options', 'grpc', 'ws'],
    );
    for (const k of kinds) {
      assert.equal(k.protocol, k.key === 'grpc' || k.key === 'ws' ? k.key : 'http');
      assert.equal(k.schema.type, k.key === 'grpc' ? 'object' : 'string');
    }
    assert.equal(stepKindOf({ post: '/x', json: {} })?.key, 'post');
    assert.equal(stepKindOf({ think: '1s' }), undefined);
  });
});
