/**
 * One script, three load profiles: a CI smoke test on every pull request, a soak, and a spike.
 * Pick one with --scenario (all three run when none is named):
 *
 *   volley run examples/profiles.ts --scenario smoke
 *   volley run examples/profiles.ts --scenario spike
 *   volley run examples/profiles.ts --scenario soak -e SOAK=30m
 */
import { check, defineTest, group, presets, type VuContext } from 'volley';

const browse = async ({ http }: VuContext): Promise<void> => {
  await group('catalog', async () => {
    const teams = await http.get('/api/teams');
    check(teams, { 'teams 200': (r) => r.status === 200 });
    const id = 1 + Math.floor(Math.random() * 20);
    const team = await http.get(http.url`/api/teams/${id}`);
    check(team, { 'team 200': (r) => r.status === 200 });
  });
  await group('people', async () => {
    const page = await http.get('/api/users', { query: { page: 1 + Math.floor(Math.random() * 50) } });
    check(page, { 'users page 200': (r) => r.status === 200 });
    const user = await http.get('/api/users/:id', { params: { id: 1 + Math.floor(Math.random() * 1000) } });
    check(user, { 'user 200': (r) => r.status === 200 });
  });
};

export default defineTest({
  baseUrl: process.env.BASE_URL ?? 'http://127.0.0.1:8117',
  scenarios: {
    smoke: { ...presets.smoke({ vus: 2, duration: '10s' }), exec: browse },
    soak: {
      ...presets.soak({ rate: 50, rampUp: '30s', hold: process.env.SOAK ?? '10m', rampDown: '30s' }),
      exec: browse,
    },
    spike: {
      ...presets.spike({
        base: 20,
        peak: 400,
        baseDuration: '20s',
        spikeRampUp: '5s',
        spikeHold: '20s',
        recovery: '20s',
      }),
      exec: browse,
    },
  },
  thresholds: {
    http_req_failed: ['rate<0.01'],
    'http_req_duration{scenario:smoke}': ['p(95)<100'],
    'http_req_duration{scenario:spike}': ['p(99)<500'],
    checks: ['rate>0.99'],
  },
});
