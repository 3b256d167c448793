/** The WebSocket module's parts: error classes, URLs, options, and a session against a real server. */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { WebSocketServer } from 'ws';
import { MetricSink } from '../../src/metrics/sink.js';
import { classifyWsError, WsError, wsClosed } from '../../src/protocols/ws/errors.js';
import { WS_OPTIONS } from '../../src/protocols/ws/options.js';
import { WsRecorder } from '../../src/protocols/ws/recorder.js';
import { wsUrl } from '../../src/protocols/ws/script-api.js';
import { WsSession } from '../../src/protocols/ws/session.js';

describe('ws module parts', () => {
  it('classifies failures like HTTP, plus handshake and closed', () => {
    assert.equal(classifyWsError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })), 'refused');
    assert.equal(classifyWsError(new Error('Opening handshake has timed out')), 'timeout');
    assert.equal(classifyWsError(new Error('Unexpected server response: 403')), 'handshake');
    assert.equal(
      classifyWsError(Object.assign(new Error('x'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' })),
      'tls',
    );
    assert.equal(classifyWsError(wsClosed(4001, 'bye')), 'closed');
    assert.equal(new WsError('h', 'handshake', 403).code, 403);
  });

  it('URLs: http(s) becomes ws(s), relative ones resolve against baseUrl, others are refused', () => {
    assert.equal(wsUrl('/ws/echo', 'http://127.0.0.1:8117').href, 'ws://127.0.0.1:8117/ws/echo');
    assert.equal(wsUrl('https://h/x', undefined).href, 'wss://h/x');
    assert.throws(() => wsUrl('ftp://h/x', undefined), /not a ws:\/\/ or wss:\/\/ URL/);
  });

  it('options: messagesPerSession is a whole number; unknown fields are named', () => {
    assert.deepEqual(WS_OPTIONS.validate({ messagesPerSession: 5 }, 'ws'), []);
    assert.deepEqual(
      WS_OPTIONS.validate({ messagesPerSession: -1, foo: 1 }, 'ws').map((p) => [p.path, p.code]),
      [
        ['ws.messagesPerSession', 'wrong-type'],
        ['ws.foo', 'unknown-field'],
      ],
    );
  });
});

describe('WsSession against a real server', () => {
  let wss: WebSocketServer;
  let url: string;
  before(async () => {
    wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((r) => wss.once('listening', r));
    url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`;
    wss.on('connection', (ws) =>
      ws.on('message', (d, binary) => {
        // "many" answers three messages, then the echo; anything else is echoed.
        if (!binary && d.toString() === 'many') for (const m of ['a', 'b', 'c']) ws.send(m);
        ws.send(d, { binary });
      }),
    );
  });
  after(() => {
    for (const c of wss.clients) c.terminate();
    wss.close();
  });

  const open = async (sink: MetricSink): Promise<WsSession> => {
    const endpoint = new WsRecorder(sink, 10).endpoint({ scenario: 's', name: 'WS /' });
    const s = new WsSession(
      url,
      { timeoutMs: 2000 },
      endpoint,
      () => true,
      () => undefined,
    );
    await s.ready;
    return s;
  };

  it('text and binary echo, waitFor consumes what it skips, ping answers', async () => {
    const sink = new MetricSink();
    const s = await open(sink);
    const bin = await s.roundTrip(new Uint8Array([1, 2, 3]));
    assert.equal(bin.binary, true);
    assert.deepEqual([...(bin.data as Uint8Array)], [1, 2, 3]);
    s.send('many');
    const echo = await s.waitFor((m) => m.data === 'many');
    assert.equal(echo.data, 'many');
    s.send('next');
    assert.equal((await s.receive()).data, 'next', 'a, b, c were consumed by waitFor');
    assert.ok((await s.ping()) >= 0);
    await s.close();
    assert.equal(s.open, false);
    const points = sink.flush();
    const sum = (metric: string): number =>
      points
        .filter((p) => p.metric === metric)
        .reduce((a, p) => a + (p.type === 'counter' ? p.sum : p.count), 0);
    assert.equal(sum('ws_msgs_sent'), 3);
    assert.equal(sum('ws_msgs_received'), 6);
    assert.equal(sum('ws_rtt'), 1);
    assert.equal(sum('ws_sessions'), 1);
    assert.equal(sum('ws_session_failed'), 1);
  });

  it('a receive that times out fails the session with class timeout; later calls reject too', async () => {
    const s = await open(new MetricSink());
    await assert.rejects(s.receive({ timeoutMs: 50 }), (e: unknown) => classifyWsError(e) === 'timeout');
    assert.equal(s.open, false);
    assert.throws(() => s.send('x'), /timed out/);
  });
});
