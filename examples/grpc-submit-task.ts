/**
 * Seed 000's load test of a gRPC task queue: SubmitTask at a target arrival rate ramping from
 * 50 to 500 tasks/s (open loop, like the seed's token bucket), every call with its own
 * idempotency key, judged against the SLO table (p50 < 20 ms, p95 < 50 ms, p99 < 100 ms, error
 * rate < 0.1%) — as thresholds, so the run exits 99 when the SLO is missed.
 *
 *   volley target &                                   # gRPC task queue on 127.0.0.1:8118
 *   volley run examples/grpc-submit-task.ts           # 2 min ramp + 1 min at 500/s
 *   volley run examples/grpc-submit-task.ts -e RAMP=10s -e HOLD=10s
 *   volley run examples/grpc-submit-task.ts -e GRPC=staging.internal:443 -e TLS=1
 *
 * Run from the repository root (the .proto files are read from ./proto unless PROTO_DIR says).
 */
import { defineTest } from 'volley';

const METHOD = 'taskqueue.TaskQueue/SubmitTask';
const PROTO_DIR = process.env.PROTO_DIR ?? 'proto';

export default defineTest<{ run: string }>({
  // A prefix per run, made once: keys stay unique when the same test runs again.
  setup: () => ({ run: Date.now().toString(36) }),
  scenarios: {
    submit: {
      executor: 'ramping-arrival-rate',
      startRate: 50,
      timeUnit: '1s',
      stages: [
        { duration: process.env.RAMP ?? '2m', target: 500 },
        { duration: process.env.HOLD ?? '1m', target: 500 },
      ],
      preAllocatedVUs: 50,
      maxVUs: 500,
      exec: async ({ grpc, iteration, data, check }) => {
        await grpc.connect(process.env.GRPC ?? '127.0.0.1:8118', {
          protoFiles: [`${PROTO_DIR}/taskqueue.proto`],
          importPaths: [PROTO_DIR],
          deadlineMs: 2000,
          ...(process.env.TLS ? { tls: {} } : {}),
        });
        const r = await grpc.invoke<{ task_id: string; duplicate: boolean }>(METHOD, {
          idempotency_key: `load-${data.run}-${iteration}`,
          task_type: 'noop',
        });
        check(r, {
          'SubmitTask: OK': (x) => x.status === 'OK',
          'SubmitTask: a new task': (x) => x.message?.duplicate === false,
        });
      },
    },
  },
  thresholds: {
    // The seed's SLO table.
    [`grpc_req_duration{method:${METHOD}}`]: ['p(50)<20', 'p(95)<50', 'p(99)<100'],
    grpc_req_failed: ['rate<0.001'],
    // The same p99 as the callers waited (open loop, from each arrival's intended start).
    iteration_latency: ['p(99)<100'],
    dropped_iterations: ['count<1'],
  },
});
