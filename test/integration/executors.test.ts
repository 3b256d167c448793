/**
 * Every executor against a real counting server: the request count volley reports must equal the
 * count the server saw, and iteration numbers and VU shapes must follow the config.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startCountingServer, type CountingServer } from '../helpers/counting-server.js';
import { runTest, total } from '../helpers/run-test.js';

describe('executors: reported count equals server count', () => {
  let server: CountingServer;
  before(async () => {
    server = await startCountingServer({ delayMs: 2 });
  });
  after(() => server.close());

  const cases: [string, Record<string, unknown>, ((n: number) => void) | undefined][] = [
    [
      'constant-vus',
      { executor: 'constant-vus', vus: 4, duration: '1s' },
      (n) => assert.ok(n > 100, `only ${n}`),
    ],
    [
      'ramping-vus',
      {
        executor: 'ramping-vus',
        startVUs: 0,
        stages: [
          { duration: '1s', target: 4 },
          { duration: '500ms', target: 0 },
        ],
      },
      undefined,
    ],
    [
      'per-vu-iterations',
      { executor: 'per-vu-iterations', vus: 3, iterations: 7 },
      (n) => assert.equal(n, 21),
    ],
    [
      'shared-iterations',
      { executor: 'shared-iterations', vus: 4, iterations: 53 },
      (n) => assert.equal(n, 53),
    ],
    [
      'constant-arrival-rate',
      { executor: 'constant-arrival-rate', rate: 100, duration: '1500ms', preAllocatedVUs: 4, maxVUs: 20 },
      (n) => assert.equal(n, 150),
    ],
    [
      'ramping-arrival-rate',
      {
        executor: 'ramping-arrival-rate',
        startRate: 0,
        stages: [
          { duration: '1s', target: 200 },
          { duration: '500ms', target: 200 },
        ],
        preAllocatedVUs: 4,
        maxVUs: 20,
      },
      (n) => assert.ok(Math.abs(n - 200) <= 1, `expected 200±1 arrivals, got ${n}`),
    ],
    [
      'externally-controlled',
      { executor: 'externally-controlled', vus: 2, maxVUs: 4, duration: '1s' },
      (n) => assert.ok(n > 50),
    ],
  ];

  for (const [name, scenario, extra] of cases) {
    it(name, async () => {
      const before = server.count();
      const { result } = await runTest({
        url: `${server.url}/${name}`,
        scenarios: { s: scenario as never },
        workers: 2,
      });
      const seen = server.count() - before;
      const reported = total(result, 'http_reqs');
      assert.equal(reported, seen, `volley reported ${reported}, the server saw ${seen}`);
      assert.equal(total(result, 'iterations'), reported);
      assert.equal(result.workerErrors.length, 0, result.workerErrors.join('\n'));
      extra?.(reported);
    });
  }
});

describe('iteration numbers and VUs', () => {
  let server: CountingServer;
  before(async () => {
    server = await startCountingServer();
  });
  after(() => server.close());

  it('shared-iterations over 2 workers runs each iteration number once', async () => {
    const { result } = await runTest({
      url: `${server.url}/x`,
      scenarios: { s: { executor: 'shared-iterations', vus: 4, iterations: 40 } },
      workers: 2,
    });
    assert.equal(result.generator.workers, 2);
    assert.equal(total(result, 'iterations'), 40);
  });

  it('ramping-vus follows its stages', async () => {
    const { snapshots } = await runTest({
      url: `${server.url}/ramp`,
      scenarios: {
        s: {
          executor: 'ramping-vus',
          startVUs: 0,
          stages: [
            { duration: '2s', target: 6 },
            { duration: '1s', target: 6 },
          ],
          gracefulRampDown: '0s',
        },
      },
      workers: 2,
    });
    const maxVus = snapshots.map((s) => s.metrics.vus_max?.max ?? 0);
    // during the ramp the allocated VUs rise; at the plateau all 6 run
    assert.ok((maxVus[0] ?? 0) <= 4, `second 0 had ${maxVus[0]} VUs`);
    assert.equal(Math.max(...maxVus), 6);
  });

  it('externally-controlled changes VUs live', async () => {
    const { localTestRun } = await import('../../src/generators/local-run.js');
    const { prepareTest } = await import('../../src/loader/prepare.js');
    const { testConfig } = await import('../helpers/run-test.js');
    const vusSeen: number[] = [];
    const run = localTestRun(
      prepareTest(
        testConfig({
          url: `${server.url}/ext`,
          scenarios: { s: { executor: 'externally-controlled', vus: 1, maxVUs: 8, duration: '2500ms' } },
          workers: 2,
        }),
      ),
      [
        {
          onStart: () => void setTimeout(() => run.control('s', { vus: 6 }), 1200),
          onSnapshot: (s) => void vusSeen.push(s.metrics.vus_max?.max ?? 0),
        },
      ],
    );
    // A change the workers would ignore is refused, never reported as applied.
    assert.throws(() => run.control('s', { vus: 2 }), /has not started/);
    const result = await run.run();
    assert.throws(() => run.control('s', { vus: 2 }), /scenario 's' has ended/);
    assert.equal(result.workerErrors.length, 0);
    assert.ok(vusSeen[0] !== undefined && vusSeen[0] <= 2, `start ${vusSeen.join(',')}`);
    assert.equal(Math.max(...vusSeen), 6, `vus per second: ${vusSeen.join(',')}`);
  });
});
