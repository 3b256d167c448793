/**
 * gRPC quick mode through the real CLI against the demo target's task queue: the server's count
 * equals grpc_reqs and an open-loop rate holds within 1%; {{iteration}} keys make 1,000 distinct
 * tasks and a rerun makes none; a 1 s stall shows in iteration_latency while grpc_req_duration
 * hides it; failures are classified (UNAVAILABLE, DEADLINE_EXCEEDED, refused, TLS); bad input
 * exits 2 (or 3 for an unreachable server) with a specific message before any call.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { protoDir } from '../../src/target/grpc/service.js';
import { startTarget, type RunningTarget } from '../../src/target/index.js';
import { CLI, runCli, runForSummary } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'volley-grpc-quick-'));
const PROTO = join(protoDir(), 'taskqueue.proto');
const SUBMIT = 'taskqueue.TaskQueue/SubmitTask';
const KEYED = '{"idempotency_key":"k-{{iteration}}","task_type":"email"}';

interface Summary {
  metrics: Record<string, { values: Record<string, number> }>;
  thresholds: { results: { metric: string; threshold: string; ok: boolean; actual: number | null }[] };
}

function base(target: string): string[] {
  return ['--grpc', target, '--proto', PROTO, '--import-path', protoDir(), '--call', SUBMIT];
}

const run = (args: string[]): ReturnType<typeof runForSummary<Summary>> => runForSummary<Summary>(dir, args);

const count = (s: Summary, m: string): number => s.metrics[m]?.values.count ?? 0;
const actual = (s: Summary, metric: string): number | null | undefined =>
  s.thresholds.results.find((t) => t.metric === metric)?.actual;

/** `volley target` in its own process (its stall blocks only that process); resolves to the gRPC target. */
async function childTarget(args: string[]): Promise<{ grpc: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [CLI, 'target', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const grpc = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /gRPC .* on (\S+)/.exec(out);
      if (m) resolve(m[1] as string);
    });
    child.on('exit', () => reject(new Error(`target exited: ${out}`)));
  });
  return { grpc, child };
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('gRPC quick mode', () => {
  let target: RunningTarget;
  let grpc: string;
  before(async () => {
    target = await startTarget({ port: 0, host: '127.0.0.1', grpcPort: 0 });
    grpc = target.grpcTarget as string;
  });
  after(() => target.close());

  it('open loop at 200/s for 3 s: the server saw what volley reports, within 1% of 600', async () => {
    target.resetStats();
    const r = await run([
      ...base(grpc),
      '--data',
      '{"idempotency_key":"{{uuid}}","task_type":"x"}',
      '--rate',
      '200',
      '--duration',
      '3s',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const seen = target.grpcStats?.().calls.SubmitTask ?? 0;
    assert.equal(count(r.summary, 'grpc_reqs'), seen, 'volley count == server count');
    assert.ok(Math.abs(seen - 600) <= 6, `600 ± 1% calls, got ${seen}`);
    assert.equal(target.grpcStats?.().duplicates, 0, '{{uuid}} keys are all distinct');
  });

  it('1,000 calls keyed by {{iteration}}: 1,000 distinct tasks; the same run again adds none', async () => {
    const before = target.grpcStats?.().tasks ?? 0;
    const args = [
      ...base(grpc),
      '--data',
      KEYED.replace('k-', 'quick-'),
      '--iterations',
      '1000',
      '--vus',
      '20',
    ];
    const first = await run([...args, '--workers', '2']);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(count(first.summary, 'grpc_reqs'), 1000);
    assert.equal(target.grpcStats?.().tasks, before + 1000, 'iteration numbers are unique across workers');
    const again = await run(args);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(target.grpcStats?.().tasks, before + 1000, 'no new task on the rerun');
  });

  it('a 1 s stall shows in iteration_latency while grpc_req_duration hides it', async () => {
    // Half of every 2 s stalled: whatever the CLI's start-up takes, the 4 s run meets stalls.
    const { grpc: stalled, child } = await childTarget(['--stall', '1s/2s']);
    try {
      const r = await run([
        ...base(stalled),
        '--data',
        KEYED.replace('k-', 'stall-'),
        '--rate',
        '300',
        '--duration',
        '4s',
        '--vus',
        '2',
        '--max-vus',
        '2',
        '--threshold',
        'iteration_latency:p(99)<1',
        '--threshold',
        'grpc_req_duration:p(99)<1',
      ]);
      const corrected = actual(r.summary, 'iteration_latency') ?? 0;
      const service = actual(r.summary, 'grpc_req_duration') ?? 0;
      assert.ok(corrected >= 0.7 * 970, `iteration_latency p99 ${corrected} ms`);
      assert.ok(
        service < corrected / 2,
        `service p99 ${service} ms should hide the stall (corrected ${corrected})`,
      );
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('failures are classified: UNAVAILABLE, DEADLINE_EXCEEDED, refused, TLS', async () => {
    const { grpc: failing, child } = await childTarget(['--error-rate', '1']);
    const { grpc: slow, child: slowChild } = await childTarget(['--latency', '300ms']);
    try {
      const u = await run([
        ...base(failing),
        '--data',
        KEYED,
        '--iterations',
        '20',
        '--vus',
        '2',
        '--threshold',
        'grpc_reqs{status:UNAVAILABLE,error:unavailable}:count==20',
      ]);
      assert.equal(u.code, 0, `UNAVAILABLE tagged: ${u.stderr}`);
      const d = await run([
        ...base(slow),
        '--data',
        KEYED,
        '--iterations',
        '6',
        '--vus',
        '2',
        '--timeout',
        '50ms',
        '--threshold',
        'grpc_reqs{status:DEADLINE_EXCEEDED,error:timeout}:count==6',
      ]);
      assert.equal(d.code, 0, `DEADLINE_EXCEEDED tagged: ${d.stderr}`);
    } finally {
      child.kill('SIGTERM');
      slowChild.kill('SIGTERM');
    }
    const closed = `127.0.0.1:${await freePort()}`;
    const refused = await run([
      ...base(closed),
      '--data',
      KEYED,
      '--iterations',
      '5',
      '--vus',
      '1',
      '--no-preflight',
      '--threshold',
      'grpc_reqs{status:UNAVAILABLE,error:refused}:count==5',
    ]);
    assert.equal(refused.code, 0, `refused tagged: ${JSON.stringify(refused.summary.thresholds.results)}`);
    const tls = await run([
      ...base(grpc),
      '--data',
      KEYED,
      '--iterations',
      '5',
      '--vus',
      '1',
      '--tls',
      '--no-preflight',
      '--threshold',
      'grpc_reqs{error:tls}:count==5',
    ]);
    assert.equal(tls.code, 0, `TLS failure tagged: ${JSON.stringify(tls.summary.thresholds.results)}`);
  });

  it('bad input exits 2 (3 when unreachable) with a specific message and sends nothing', async () => {
    target.resetStats();
    const broken = join(dir, 'broken.proto');
    writeFileSync(broken, 'syntax = "proto3"; message {');
    const importsMissing = join(dir, 'imports-missing.proto');
    writeFileSync(
      importsMissing,
      'syntax = "proto3"; package x; import "nowhere/types.proto"; service S { rpc M(A) returns (A); } message A {}',
    );
    const cases: [string[], number, RegExp][] = [
      [
        ['--grpc', grpc, '--proto', join(dir, 'missing.proto'), '--call', SUBMIT],
        2,
        /missing\.proto: no such file/,
      ],
      [['--grpc', grpc, '--proto', broken, '--call', SUBMIT], 2, /cannot load .*broken\.proto/],
      [
        ['--grpc', grpc, '--proto', importsMissing, '--call', 'x.S/M'],
        2,
        /cannot load .*imports-missing\.proto/,
      ],
      [
        [...base(grpc).slice(0, -1), 'taskqueue.Nope/SubmitTask'],
        2,
        /unknown gRPC service 'taskqueue\.Nope'/,
      ],
      [[...base(grpc).slice(0, -1), 'taskqueue.TaskQueue/Nope'], 2, /has no method 'Nope'/],
      [
        [...base(grpc), '--data', '{"idempotency_key": 5}'],
        2,
        /--data does not fit taskqueue\.SubmitTaskRequest: idempotency_key: string expected/,
      ],
      [[...base(grpc), '--data', '{"idem": "x"}'], 2, /idem is not a field of taskqueue\.SubmitTaskRequest/],
      [[...base(grpc), '--data', '{not json'], 2, /--data is not JSON/],
      [[...base(grpc), '--data', '{"idempotency_key": "{{nope}}"}'], 2, /unknown template \{\{nope\}\}/],
      [[...base(grpc), '--ca', join(dir, 'no-ca.pem')], 2, /no-ca\.pem/],
      [
        ['--grpc', grpc, '--call', 'taskqueue.TaskQueue/Nope'],
        2,
        /has no method 'Nope'.*by server reflection/,
      ],
      [
        [...base(`127.0.0.1:${await freePort()}`), '--data', KEYED],
        3,
        /cannot reach 127\.0\.0\.1:\d+: connection refused/,
      ],
      [[...base(grpc), '--data', KEYED, '--tls'], 3, /TLS handshake failed/],
    ];
    for (const [args, code, message] of cases) {
      const r = await runCli(['run', ...args, '--iterations', '3', '-q'], { timeoutMs: 30_000 });
      assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(' '));
    }
    assert.equal(target.grpcStats?.().calls.SubmitTask, undefined, 'no call reached the server');
  });

  it('without --proto, reflection finds the method and the calls go through', async () => {
    target.resetStats();
    const r = await run([
      '--grpc',
      grpc,
      '--call',
      SUBMIT,
      '--data',
      '{"idempotency_key":"{{uuid}}"}',
      '--iterations',
      '50',
      '--vus',
      '5',
      '--grpc-channel',
      'worker',
      '--metadata',
      'x-team: volley',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(target.grpcStats?.().calls.SubmitTask, 50);
    assert.equal(count(r.summary, 'grpc_reqs'), 50);
  });
});
