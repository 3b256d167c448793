/**
 * The HTTP features k6 users reach for, against the demo target: expected statuses (a 404 for a
 * missing task is an answer, not a failure), separate SLOs per status class, a parallel batch,
 * compressed responses asked for with a header, and a multipart upload.
 *
 *   volley target &
 *   volley run examples/http-features.ts
 *
 * Add `tls: { ca, cert, key }` to `http` for a server that wants a client certificate, and
 * `proxy: 'http://127.0.0.1:3128'` to go through a forward proxy (docs/scripting.md).
 */
import { check, defineTest } from 'volley';

export default defineTest({
  baseUrl: process.env.BASE_URL ?? 'http://127.0.0.1:8117',
  http: {
    // A lookup of a task that does not exist answers 404: expected here.
    expectedStatuses: [{ min: 200, max: 399 }, 404],
    batchPerHost: 4,
  },
  thresholds: {
    // Separate SLOs per status class (seed 004): server errors are rarer than client errors.
    'http_req_failed{status:5xx}': ['rate<0.001'],
    'http_req_failed{status:4xx}': ['rate<0.01'],
    http_req_duration: ['p(95)<200'],
  },
  scenarios: {
    browse: {
      executor: 'constant-vus',
      vus: 5,
      duration: process.env.DURATION ?? '20s',
      exec: async ({ http, iteration }) => {
        // A page's parallel requests, as a browser would send them: responses in order.
        const [teams, users, missing] = await http.batch([
          '/api/teams',
          ['GET', '/api/users', { headers: { 'accept-encoding': 'gzip, br' } }],
          ['GET', `/api/tasks/missing-${iteration}`, { name: 'GET /api/tasks/:id' }],
        ]);
        check(teams, { 'teams: 200': (r) => r.status === 200 });
        check(users, { 'users: 200': (r) => r.status === 200 });
        check(missing, { 'missing task: 404 is ok': (r) => r.status === 404 && r.ok });

        // A multipart form with a file part (text here; data.file('x.bin') reads one from disk).
        await http.post('/api/tasks', {
          multipart: {
            note: `upload ${iteration}`,
            attachment: http.file('a,b\n1,2\n', 'rows.csv', 'text/csv'),
          },
          // The demo target takes JSON: a 4xx here is expected and says so.
          expectedStatuses: [{ min: 200, max: 499 }],
          name: 'POST /api/tasks (multipart)',
        });
      },
    },
  },
});
