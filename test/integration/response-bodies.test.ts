/**
 * Response bodies are counted, not hoarded: quick mode keeps no body (raw fast path and undici),
 * and a script's body over `maxResponseBytes` is counted and dropped with error `body_too_large`.
 * A real server answers 50 MB bodies and counts every byte it wrote; the peak RSS is the spawned
 * CLI's own VmHWM (before: 40 VUs on 50 MB bodies peaked at 1.1-2.3 GB).
 */
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { DEFAULT_MAX_RESPONSE_BYTES, httpDefaults } from '../../src/script/load.js';

const BIG = 50 * 1024 * 1024;
const MID = 200_000;
const LIMIT_MB = 400;

interface BodyServer {
  url: string;
  /** Every byte written on every connection so far (heads and bodies). */
  bytesWritten(): number;
  requests(): number;
  close(): Promise<void>;
}

async function startBodyServer(): Promise<BodyServer> {
  const big = Buffer.alloc(BIG, 0x61);
  const mid = Buffer.alloc(MID, 0x62);
  const sockets = new Set<Socket>();
  let closedBytes = 0;
  let requests = 0;
  const server: Server = createServer((req, res) => {
    requests++;
    req.resume();
    const body = req.url?.startsWith('/big') ? big : mid;
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
    res.end(body);
  });
  server.keepAliveTimeout = 30_000;
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => {
      closedBytes += s.bytesWritten;
      sockets.delete(s);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bytesWritten: () => closedBytes + [...sockets].reduce((a, s) => a + s.bytesWritten, 0),
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function vmHwmKB(pid: number): number {
  try {
    return Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0; // exited between samples
  }
}

interface Summary {
  metrics: Record<string, { values: Record<string, number> }>;
  errors: Record<string, number>;
  checks: { name: string; passes: number; fails: number }[];
}

/** Runs the CLI, sampling its VmHWM every 50 ms; returns the summary and the peak in MB. */
async function runMeasured(
  args: string[],
  out: string,
): Promise<{ s: Summary; peakMB: number; stderr: string }> {
  let peakKB = 0;
  let sampler: NodeJS.Timeout | undefined;
  const r = await runCli([...args, '--out', `json=${out}`], {
    timeoutMs: 90_000,
    onSpawn: (child) => {
      const pid = child.pid as number;
      sampler = setInterval(() => (peakKB = Math.max(peakKB, vmHwmKB(pid))), 50);
    },
  });
  clearInterval(sampler);
  assert.equal(r.code, 0, r.stderr);
  return { s: JSON.parse(readFileSync(out, 'utf8')) as Summary, peakMB: peakKB / 1024, stderr: r.stderr };
}

/** The server's byte count once the CLI's connections are closed (it closes them before it exits). */
async function settledBytes(srv: BodyServer): Promise<number> {
  let last = -1;
  for (let i = 0; i < 40; i++) {
    const now = srv.bytesWritten();
    if (now === last) return now;
    last = now;
    await new Promise((r) => setTimeout(r, 25));
  }
  return last;
}

describe('response bodies: counted, capped, never hoarded', () => {
  let srv: BodyServer;
  let dir: string;
  before(async () => {
    srv = await startBodyServer();
    dir = mkdtempSync(join(tmpdir(), 'volley-bodies-'));
  });
  after(async () => {
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  });

  // undici at 20 VUs to keep the test short: the old code held 20 x 50 MB there too.
  for (const [label, vus, extra] of [
    ['raw fast path', 40, []],
    ['undici', 20, ['--no-fast-path']],
  ] as const) {
    it(`quick mode (${label}): ${vus} VUs on 50 MB bodies stay under ${LIMIT_MB} MB, every byte counted`, async () => {
      const before = srv.bytesWritten();
      const n = String(vus);
      const { s, peakMB } = await runMeasured(
        ['run', '--url', `${srv.url}/big`, '--vus', n, '--iterations', n, '--timeout', '60s', ...extra],
        join(dir, `quick-${extra.length}.json`),
      );
      const sent = (await settledBytes(srv)) - before;
      assert.equal(s.metrics.http_reqs?.values.count, vus);
      assert.deepEqual(s.errors, {});
      assert.ok(sent >= vus * BIG, `the server sent ${sent} bytes`);
      assert.equal(s.metrics.data_received?.values.count, sent, 'data_received = what the server wrote');
      assert.ok(peakMB > 0 && peakMB < LIMIT_MB, `peak RSS ${peakMB.toFixed(0)} MB`);
    });
  }

  it('a script: maxResponseBytes (test-level, per request) and responseType none', async () => {
    assert.equal(DEFAULT_MAX_RESPONSE_BYTES, 10 * 1024 * 1024);
    assert.equal(httpDefaults({ scenarios: {} }).maxResponseBytes, DEFAULT_MAX_RESPONSE_BYTES);
    const file = join(dir, 'capped.ts');
    writeFileSync(
      file,
      `import { defineTest, check } from 'volley';
      export default defineTest({
        baseUrl: '${srv.url}',
        http: { maxResponseBytes: 100000 },
        scenarios: { main: { executor: 'shared-iterations', vus: 1, iterations: 3, exec: async ({ http }) => {
          const capped = await http.get('/mid', { name: 'capped' });
          check(capped, { 'over the cap: tagged, status kept, body dropped': (r) =>
            r.status === 200 && r.error?.class === 'body_too_large' && r.body.length === 0 && !r.ok });
          const kept = await http.get('/mid', { name: 'kept', maxResponseBytes: 300000 });
          check(kept, { 'under a per-request cap: kept whole': (r) => r.error === undefined && r.body.length === ${MID} });
          const none = await http.get('/mid', { name: 'none', responseType: 'none', maxResponseBytes: 0 });
          check(none, { "responseType 'none': counted, not kept, never too large": (r) => r.error === undefined && r.body.length === 0 });
        } } },
      });
      `,
    );
    const before = srv.bytesWritten();
    const { s } = await runMeasured(['run', file, '--workers', '1', '-q'], join(dir, 'capped.json'));
    const sent = (await settledBytes(srv)) - before;
    assert.deepEqual(s.errors, { body_too_large: 3 });
    assert.equal(s.metrics.http_reqs?.values.count, 9);
    assert.equal(s.metrics.http_req_failed?.values.passes, 3, 'a capped body is a failed request');
    assert.equal(s.metrics.data_received?.values.count, sent, 'dropped bytes are still counted');
    assert.ok(sent > 9 * MID);
    assert.equal(s.checks.length, 3);
    for (const c of s.checks) assert.equal(c.fails, 0, `check '${c.name}' failed ${c.fails} times`);
  });
});
