/**
 * WebSocket through the real `volley` command: `volley target` prints its ws:// URLs, quick mode
 * refuses bad input before any traffic (exit 2 / 3), and the ws examples (script and YAML) run
 * against the demo target with what it counted matching, and every session closed after the run.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import WebSocket, { WebSocketServer } from 'ws';
import { startTarget, type RunningTarget } from '../../src/target/index.js';
import { runCli, waitFor } from '../helpers/cli.js';

const example = (name: string): string =>
  fileURLToPath(new URL(`../../../examples/${name}`, import.meta.url));

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('volley target: WebSocket endpoints', () => {
  it('prints the ws:// URLs, and /ws/echo echoes', async () => {
    let echoed = '';
    const r = await runCli(['target', '--port', '0'], {
      onSpawn: (c) => {
        let out = '';
        c.stdout?.on('data', (d: Buffer) => {
          out += d.toString();
          const m =
            /websocket: (ws:\/\/127\.0\.0\.1:\d+\/ws\/echo) , ws:\/\/127\.0\.0\.1:\d+\/ws\/broadcast/.exec(
              out,
            );
          if (!m || echoed) return;
          echoed = 'pending';
          const ws = new WebSocket(m[1] as string);
          ws.on('open', () => ws.send('marco'));
          ws.on('message', (data) => {
            echoed = data.toString();
            ws.close();
            c.kill('SIGTERM');
          });
        });
      },
      timeoutMs: 20_000,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(echoed, 'marco');
  });
});

describe('volley run ws://: bad input before any traffic', () => {
  it('a ws:// URL that refuses: exit 3, naming the URL', async () => {
    const port = await freePort();
    const r = await runCli([
      'run',
      '--url',
      `ws://127.0.0.1:${port}/ws/echo`,
      '--body',
      'x',
      '-d',
      '2s',
      '--no-store',
    ]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(`WebSocket ws://127\\.0\\.0\\.1:${port}/ws/echo: cannot reach .*connection refused`),
    );
    assert.doesNotMatch(r.stdout, /ws_sessions/);
  });

  it('invalid flags: exit 2 with the flag named', async () => {
    const bad = await runCli(['run', '--url', 'ws://127.0.0.1:1/ws/echo', '--ws-messages-per-session', '-1']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--ws-messages-per-session must be an integer >= 0 \(got '-1'\)/);
    const notWs = await runCli(['run', '--url', 'http://127.0.0.1:1/', '--ws-messages-per-session', '5']);
    assert.equal(notWs.code, 2);
    assert.match(notWs.stderr, /--ws-messages-per-session applies to ws:\/\/ and wss:\/\/ URLs/);
    const scheme = await runCli(['run', '--url', 'ftp://127.0.0.1/x']);
    assert.equal(scheme.code, 2);
    assert.match(scheme.stderr, /only http:\/\/, https:\/\/, ws:\/\/ and wss:\/\/ are supported/);
  });
});

describe('the ws examples against the demo target', () => {
  let target: RunningTarget;
  before(async () => {
    target = await startTarget({ port: 0, host: '127.0.0.1' });
  });
  after(() => target.close());

  it('quick mode: the messages volley counted are those the target saw', async () => {
    target.resetStats();
    const url = `${target.url.replace('http', 'ws')}/ws/echo`;
    const r = await runCli([
      'run',
      '--url',
      url,
      '--body',
      'hello',
      '--vus',
      '2',
      '--iterations',
      '300',
      '--no-store',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const sent = /ws_msgs_sent\s+([\d,]+)/.exec(r.stdout);
    assert.equal(Number(sent?.[1]?.replace(/,/g, '')), 300, r.stdout);
    assert.equal(target.stats().ws.messagesReceived, 300);
    assert.match(r.stdout, /ws_rtt\s+avg=/);
    await waitFor(() => target.stats().ws.sessionsOpen === 0, 'sessions closed after the run', 5000);
  });

  it('examples/ws-echo.ts passes its thresholds; sessions are closed after the run', async () => {
    target.resetStats();
    const r = await runCli(
      ['run', example('ws-echo.ts'), '-e', `BASE_URL=${target.url}`, '-e', 'DURATION=2s', '--no-store'],
      { timeoutMs: 45_000 },
    );
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /✓ echo: same text\s+100\.00%/);
    assert.match(r.stdout, /✓ ws_session_failed: rate<0\.01/);
    const seen = target.stats().ws;
    const sessions = /ws_sessions\s+([\d,]+)/.exec(r.stdout);
    assert.equal(Number(sessions?.[1]?.replace(/,/g, '')), seen.sessions);
    await waitFor(() => target.stats().ws.sessionsOpen === 0, 'sessions closed after the run', 5000);
  });

  it('examples/ws-echo.yaml: the ws: step runs its round trip and check', async () => {
    target.resetStats();
    const r = await runCli(['run', example('ws-echo.yaml'), '-e', `BASE_URL=${target.url}`, '--no-store'], {
      timeoutMs: 45_000,
    });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /✓ ws reply contains hello \{\{ \$iteration \}\}\s+100\.00%/);
    const msgs = /ws_msgs_sent\s+([\d,]+)/.exec(r.stdout);
    assert.equal(Number(msgs?.[1]?.replace(/,/g, '')), target.stats().ws.messagesReceived);
  });
});

describe('a script VU cut off while it waits on a session', () => {
  let silent: WebSocketServer;
  let open = 0;
  before(async () => {
    // Accepts sessions and never answers: a receive() waits until its 10 s timeout.
    silent = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    silent.on('connection', (ws) => {
      open++;
      ws.on('close', () => open--);
    });
    await new Promise((r) => silent.once('listening', r));
  });
  after(() => silent.close());

  it('the hard stop closes its session and the run ends on time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'volley-ws-'));
    const file = join(dir, 'hang.ts');
    const url = `ws://127.0.0.1:${(silent.address() as AddressInfo).port}/`;
    writeFileSync(
      file,
      `import { defineTest } from 'volley';
export default defineTest({
  scenarios: {
    hang: {
      executor: 'constant-vus', vus: 3, duration: '1s', gracefulStop: '0s',
      exec: async ({ ws }) => {
        const s = await ws.connect(${JSON.stringify(url)});
        await s.receive();
      },
    },
  },
});
`,
    );
    const r = await runCli(['run', file, '--no-store', '--no-preflight'], { timeoutMs: 30_000 });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.ok(r.ms < 9000, `the run took ${r.ms} ms: the receives' 10 s timeout was not cut`);
    assert.match(r.stdout, /ws_sessions\s+3\b/);
    await waitFor(() => open === 0, 'the server saw every session close', 5000);
  });
});
