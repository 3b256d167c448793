/**
 * Ramping arrival rate the way issue 11's bug was found: ramps then holds, ramps then steeper
 * ramps, on 1, 2 and 3 workers, against a real counting server. A ramp whose arrival count lands a
 * hair above an integer at the stage boundary (20→400/s over 2 s is 420.00000000000006 in floating
 * point) used to hang the worker that owned the boundary arrival: it was terminated after
 * gracefulStop, its share was lost, and the run passed. Every shape must send exactly its planned
 * arrivals in its planned time. The engine runs in-process (no CLI start-up per case); one case
 * runs the exact command of the report.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { StageConfig } from '../../src/config/types.js';
import { runCli } from '../helpers/cli.js';
import { startCountingServer, type CountingServer } from '../helpers/counting-server.js';
import { runTest, total } from '../helpers/run-test.js';

interface Shape {
  name: string;
  startRate: number;
  stages: StageConfig[];
  planned: number;
  plannedMs: number;
}

const shapes: Shape[] = [
  // (20+400)/2·2 = 420 in the ramp, then 400 in the hold.
  {
    name: 'ramp then hold',
    startRate: 20,
    stages: [
      { duration: '2s', target: 400 },
      { duration: '1s', target: 400 },
    ],
    planned: 820,
    plannedMs: 3000,
  },
  // 420 in the ramp, then (400+600)/2·1 = 500 in the steeper ramp.
  {
    name: 'ramp then steeper ramp',
    startRate: 20,
    stages: [
      { duration: '2s', target: 400 },
      { duration: '1s', target: 600 },
    ],
    planned: 920,
    plannedMs: 3000,
  },
];

/** The bug ran gracefulStop (30 s) past the plan; a healthy run ends with its last arrival. */
const assertPlannedTime = (ms: number, plannedMs: number): void =>
  assert.ok(ms >= plannedMs - 50 && ms <= plannedMs + 1500, `ran ${ms} ms for ${plannedMs} planned`);

describe('ramping arrival rate: server count = reported = planned, in the planned time', () => {
  let server: CountingServer;
  before(async () => {
    server = await startCountingServer();
  });
  after(() => server.close());

  for (const shape of shapes) {
    for (const workers of [1, 2, 3]) {
      it(`${shape.name}, ${workers} worker(s): ${shape.planned} arrivals in ${shape.plannedMs / 1000} s`, async () => {
        const before = server.count();
        const { result } = await runTest({
          url: `${server.url}/ramp`,
          scenarios: {
            s: {
              executor: 'ramping-arrival-rate',
              startRate: shape.startRate,
              stages: shape.stages,
              preAllocatedVUs: 10,
              maxVUs: 200,
              gracefulStop: '30s',
            },
          },
          workers,
        });
        assert.deepEqual(result.workerErrors, []);
        assert.equal(result.plans[0]?.plan.plannedIterations, shape.planned, 'plannedIterations');
        assert.equal(server.count() - before, shape.planned, 'requests the server received');
        assert.equal(total(result, 'http_reqs'), shape.planned, 'reported http_reqs');
        assert.equal(total(result, 'iterations'), shape.planned, 'reported iterations');
        assert.equal(total(result, 'dropped_iterations'), 0, 'dropped_iterations');
        assertPlannedTime(result.durationMs, shape.plannedMs);
      });
    }
  }

  it('the reported command: volley run --rate 20 --stage 2s:400 --stage 1s:400 --workers 2', async () => {
    const before = server.count();
    const r = await runCli(
      [
        'run',
        '--url',
        `${server.url}/cli`,
        '--rate',
        '20',
        '--stage',
        '2s:400',
        '--stage',
        '1s:400',
        '--workers',
        '2',
      ].concat(['--out', 'json=-']),
      { timeoutMs: 90_000 },
    );
    const received = server.count() - before;
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /did not stop in time|terminated|exited with code/);
    const s = JSON.parse(r.stdout) as {
      state: { testRunDurationMs: number };
      config: { plans: { plannedIterations: number }[] };
      metrics: Record<string, { values: { count: number } } | undefined>;
    };
    assert.equal(s.config.plans[0]?.plannedIterations, 820);
    assert.equal(received, 820, 'requests the server received');
    assert.equal(s.metrics.http_reqs?.values.count, 820, 'reported http_reqs');
    assert.equal(s.metrics.dropped_iterations?.values.count ?? 0, 0);
    assertPlannedTime(s.state.testRunDurationMs, 3000);
  });
});
