/**
 * Section 9: gRPC unary calls per second on one core — volley's quick mode (`--grpc`, 50 VUs,
 * one channel each) against a plain @grpc/grpc-js client loop (bench/grpc-client-loop.js, 50
 * loops, one channel each), same target (the demo target's task queue, pinned to the target
 * core), same run, interleaved; and what volley's recording costs per call (µs), measured by
 * recording outcomes into a real sink in this process.
 */
import { readFileSync } from 'node:fs';
import { GrpcRecorder } from '../../src/protocols/grpc/recorder.js';
import type { CallOutcome } from '../../src/protocols/grpc/calls.js';
import { MetricSink } from '../../src/metrics/sink.js';
import { type Ctx, type SectionOutput, limitFor } from '../lib/context.js';
import { cooldown, runGen } from '../lib/gen.js';
import { int, table } from '../lib/format.js';
import { metric, readVolley } from '../lib/parse.js';
import { freePort, log, startProc, stopProc, waitForPort } from '../lib/proc.js';

const VUS = 50;
const SUBMIT = 'taskqueue.TaskQueue/SubmitTask';

/** µs per recorded call: GrpcRecorder.record into a MetricSink, flushed every 10,000 calls. */
function recordingCostUs(n = 2_000_000): number {
  const sink = new MetricSink();
  const rec = new GrpcRecorder(sink, 100);
  const tags = { scenario: 'default' };
  const ok: CallOutcome = {
    status: 'OK',
    code: 0,
    details: '',
    message: {},
    messages: [],
    durationUs: 0,
    msgsSent: 1,
    msgsReceived: 1,
  };
  for (let i = 0; i < 100_000; i++)
    rec.record(tags, 'default', SUBMIT, { ...ok, durationUs: 500 + (i % 5000) }, false);
  sink.flush();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    ok.durationUs = 500 + (i % 5000);
    rec.record(tags, 'default', SUBMIT, ok, false);
    if (i % 10_000 === 9_999) sink.flush();
  }
  return ((performance.now() - t0) * 1000) / n;
}

export async function grpcThroughput(ctx: Ctx): Promise<SectionOutput> {
  const D = ctx.durationS;
  const httpPort = await freePort();
  const grpcPort = await freePort();
  const target = `127.0.0.1:${grpcPort}`;
  const protoDir = `${ctx.root}/proto`;
  const logFile = `${ctx.rawDir}/target-grpc.log`;
  const t = startProc(
    'target grpc',
    'timeout',
    [
      '-k',
      '3',
      '3600',
      'taskset',
      '-c',
      String(ctx.targetCore),
      process.execPath,
      ctx.volleyMain,
      'target',
      '--port',
      String(httpPort),
      '--grpc-port',
      String(grpcPort),
    ],
    { stdout: logFile, stderr: logFile },
  );
  const rows: string[][] = [];
  let volleyRate = 0;
  let plainRate = 0;
  try {
    if (!(await waitForPort(grpcPort, t))) throw new Error(`the gRPC target did not start; see ${logFile}`);
    // Warm the target's JIT with an unrecorded plain run.
    await runGen({
      name: 's9-warmup',
      argv: [process.execPath, `${ctx.benchDir}/grpc-client-loop.js`, target, protoDir, String(VUS), '2'],
      core: ctx.genCore,
      limitS: limitFor(2),
      rawDir: ctx.rawDir,
    });
    for (const which of ['plain', 'volley', 'plain', 'volley'] as const) {
      await cooldown(ctx.cooldownS);
      const round = rows.length < 2 ? 1 : 2;
      if (which === 'plain') {
        const g = await runGen({
          name: `s9-plain-${round}`,
          argv: [
            process.execPath,
            `${ctx.benchDir}/grpc-client-loop.js`,
            target,
            protoDir,
            String(VUS),
            String(D),
          ],
          core: ctx.genCore,
          limitS: limitFor(D),
          rawDir: ctx.rawDir,
        });
        const r = JSON.parse(readFileSync(`${g.base}.out`, 'utf8').trim().split('\n').pop() ?? '{}') as {
          calls?: number;
          failed?: number;
          seconds?: number;
        };
        const rate = (r.calls ?? 0) / (r.seconds ?? D);
        plainRate = Math.max(plainRate, rate);
        rows.push([
          `plain @grpc/grpc-js loop (${round})`,
          int(rate),
          String(r.failed ?? '-'),
          g.genCpu?.toFixed(0) ?? '-',
        ]);
      } else {
        const json = `${ctx.rawDir}/s9-volley-${round}.json`;
        const g = await runGen({
          name: `s9-volley-${round}`,
          argv: [
            process.execPath,
            ctx.volleyMain,
            'run',
            '--grpc',
            target,
            '--proto',
            `${protoDir}/taskqueue.proto`,
            '--import-path',
            protoDir,
            '--call',
            SUBMIT,
            '--data',
            '{"idempotency_key":"{{uuid}}","task_type":"bench"}',
            '--vus',
            String(VUS),
            '--workers',
            '1',
            '--duration',
            `${D}s`,
            '--no-store',
            '-q',
            '--out',
            `json=${json}`,
          ],
          core: ctx.genCore,
          limitS: limitFor(D),
          rawDir: ctx.rawDir,
        });
        const s = readVolley(json);
        const rate = metric(s, 'grpc_reqs', 'rate') ?? 0;
        volleyRate = Math.max(volleyRate, rate);
        rows.push([
          `volley --grpc --vus ${VUS} --workers 1 (${round})`,
          int(rate),
          String(metric(s, 'grpc_req_failed', 'passes') ?? 0),
          g.genCpu?.toFixed(0) ?? '-',
        ]);
      }
    }
  } finally {
    await stopProc(t);
  }
  log('section 9: recording cost');
  const costUs = recordingCostUs();
  const ratio = plainRate > 0 ? volleyRate / plainRate : 0;
  const body = [
    `Target: \`volley target --grpc-port\` (SubmitTask, idempotency store on) pinned to core ${ctx.targetCore}; ` +
      `generators pinned to core ${ctx.genCore}, ${D} s each, alternated twice (best of two counts). ` +
      `Both use ${VUS} concurrent callers with one HTTP/2 channel each and a fresh UUID key per call.`,
    '',
    table(['generator', 'calls/s', 'failed', 'generator CPU %'], rows),
    '',
    `**Ratio**: volley / plain grpc-js loop = **${ratio.toFixed(2)}** (${int(volleyRate)} vs ${int(plainRate)} calls/s). ` +
      `**Recording cost**: **${costUs.toFixed(3)} µs per call** (GrpcRecorder.record into a MetricSink with a flush every 10,000 calls, ` +
      'measured in the bench process, unpinned). The target, on one core with the task store, is likely the limit for both: ' +
      'compare the generator CPU column to see how much core each generator needed.',
  ];
  return { title: '9. gRPC unary calls per core', body: body.join('\n') };
}
