/**
 * WebSocket echo sessions against the demo target: each iteration opens a session, measures ten
 * round trips (ws_rtt), pings, and closes. A second scenario listens on the broadcast endpoint.
 *
 *   volley target &
 *   volley run examples/ws-echo.ts
 *   volley run examples/ws-echo.ts -e BASE_URL=http://127.0.0.1:8117 -e DURATION=30s
 */
import { check, defineTest } from 'volley';

export default defineTest({
  baseUrl: process.env.BASE_URL ?? 'http://127.0.0.1:8117',
  scenarios: {
    echo: {
      executor: 'constant-arrival-rate',
      rate: 20,
      duration: process.env.DURATION ?? '10s',
      preAllocatedVUs: 10,
      maxVUs: 50,
      exec: async ({ ws, vu, iteration }) => {
        // A relative URL resolves against baseUrl, http:// becoming ws://.
        const session = await ws.connect('/ws/echo', { timeoutMs: 5000 });
        for (let i = 0; i < 10; i++) {
          const msg = `vu ${vu} iteration ${iteration} message ${i}`;
          const reply = await session.roundTrip(msg, (m) => m.data === msg);
          check(reply, { 'echo: same text': (r) => r.data === msg });
        }
        await session.ping();
        await session.close();
      },
    },
    broadcast: {
      executor: 'constant-vus',
      vus: 2,
      duration: process.env.DURATION ?? '10s',
      exec: async ({ ws, vu, sleep }) => {
        const session = await ws.connect('/ws/broadcast');
        const mine = `hello from vu ${vu} at ${Date.now()}`;
        session.send(mine);
        // Others' messages may arrive first: wait for our own, consuming the rest.
        const got = await session.waitFor((m) => m.data === mine, { timeoutMs: 5000 });
        check(got, { 'broadcast: own message came back': (m) => m.data === mine });
        await session.close();
        await sleep(1);
      },
    },
  },
  thresholds: {
    ws_session_failed: ['rate<0.01'],
    ws_rtt: ['p(99)<50'],
    'ws_connecting{name:WS /ws/echo}': ['p(95)<100'],
  },
});
