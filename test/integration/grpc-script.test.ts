/**
 * gRPC in scripts, through the real CLI against the demo target's task queue (port 0): unary
 * calls counted by the server equal volley's grpc_reqs; idempotency keys from ctx.iteration make
 * distinct tasks and a repeated run makes none; server streaming and bidi message counts; status
 * tags and error classes (DEADLINE_EXCEEDED, refused) in the summary; a method tag threshold.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTarget, type RunningTarget } from '../../src/target/index.js';
import { protoDir } from '../../src/target/grpc/service.js';
import { runForSummary } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'volley-grpc-'));
let n = 0;
function file(text: string, ext = '.ts'): string {
  const f = join(dir, `t${++n}${ext}`);
  writeFileSync(f, text);
  return f;
}

interface Summary {
  metrics: Record<string, { values: Record<string, number> }>;
  checks: { name: string; passes: number; fails: number }[];
  thresholds: {
    ok: boolean;
    results: { metric: string; threshold: string; ok: boolean; actual: number | null }[];
  };
}

const run = (args: string[]): ReturnType<typeof runForSummary<Summary>> => runForSummary<Summary>(dir, args);

const PROTO = JSON.stringify(join(protoDir(), 'taskqueue.proto'));
const INCLUDE = JSON.stringify(protoDir());
const SUBMIT = 'taskqueue.TaskQueue/SubmitTask';
const value = (s: Summary, key: string, stat = 'count'): number => s.metrics[key]?.values[stat] ?? 0;

describe('gRPC scripts against the demo task queue', () => {
  let target: RunningTarget;
  let grpc: string;
  before(async () => {
    target = await startTarget({ port: 0, host: '127.0.0.1', grpcPort: 0 });
    grpc = target.grpcTarget as string;
  });
  after(() => target.close());

  it('1,000 SubmitTask calls keyed by ctx.iteration: 1,000 distinct tasks, counts equal; a rerun adds none', async () => {
    target.resetStats();
    const tasksBefore = target.grpcStats?.().tasks ?? 0;
    const f = file(`
      import { defineTest } from 'volley';
      export default defineTest({
        scenarios: { main: { executor: 'shared-iterations', vus: 8, iterations: 1000, exec: async ({ grpc, iteration, check }) => {
          await grpc.connect('${grpc}', { protoFiles: [${PROTO}], importPaths: [${INCLUDE}] });
          const r = await grpc.invoke('${SUBMIT}', { idempotency_key: 'idem-' + iteration, task_type: 'email' });
          check(r, { ok: (x) => x.status === 'OK' && typeof x.message.task_id === 'string' });
        } } },
        thresholds: { 'grpc_req_duration{method:${SUBMIT}}': ['p(99)<5000'], 'grpc_req_failed': ['rate==0'] },
      });`);
    const first = await run([f]);
    assert.equal(first.code, 0, first.stderr);
    const seen = target.grpcStats?.();
    assert.equal(seen?.calls.SubmitTask, 1000, 'the server saw 1,000 calls');
    assert.equal(value(first.summary, 'grpc_reqs'), 1000, 'volley reports 1,000 calls');
    assert.equal(seen?.tasks, tasksBefore + 1000, '1,000 distinct tasks');
    assert.equal(seen?.duplicates, 0);
    assert.ok(first.summary.thresholds.results.some((t) => t.metric.includes('method:') && t.ok));
    const second = await run([f]);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(target.grpcStats?.().tasks, tasksBefore + 1000, 'the rerun queued no new task');
    assert.equal(target.grpcStats?.().duplicates, 1000, 'every rerun call was a duplicate');
  });

  it('server streaming and bidi: message counts match what the server sent and received', async () => {
    target.resetStats();
    const f = file(`
      import { defineTest } from 'volley';
      export default defineTest({
        scenarios: { main: { executor: 'shared-iterations', vus: 2, iterations: 10, exec: async ({ grpc, iteration, check }) => {
          await grpc.connect('${grpc}', { protoFiles: [${PROTO}], importPaths: [${INCLUDE}] });
          const w = await grpc.serverStream('taskqueue.TaskQueue/WatchTasks', { backlog: 5 });
          check(w, { 'five backlog tasks': (x) => x.status === 'OK' && x.messages.length === 5 });
          const msgs = [0, 1, 2].map((i) => ({ idempotency_key: 'bidi-' + iteration + '-' + i, task_type: 't' }));
          const b = await grpc.bidi('taskqueue.TaskQueue/SubmitStream', msgs);
          check(b, { 'three answers': (x) => x.status === 'OK' && x.messages.length === 3 });
          const c = await grpc.clientStream('taskqueue.TaskQueue/SubmitBatch', msgs);
          check(c, { 'all duplicates': (x) => x.status === 'OK' && x.message.duplicates === 3 });
        } } },
      });`);
    const r = await run([f]);
    assert.equal(r.code, 0, r.stderr);
    for (const c of r.summary.checks) assert.equal(c.fails, 0, `check ${c.name}`);
    const seen = target.grpcStats?.();
    assert.equal(seen?.calls.WatchTasks, 10);
    assert.equal(seen?.calls.SubmitStream, 10);
    assert.equal(value(r.summary, 'grpc_streams'), 30);
    // 10 watches x 5 + 10 bidi x 3 received, +10 batch responses.
    assert.equal(value(r.summary, 'grpc_stream_msgs_received'), 90);
    assert.equal(value(r.summary, 'grpc_stream_msgs_sent'), 10 + 30 + 30);
  });

  it('YAML grpc: steps submit, capture the task id, get it back, and check the status', async () => {
    target.resetStats();
    const tasksBefore = target.grpcStats?.().tasks ?? 0;
    const f = file(
      `
scenarios:
  main:
    executor: shared-iterations
    vus: 4
    iterations: 40
    flow:
      - grpc:
          target: '${grpc}'
          call: ${SUBMIT}
          protoFiles: [${PROTO}]
          importPaths: [${INCLUDE}]
          data: { idempotency_key: 'yaml-{{ $iteration }}', task_type: yaml }
          metadata: { x-vu: '{{ $vu }}' }
          check: { status: OK }
        capture: { taskId: { json: task_id } }
      - grpc:
          target: '${grpc}'
          call: taskqueue.TaskQueue/GetTask
          data: { task_id: '{{ taskId }}' }
          check: { status: OK }
thresholds:
  'grpc_reqs{method:taskqueue.TaskQueue/GetTask,status:OK}': ['count==40']
`,
      '.yaml',
    );
    const r = await run([f]);
    assert.equal(r.code, 0, r.stderr);
    for (const c of r.summary.checks) assert.equal(c.fails, 0, `check ${c.name}`);
    assert.equal(
      r.summary.checks.reduce((a, c) => a + c.passes, 0),
      80,
    );
    const seen = target.grpcStats?.();
    assert.equal(seen?.calls.SubmitTask, 40);
    assert.equal(seen?.calls.GetTask, 40, 'the second step (by reflection) reached the server');
    assert.equal(seen?.tasks, tasksBefore + 40);
    assert.equal(value(r.summary, 'grpc_reqs'), 80);
  });
});
