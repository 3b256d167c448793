/**
 * Task submission at a fixed arrival rate (open loop), every request with its own idempotency key
 * — 500 tasks per second for a minute, as a queue's producers would send them.
 *
 *   volley target &
 *   volley run examples/tasks.ts                 # RATE=500 by default
 *   volley run examples/tasks.ts -e RATE=200 -e DURATION=20s
 */
import { check, defineTest, Trend } from 'volley';

const queued = new Trend('task_queue_ms', true);

export default defineTest({
  baseUrl: process.env.BASE_URL ?? 'http://127.0.0.1:8117',
  scenarios: {
    submit: {
      executor: 'constant-arrival-rate',
      rate: Number(process.env.RATE ?? 500),
      duration: process.env.DURATION ?? '1m',
      preAllocatedVUs: 50,
      maxVUs: 400,
      exec: async ({ http, iteration }) => {
        const res = await http.post('/api/tasks', {
          json: { idempotencyKey: `load-${iteration}`, taskType: 'noop' },
        });
        check(res, {
          'task: created (201)': (r) => r.status === 201,
          'task: not a replay': (r) => r.header('idempotent-replay') === undefined,
        });
        if (res.status === 201) queued.add(res.timings.waiting);
      },
    },
  },
  thresholds: {
    'http_req_duration{name:POST /api/tasks}': ['p(50)<20', 'p(95)<50', 'p(99)<100'],
    http_req_failed: ['rate<0.001'],
    dropped_iterations: ['count<1'],
  },
});
