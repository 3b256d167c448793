/**
 * A schedule's validation (every problem at once, the cron parsed by the scheduler's own parser),
 * the Slack message built from a firing, and the schedule store over a real SQLite file.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { RunStore } from '../../src/store/run-store.js';
import { ScheduleStore } from '../../src/store/schedule-store.js';
import { cronProblem, slackMessage } from '../../src/server/scheduler.js';
import { validateSchedule } from '../../src/server/validate.js';
import type { ScheduleWebhookBody } from '../../src/server/wire.js';

describe('schedules: validation', () => {
  it('accepts 5 and 6 fields, refuses malformed crons and crons that never fire', () => {
    assert.equal(cronProblem('0 2 * * *'), undefined);
    assert.equal(cronProblem('*/3 * * * * *'), undefined);
    assert.match(cronProblem('0 2 * *') ?? '', /^cron: '0 2 \* \*' is not a cron expression: .*five or six/);
    assert.match(cronProblem('0 24 * * *') ?? '', /hour: 24/);
    assert.equal(cronProblem('0 0 30 2 *'), "cron: '0 0 30 2 *' never fires");
  });

  it('lists every problem of a body at once, with the run body checked like POST /api/runs', () => {
    const v = validateSchedule({
      cron: 'nope',
      run: { url: 'http://x', rate: -1 },
      baseline: 'last',
      tolerance: '10',
      webhooks: [{ url: 'mailto:a@b', format: 'teams' }],
    });
    assert.equal(v.ok, false);
    const errors = v.ok ? [] : v.errors;
    for (const start of [
      'webhooks.0.url: ',
      'webhooks.0.format: ',
      "cron: 'nope'",
      'run.rate: ',
      "tolerance: '10' is ambiguous",
    ])
      assert.ok(
        errors.some((e) => e.startsWith(start)),
        `${start}\n${errors.join('\n')}`,
      );
    assert.ok(errors.includes("baseline: 'last' is neither 'previous' nor a run id"), errors.join('\n'));
  });

  it('normalises: tolerance as a fraction, webhook format json by default; a patch may be partial', () => {
    const v = validateSchedule({
      cron: ' 0  2 * * * ',
      run: { url: 'http://127.0.0.1:1/', rate: 5 },
      tolerance: '5%',
      webhooks: [{ url: 'https://hooks.example/x' }],
    });
    assert.ok(v.ok);
    assert.equal(v.value.cron, '0 2 * * *');
    assert.equal(v.value.tolerance, 0.05);
    assert.deepEqual(v.value.webhooks, [{ url: 'https://hooks.example/x', format: 'json' }]);
    assert.deepEqual(validateSchedule({ paused: true }, true), { ok: true, value: { paused: true } });
    assert.equal(validateSchedule({}, true).ok, false);
    assert.equal(validateSchedule({ paused: true }).ok, false); // a create needs cron and run
  });
});

describe('schedules: the Slack message', () => {
  it('has text for the notification and blocks with the verdicts, regressions and a link', () => {
    const body: ScheduleWebhookBody = {
      schema: 'volley.schedule-firing/1',
      schedule: { id: 's1', name: 'nightly', cron: '0 2 * * *' },
      firedAt: '2026-12-04T02:00:00.000Z',
      verdict: 'failed',
      runId: 'abcdef0123456789',
      runVerdict: 'failed',
      regressed: false,
      regressions: [],
      baselineRunId: null,
      tolerance: 0.1,
      dashboardUrl: 'http://127.0.0.1:8089/#/runs/abcdef0123456789',
      error: null,
    };
    const m = slackMessage(body);
    assert.equal(m.text, 'volley schedule "nightly" failed its SLOs (run abcdef01)');
    const json = JSON.stringify(m.blocks);
    assert.match(json, /SLO verdict: failed · regression: no/);
    assert.match(json, /"url":"http:\/\/127\.0\.0\.1:8089\/#\/runs\/abcdef0123456789"/);
  });
});

describe('schedules: the store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'volley-schedule-store-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps schedules and firings; "previous" is the last firing with a run; open firings close on start', () => {
    const runs = RunStore.open(join(dir, 'runs.db'));
    try {
      const store = new ScheduleStore(runs.database);
      store.create({
        id: 's1',
        name: 'n',
        cron: '0 2 * * *',
        run: { url: 'http://x', rate: 1 },
        baseline: 'previous',
        tolerance: 0.1,
        webhooks: [],
        paused: false,
      });
      const f1 = store.startFiring('s1', 1000);
      store.endFiring(f1, { outcome: 'passed', runId: 'r1' });
      const f2 = store.startFiring('s1', 2000, 'skipped');
      store.endFiring(f2, { outcome: 'skipped', error: 'busy' });
      const f3 = store.startFiring('s1', 3000);
      assert.equal(store.previousRun('s1', f3), 'r1');
      assert.equal(store.lastFiring('s1')?.outcome, 'running');
      assert.equal(store.closeInterrupted(), 1);
      assert.equal(store.lastFiring('s1')?.outcome, 'error');
      assert.equal(store.update('s1', { paused: true })?.paused, true);
      assert.equal(store.delete('s1'), true);
      assert.deepEqual(store.firings('s1'), []);
    } finally {
      runs.close();
    }
  });
});
