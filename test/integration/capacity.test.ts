/**
 * The capacity plan against a server of known capacity, and the resource monitor declared in a test
 * file: real servers on 127.0.0.1, a real child process watched through /proc.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { startTokenBucketServer, type CapacityServer } from '../helpers/capacity-servers.js';
import { startChildServer } from '../helpers/child-server.js';
import { runTest as runEngine, testConfig, IN_PROCESS_LOAD } from '../helpers/run-test.js';
import { buildSummary } from '../../src/summary/summary.js';
import { loadTest } from '../../src/loader/load-test.js';
import { runTest } from '../../src/session/run-test.js';
import { VolleyError } from '../../src/errors.js';

const CAPACITY = 200;

describe('capacity plan: a ramping-arrival-rate run against a token bucket of known capacity', () => {
  let server: CapacityServer;
  before(async () => {
    server = await startTokenBucketServer(CAPACITY);
  });
  after(() => server.close());

  it('recommends within 15% of 70% of the capacity (30% headroom)', async () => {
    // Steps of 2 s (a jump, then a plateau) at 100 … 260/s; above 200/s the server answers 429.
    const levels = [100, 140, 160, 180, 200, 220, 260];
    const stages = levels.flatMap((l) => [
      { duration: '0s', target: l },
      { duration: '2s', target: l },
    ]);
    const o = {
      url: server.url,
      workers: 1,
      scenarios: {
        ramp: {
          executor: 'ramping-arrival-rate',
          startRate: 100,
          timeUnit: '1s',
          preAllocatedVUs: 20,
          maxVUs: 100,
          stages,
        },
      },
      thresholds: { http_req_failed: ['rate<0.01'] },
    };
    const { result } = await runEngine(o);
    const summary = buildSummary(result, testConfig(o));
    const [plan] = summary.capacityPlan ?? [];
    assert.ok(plan, 'a capacity plan for the ramping scenario');
    assert.equal(plan.unit, 'arrivals/s');
    assert.equal(plan.rows.length, levels.length, JSON.stringify(plan.rows));
    assert.deepEqual(
      plan.rows.map((r) => r.load),
      levels,
    );
    // The stages above the capacity broke the SLO (refused requests).
    assert.equal(plan.rows.at(-1)?.passed, false);
    const target = 0.7 * CAPACITY;
    const rec = plan.recommended;
    assert.ok(rec !== null, plan.detail);
    assert.ok(
      Math.abs(rec - target) <= 0.15 * target,
      `recommended ${rec}/s, want ${target}/s ±15%: ${plan.detail}`,
    );
    // Rows carry what was measured: throughput near the load below the capacity.
    const first = plan.rows[0];
    assert.ok(first && Math.abs(first.throughputRps - 100) <= 15, JSON.stringify(first));
    console.log(`capacity ${CAPACITY}/s: ${plan.detail}`);
  });
});

describe('monitor declared in a test file', () => {
  let target: Awaited<ReturnType<typeof startChildServer>>;
  let dir: string;
  before(async () => {
    target = await startChildServer(fileURLToPath(new URL('../fixtures/stall-server.js', import.meta.url)), [
      '0',
      '3600000',
    ]);
    dir = mkdtempSync(join(tmpdir(), 'volley-monitor-'));
  });
  after(async () => {
    await target.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const yaml = (memoryLimit: string): string =>
    [
      `baseUrl: ${target.url}`,
      'monitor:',
      `  pids: [${target.child.pid}]`,
      `  memoryLimit: ${memoryLimit}`,
      'scenarios:',
      '  load:',
      '    executor: constant-arrival-rate',
      '    rate: 200',
      '    duration: 3s',
      '    preAllocatedVUs: 10',
      '    flow:',
      '      - get: /',
      'thresholds:',
      "  target_memory_percent: ['max<75']",
      "  target_open_fds: ['max>0']",
      '',
    ].join('\n');

  async function run(memoryLimit: string) {
    const file = join(dir, `monitor-${memoryLimit}.yaml`);
    writeFileSync(file, yaml(memoryLimit));
    const loaded = await loadTest(file, { ...IN_PROCESS_LOAD, workers: 1 });
    try {
      const lines: string[] = [];
      const io = { stdout: (s: string) => void lines.push(s), stderr: (s: string) => void lines.push(s) };
      return await runTest({ test: loaded.prepared, config: loaded.config, script: loaded }, { io });
    } finally {
      loaded.dispose();
    }
  }

  it("records the target's CPU, fds and sockets; memory under 75% of 2GB passes", async () => {
    const { summary, exitCode } = await run('2GB');
    const m = summary.metrics;
    assert.ok((m.target_cpu_percent?.values.count ?? 0) >= 2, JSON.stringify(m.target_cpu_percent));
    assert.ok((m.target_cpu_percent?.values.max ?? 0) > 0, 'the target used CPU serving 200 req/s');
    assert.ok((m.target_open_fds?.values.max ?? 0) > 0);
    assert.ok((m.target_sockets?.values.max ?? 0) >= 2, 'a listener and at least one connection');
    const pct = m.target_memory_percent?.values.max ?? NaN;
    assert.ok(pct > 0 && pct < 10, `RSS of a small node server over 2GB: ${pct}%`);
    assert.equal(summary.thresholds.ok, true, JSON.stringify(summary.thresholds.results));
    assert.equal(exitCode, 0);
    console.log(
      `target: cpu max ${m.target_cpu_percent?.values.max}%, fds max ${m.target_open_fds?.values.max}, sockets max ${m.target_sockets?.values.max}, memory ${pct}% of 2GB`,
    );
  });

  it('memory over 75% of a 20MB limit fails the threshold (exit 99)', async () => {
    const { summary, exitCode } = await run('20MB');
    const t = summary.thresholds.results.find((r) => r.metric === 'target_memory_percent');
    assert.equal(t?.ok, false, JSON.stringify(t));
    assert.ok((t?.actual ?? 0) > 75);
    assert.equal(exitCode, 99);
  });

  it('a monitor naming no running process is refused before any request', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, yaml('1GB').replace(/pids: \[\d+\]/, 'processName: no-such-process-volley'));
    const loaded = await loadTest(file, { ...IN_PROCESS_LOAD, workers: 1 });
    try {
      const io = { stdout: () => {}, stderr: () => {} };
      await assert.rejects(
        runTest({ test: loaded.prepared, config: loaded.config, script: loaded }, { io }),
        (err: unknown) => err instanceof VolleyError && /no process of that name/.test(err.message),
      );
    } finally {
      loaded.dispose();
    }
  });
});
