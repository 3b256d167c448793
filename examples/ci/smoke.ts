/**
 * The pull-request smoke test of examples/ci/perf.yml: a short open-loop run against the service
 * with SLOs as thresholds. A failed threshold exits 99 and fails the job.
 *   volley run examples/ci/smoke.ts -e BASE_URL=http://127.0.0.1:8117
 */
import { check, defineTest } from 'volley';

export default defineTest({
  baseUrl: process.env.BASE_URL ?? 'http://127.0.0.1:8117',
  scenarios: {
    smoke: {
      executor: 'constant-arrival-rate',
      rate: Number(process.env.RATE ?? 50),
      duration: process.env.DURATION ?? '20s',
      preAllocatedVUs: 10,
      maxVUs: 50,
      exec: async ({ http }) => {
        const teams = await http.get('/api/teams');
        check(teams, { 'teams: status 200': (r) => r.status === 200 });
        const user = await http.get('/api/users/:id', { params: { id: 17 } });
        check(user, { 'user: status 200': (r) => r.status === 200 });
      },
    },
  },
  thresholds: {
    http_req_duration: ['p(95)<200', 'p(99)<500'],
    http_req_failed: ['rate<0.01'],
    checks: ['rate>0.99'],
  },
});
