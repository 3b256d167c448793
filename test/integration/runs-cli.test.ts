/** The run history from the terminal: `volley run` records, `volley runs` lists, shows, deletes and prunes. */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunListItem } from '../../src/store/types.js';
import { runCli } from '../helpers/cli.js';
import { startCountingServer, type CountingServer } from '../helpers/counting-server.js';

const dir = mkdtempSync(join(tmpdir(), 'volley-runs-'));
const db = join(dir, 'history.db');

async function list(): Promise<RunListItem[]> {
  const r = await runCli(['runs', '--db', db, '--json', '--limit', '100']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as RunListItem[];
}

describe('volley runs', () => {
  let target: CountingServer;
  before(async () => {
    target = await startCountingServer();
  });
  after(() => target.close());

  it('records a terminal run with what the target counted; --no-store records nothing', async () => {
    const r = await runCli(['run', '--url', `${target.url}/a`, '--rate', '100', '-d', '2s', '--db', db]);
    assert.equal(r.code, 0, r.stderr);
    // The hint is a command that works here: `volley` only when it is on PATH (see self-command.ts).
    assert.match(
      r.stderr,
      /run [0-9a-f]{8} stored in .*history\.db \((?:volley|node \S+\/dist\/src\/cli\/main\.js) runs show [0-9a-f]{8}\)/,
    );
    const runs = await list();
    assert.equal(runs.length, 1);
    const run = runs[0] as RunListItem;
    assert.equal(run.source, 'cli');
    assert.equal(run.status, 'finished');
    assert.equal(run.verdict, 'passed');
    assert.equal(run.requests, target.count());
    assert.equal(run.requests, 200);
    assert.ok(run.p99Ms !== null && run.p99Ms > 0);

    const skipped = await runCli([
      'run',
      '--url',
      `${target.url}/b`,
      '--rate',
      '50',
      '-d',
      '1s',
      '--db',
      db,
      '--no-store',
    ]);
    assert.equal(skipped.code, 0, skipped.stderr);
    assert.doesNotMatch(skipped.stderr, /stored in/);
    assert.equal((await list()).length, 1);
  });

  it('VOLLEY_DB picks the store when --db is not given', async () => {
    const other = join(dir, 'env.db');
    const r = await runCli(['run', '--url', `${target.url}/env`, '--rate', '20', '-d', '1s', '-q'], {
      env: { VOLLEY_DB: other },
    });
    assert.equal(r.code, 0, r.stderr);
    const l = await runCli(['runs', '--json'], { env: { VOLLEY_DB: other } });
    assert.equal((JSON.parse(l.stdout) as RunListItem[]).length, 1);
  });

  it('lists as a table and shows a run by prefix, with percentiles recomputed from the stored histogram', async () => {
    const table = await runCli(['runs', '--db', db]);
    assert.equal(table.code, 0);
    assert.match(table.stdout, /^ID\s+CREATED \(UTC\)\s+STATUS\s+VERDICT/);
    assert.match(table.stdout, /finished\s+passed\s+cli\s+\d+\.\d\s/);
    const id = ((await list())[0] as RunListItem).id;
    const show = await runCli(['runs', 'show', id.slice(0, 8), '--db', db, '-p', '99.9', '-p', '50']);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, new RegExp(`run ${id}\\s+finished \\(passed\\)\\s+source cli`));
    assert.match(show.stdout, /http_req_duration recomputed from the stored histogram \(200 samples\)/);
    assert.match(show.stdout, /p\(99\.9\) = [\d.]+(µs|ms)/);
    const json = await runCli(['runs', 'show', id, '--db', db, '--json', '-p', '90']);
    const doc = JSON.parse(json.stdout) as {
      summary: { runId: string };
      percentiles: Record<string, Record<string, number>>;
    };
    assert.equal(doc.summary.runId, id);
    assert.equal(doc.percentiles.http_req_duration?.count, 200);
  });

  it('bad input: unknown id, bad percentile, bad --older-than, an unusable --db — exit 2, nothing sent', async () => {
    const unknown = await runCli(['runs', 'show', 'ffffffff', '--db', db]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no run 'ffffffff' in .*history\.db/);
    const pct = await runCli(['runs', 'show', 'ffffffff', '--db', db, '-p', '120']);
    assert.equal(pct.code, 2);
    assert.match(pct.stderr, /--percentile must be a number in \(0, 100\]/);
    const prune = await runCli(['runs', 'prune', '--older-than', 'ages', '--db', db]);
    assert.equal(prune.code, 2);
    assert.match(prune.stderr, /--older-than: malformed duration 'ages'/);
    const before = target.count();
    const bad = await runCli([
      'run',
      '--url',
      `${target.url}/x`,
      '--rate',
      '10',
      '-d',
      '1s',
      '--db',
      '/proc/volley/runs.db',
    ]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /cannot open the run store \/proc\/volley\/runs\.db/);
    assert.match(bad.stderr, /--no-store/);
    assert.equal(target.count(), before);
  });

  it('deletes by prefix and prunes ended runs older than a duration', async () => {
    await runCli(['run', '--url', `${target.url}/c`, '--rate', '20', '-d', '1s', '-q', '--db', db]);
    const runs = await list();
    assert.equal(runs.length, 2);
    const del = await runCli(['runs', 'delete', (runs[1] as RunListItem).id.slice(0, 8), '--db', db]);
    assert.equal(del.code, 0, del.stderr);
    assert.equal((await list()).length, 1);
    const keep = await runCli(['runs', 'prune', '--older-than', '1d', '--db', db]);
    assert.match(keep.stdout, /pruned 0 run\(s\)/);
    await new Promise((r) => setTimeout(r, 20));
    const prune = await runCli(['runs', 'prune', '--older-than', '10ms', '--db', db]);
    assert.equal(prune.code, 0);
    assert.match(prune.stdout, /pruned 1 run\(s\) created more than 10ms ago/);
    const empty = await runCli(['runs', '--db', db]);
    assert.match(empty.stdout, /no runs in .*history\.db yet/);
  });
});
