/**
 * Member journeys against the demo target (`volley target`): each VU logs in once, then browses
 * teams three times as often as it updates its profile, thinking 1–3 s between actions.
 *
 *   volley target &
 *   volley run examples/journeys.ts
 */
import { between, check, defineTest, data } from 'volley';

interface Member {
  token: string;
}

const accounts = data.csv<{ user: string; password: string }>('./data/users.csv');

export default defineTest({
  baseUrl: process.env.BASE_URL ?? 'http://127.0.0.1:8117',
  scenarios: {
    members: {
      executor: 'ramping-vus',
      user: 'member',
      stages: [
        { duration: '5s', target: 20 },
        { duration: '20s', target: 20 },
        { duration: '5s', target: 0 },
      ],
    },
  },
  users: {
    member: {
      wait: between(1, 3),
      onStart: async ({ http, state, vu }) => {
        const account = accounts.perVu({ vu });
        const res = await http.post('/api/login', {
          json: { user: account.user, password: account.password },
        });
        (state as Member).token = res.json<{ token: string }>().token;
      },
      tasks: [
        {
          name: 'browse teams',
          weight: 3,
          run: async ({ http }) => {
            const res = await http.get('/api/teams');
            check(res, {
              'teams: status 200': (r) => r.status === 200,
              'teams: 20 teams': (r) => r.json<{ total: number }>().total === 20,
            });
          },
        },
        {
          name: 'update profile',
          weight: 1,
          run: async ({ http, state, iteration }) => {
            const res = await http.put('/api/users/me', {
              headers: { authorization: `Bearer ${(state as Member).token}` },
              json: { name: `member ${iteration}` },
            });
            check(res, { 'profile: updated': (r) => r.status === 200 });
          },
        },
      ],
    },
  },
  thresholds: {
    http_req_failed: ['rate<0.01'],
    'http_req_duration{name:GET /api/teams}': ['p(99)<100'],
    checks: ['rate>0.99'],
  },
});
