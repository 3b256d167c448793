/**
 * WebSocket against real servers on 127.0.0.1: what volley reports equals what the demo target
 * saw, an open-loop rate holds, a stall shows in iteration_latency while ws_rtt hides it, and
 * failures are classified (refused, handshake status, closed with code N, timeout, TLS).
 */
import assert from 'node:assert/strict';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { WebSocketServer } from 'ws';
import type { ScenarioConfig } from '../../src/config/types.js';
import { localTestRun } from '../../src/generators/local-run.js';
import { prepareTest } from '../../src/loader/prepare.js';
import { statistic } from '../../src/metrics/state.js';
import { startTarget, type RunningTarget } from '../../src/target/index.js';
import { startChildServer } from '../helpers/child-server.js';
import { TEST_TLS_CERT, TEST_TLS_KEY } from '../helpers/http-tls-fixture.js';
import { runTest, testConfig, total } from '../helpers/run-test.js';

const wsOf = (t: RunningTarget): string => t.url.replace(/^http/, 'ws');

/** A quick-mode run of `url` (each iteration: send `body`, await the reply) with a timeout. */
async function quickRun(
  url: string,
  scenario: ScenarioConfig,
  opts: { timeoutMs?: number; body?: string } = {},
) {
  const config = testConfig({ url, scenarios: { s: scenario }, workers: 1 });
  config.request = { ...config.request!, body: opts.body ?? 'hi', timeoutMs: opts.timeoutMs ?? 10_000 };
  return localTestRun(prepareTest(config), []).run();
}

describe('WebSocket: counts, rate and latency', () => {
  let target: RunningTarget;
  before(async () => {
    target = await startTarget({ port: 0, host: '127.0.0.1' });
  });
  after(() => target.close());

  it('messages and sessions volley reports equal what the target saw (closed loop, reconnecting)', async () => {
    target.resetStats();
    const config = testConfig({
      url: `${wsOf(target)}/ws/echo`,
      scenarios: { s: { executor: 'shared-iterations', vus: 4, iterations: 500 } },
    });
    config.request = { ...config.request!, body: 'ping' };
    config.ws = { messagesPerSession: 25 };
    const result = await localTestRun(prepareTest(config), []).run();
    const seen = target.stats().ws;
    assert.equal(total(result, 'ws_msgs_sent'), 500);
    assert.equal(seen.messagesReceived, 500);
    assert.equal(total(result, 'ws_msgs_received'), seen.messagesSent);
    assert.equal(total(result, 'ws_sessions'), seen.sessions);
    // 500 messages, 25 per session: at least 20 sessions (a VU's last may hold fewer).
    assert.ok(seen.sessions >= 20 && seen.sessions <= 24, `sessions ${seen.sessions}`);
    assert.equal(total(result, 'ws_rtt'), 500);
    assert.equal(total(result, 'ws_session_failed', { error: 'closed' }), 0);
  });

  it('an open-loop rate holds within 1%, every arrival one message', async () => {
    target.resetStats();
    const { result } = await runTest({
      url: `${wsOf(target)}/ws/echo`,
      scenarios: {
        s: { executor: 'constant-arrival-rate', rate: 300, duration: '2s', preAllocatedVUs: 5, maxVUs: 20 },
      },
      workers: 2,
    });
    const sent = total(result, 'ws_msgs_sent');
    assert.ok(Math.abs(sent - 600) <= 6, `sent ${sent} of 600`);
    assert.equal(target.stats().ws.messagesReceived, sent);
    assert.equal(total(result, 'dropped_iterations'), 0);
  });

  it("the target's latency and error knobs apply per message: replies delayed, sessions closed with 1011", async () => {
    const slow = await startTarget({
      port: 0,
      host: '127.0.0.1',
      latency: '20-30ms',
      errorRate: 0.1,
      seed: 7,
    });
    try {
      const result = await quickRun(`${wsOf(slow)}/ws/echo`, {
        executor: 'shared-iterations',
        vus: 5,
        iterations: 200,
      });
      const seen = slow.stats().ws;
      assert.ok(seen.injectedErrors > 5, `injected ${seen.injectedErrors}`);
      assert.equal(
        total(result, 'ws_session_failed', { error: 'closed', close_code: '1011' }),
        seen.injectedErrors,
      );
      assert.equal(total(result, 'ws_rtt'), seen.messagesSent);
      assert.equal(total(result, 'ws_msgs_sent'), 200);
      assert.equal(total(result, 'ws_sessions'), seen.sessions);
      const p50 = statistic(result.aggregator.total('ws_rtt')!, 'med', 1) as number;
      assert.ok(p50 >= 20 && p50 < 60, `ws_rtt median ${p50} ms with 20-30 ms latency`);
    } finally {
      await slow.close();
    }
  });

  it('a 1 s stall shows in iteration_latency while ws_rtt hides it', async () => {
    const script = fileURLToPath(new URL('../fixtures/ws-stall-server.js', import.meta.url));
    const server = await startChildServer(script, ['1000', '1000']);
    try {
      const { result } = await runTest({
        url: `${server.url}/`,
        scenarios: {
          s: { executor: 'constant-arrival-rate', rate: 200, duration: '3s', preAllocatedVUs: 3, maxVUs: 3 },
        },
        workers: 1,
      });
      assert.ok(total(result, 'ws_msgs_sent') >= 590, `sent ${total(result, 'ws_msgs_sent')}`);
      const corrected = statistic(result.aggregator.total('iteration_latency')!, 'p(99)', 1) as number;
      const rtt = statistic(result.aggregator.total('ws_rtt')!, 'p(99)', 1) as number;
      // Arrivals during the 1 s stall (1/3 of 3 s) wait U(0, 1 s): p99 ≈ 970 ms.
      assert.ok(corrected >= 0.7 * 970, `iteration_latency p99 ${corrected} ms`);
      assert.ok(corrected <= 1300, `iteration_latency p99 ${corrected} ms`);
      assert.ok(rtt < corrected / 2, `ws_rtt p99 ${rtt} ms should hide the stall (corrected ${corrected})`);
    } finally {
      await server.stop();
    }
  });
});

describe('WebSocket: failures are classified', () => {
  let target: RunningTarget;
  let silent: WebSocketServer;
  let tls: HttpsServer;
  before(async () => {
    target = await startTarget({ port: 0, host: '127.0.0.1' });
    silent = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((r) => silent.once('listening', r));
    tls = createHttpsServer({ cert: TEST_TLS_CERT, key: TEST_TLS_KEY });
    new WebSocketServer({ server: tls }).on('connection', (ws) => ws.on('message', (d) => ws.send(d)));
    await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
  });
  after(async () => {
    await target.close();
    for (const c of silent.clients) c.terminate();
    silent.close();
    tls.closeAllConnections();
    tls.close();
  });

  const once: ScenarioConfig = { executor: 'shared-iterations', vus: 1, iterations: 3 };

  it('refused', async () => {
    const probe = createNetServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const result = await quickRun(`ws://127.0.0.1:${port}/`, once);
    assert.equal(total(result, 'ws_sessions', { error: 'refused' }), 3);
    assert.equal(statistic(result.aggregator.total('ws_session_failed')!, 'rate', 1), 1);
  });

  it('handshake answered with another status (404 on an unknown path)', async () => {
    const result = await quickRun(`${wsOf(target)}/nope`, once);
    assert.equal(total(result, 'ws_sessions', { error: 'handshake', status: '404' }), 3);
    assert.equal(target.stats().ws.rejected, 3);
  });

  it('closed with code N', async () => {
    const result = await quickRun(`${wsOf(target)}/ws/echo?close=4001`, once);
    assert.equal(total(result, 'ws_session_failed', { error: 'closed', close_code: '4001' }), 3);
    assert.equal(total(result, 'ws_sessions'), 3);
  });

  it('timeout waiting for a reply', async () => {
    const port = (silent.address() as AddressInfo).port;
    const result = await quickRun(`ws://127.0.0.1:${port}/`, once, { timeoutMs: 200 });
    assert.equal(total(result, 'ws_session_failed', { error: 'timeout' }), 3);
    assert.equal(total(result, 'ws_rtt'), 0);
  });

  it('TLS: an untrusted certificate fails; --insecure gets through', async () => {
    const url = `wss://127.0.0.1:${(tls.address() as AddressInfo).port}/`;
    const failed = await quickRun(url, once);
    assert.equal(total(failed, 'ws_sessions', { error: 'tls' }), 3);
    const config = testConfig({ url, scenarios: { s: once }, workers: 1 });
    config.http.insecureSkipTLSVerify = true;
    config.request = { ...config.request!, body: 'secure' };
    const ok = await localTestRun(prepareTest(config), []).run();
    assert.equal(total(ok, 'ws_rtt'), 3);
    assert.equal(statistic(ok.aggregator.total('ws_session_failed')!, 'rate', 1), 0);
  });
});
