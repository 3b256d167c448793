/**
 * The resource monitor end to end: the real CLI watching a real process by pid and scraping a
 * real Prometheus endpoint, with thresholds on what it read, and the ways it is misused.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { startCountingServer, type CountingServer } from '../helpers/counting-server.js';
import { closedPort, sleep } from '../helpers/http-servers.js';

const dir = mkdtempSync(join(tmpdir(), 'volley-monitor-'));

interface SummaryJson {
  metrics: Record<string, { type: string; values: Record<string, number> }>;
  thresholds: { ok: boolean };
}
const readSummary = (file: string): SummaryJson => JSON.parse(readFileSync(file, 'utf8')) as SummaryJson;

/** A child that holds ~100 MB and keeps one core about half busy (50 ms of every 100 ms). */
function startBurner(): ChildProcess {
  return spawn(
    process.execPath,
    [
      '-e',
      'const hold = Buffer.alloc(100e6, 1); setInterval(() => { const t = Date.now(); while (Date.now() - t < 50); }, 100);',
    ],
    { stdio: 'ignore' },
  );
}

/** A Prometheus endpoint: a gauge `queue_depth 750` and a counter growing 10 per second. */
async function startExporter(): Promise<{ url: string; scrapes: () => number; close: () => Promise<void> }> {
  const t0 = performance.now();
  let scrapes = 0;
  const server: Server = createServer((req, res) => {
    scrapes++;
    const jobs = Math.round(((performance.now() - t0) / 1000) * 10);
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(
      [
        '# HELP queue_depth Jobs waiting.',
        '# TYPE queue_depth gauge',
        'queue_depth{queue="mail"} 700',
        'queue_depth{queue="sms"} 50',
        '# TYPE jobs_done_total counter',
        `jobs_done_total{worker="a"} ${jobs}`,
        '# TYPE unrelated gauge',
        'unrelated 1e9',
        '',
      ].join('\n'),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/metrics`,
    scrapes: () => scrapes,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('volley run --monitor-pid / --monitor-prometheus', () => {
  let target: CountingServer;
  let exporter: Awaited<ReturnType<typeof startExporter>>;
  before(async () => {
    target = await startCountingServer();
    exporter = await startExporter();
  });
  after(async () => {
    await target.close();
    await exporter.close();
  });

  it('--monitor-pid: CPU, memory, threads and fds of a real process; one warning when another exits mid-run', async () => {
    const burner = startBurner();
    // Killed once the run has sent its first second of traffic: it exits mid-run.
    const shortLived = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    const sentBefore = target.count();
    const killer = setInterval(() => {
      if (target.count() - sentBefore >= 20) shortLived.kill();
    }, 50);
    try {
      await sleep(300); // the burner has allocated its buffer
      const out = join(dir, 'pid.json');
      const nd = join(dir, 'pid.ndjson');
      const r = await runCli([
        'run',
        '--url',
        target.url,
        '--rate',
        '20',
        '-d',
        '4s',
        '--monitor-pid',
        String(burner.pid),
        '--monitor-pid',
        String(shortLived.pid),
        '--threshold',
        'target_rss_mb:max>80',
        '--out',
        `json=${out}`,
        '--out',
        `ndjson=${nd}`,
      ]);
      assert.equal(r.code, 0, r.stderr);
      const s = readSummary(out);
      const cpu = s.metrics.target_cpu_percent;
      assert.equal(cpu?.type, 'trend');
      // ~50% of a core when it gets the CPU; well above idle, far below a tick-scale mistake.
      assert.ok((cpu?.values.avg ?? 0) > 15 && (cpu?.values.avg ?? 0) < 120, `cpu avg ${cpu?.values.avg}`);
      assert.ok((s.metrics.target_rss_mb?.values.max ?? 0) > 80, 'rss holds the 100 MB buffer');
      assert.ok((s.metrics.target_threads?.values.min ?? 0) >= 1);
      assert.ok((s.metrics.target_open_fds?.values.min ?? 0) >= 3);
      assert.equal(s.thresholds.ok, true);
      assert.match(r.stdout, /target_cpu_percent\s+avg=[\d.]+% /);
      assert.match(r.stdout, /target_rss_mb\s+avg=[\d.]+ MB /);
      // The short-lived process: exactly one warning, and the run went on.
      const exits = r.stderr.match(/monitored process \d+ has exited/g) ?? [];
      assert.deepEqual(exits, [`monitored process ${shortLived.pid} has exited`]);
      // Per-second snapshots carry the readings, one per second at most.
      const snaps = readFileSync(nd, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { schema?: string; metrics?: Record<string, Record<string, number>> })
        .filter((l) => l.schema === 'volley.snapshot/1');
      const withCpu = snaps.filter((x) => x.metrics?.target_cpu_percent);
      assert.ok(withCpu.length >= 3, `seconds with a CPU reading: ${withCpu.length}`);
      // Two pids report each second while both live, never the same reading twice per pid.
      for (const x of withCpu) assert.ok((x.metrics?.target_cpu_percent?.count ?? 0) <= 2 * 2);
      assert.ok((cpu?.values.count ?? 0) <= 2 * 6, `readings: ${cpu?.values.count}`);
    } finally {
      clearInterval(killer);
      burner.kill();
      shortLived.kill();
    }
  });

  it('--monitor-pid of a wrapper (a parent that spawned the server) watches the child that listens; a threshold with no samples fails', async () => {
    // The wrapper idles like npm exec; its child serves and burns ~3 ms of CPU per request.
    const child = [
      "const http = require('node:http');",
      'const s = http.createServer((q, r) => { const t = Date.now(); while (Date.now() - t < 3); r.end("ok"); });',
      "s.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ url: 'http://127.0.0.1:' + s.address().port, pid: process.pid })));",
    ].join('\n');
    const wrapper = spawn(
      process.execPath,
      [
        '-e',
        `require('node:child_process').spawn(process.execPath, ['-e', ${JSON.stringify(child)}], { stdio: 'inherit' });`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let servedPid: number | undefined;
    try {
      const served = await new Promise<{ url: string; pid: number }>((resolve) =>
        wrapper.stdout?.once('data', (d: Buffer) =>
          resolve(JSON.parse(d.toString()) as { url: string; pid: number }),
        ),
      );
      servedPid = served.pid;
      const out = join(dir, 'wrapper.json');
      const [r, empty] = await Promise.all([
        runCli([
          'run',
          '--url',
          served.url,
          '--rate',
          '100',
          '-d',
          '3s',
          '--monitor-pid',
          String(wrapper.pid),
          '--threshold',
          'target_cpu_percent:avg>1',
          '--out',
          `json=${out}`,
        ]),
        // No monitor at all: a threshold on a monitor metric has nothing to pass on.
        runCli([
          'run',
          '--url',
          target.url,
          '--rate',
          '10',
          '-d',
          '1s',
          '--threshold',
          'target_cpu_percent:avg<50',
        ]),
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        r.stderr,
        new RegExp(
          `--monitor-pid ${wrapper.pid} \\(node\\) does not listen on a TCP port; watching its descendant ${served.pid} \\(node\\), which listens on port ${new URL(served.url).port}`,
        ),
      );
      const cpu = readSummary(out).metrics.target_cpu_percent?.values.avg ?? 0;
      assert.ok(cpu > 3, `the serving child's CPU, not the idle wrapper's 0%: ${cpu}`);

      assert.equal(empty.code, 99, empty.stderr);
      assert.match(
        empty.stdout,
        /✗ target_cpu_percent: avg<50 {2}\(actual no samples of target_cpu_percent: no process was monitored/,
      );
      const th = (JSON.parse(readFileSync(out, 'utf8')) as { thresholds: { results: { ok: boolean }[] } })
        .thresholds;
      assert.equal(th.results[0]?.ok, true);
    } finally {
      if (servedPid !== undefined) process.kill(servedPid);
      wrapper.kill();
    }
  });

  it('--monitor-prometheus: selected series reach the summary (summed, counters as rates) and fail a threshold with 99', async () => {
    const run = (threshold: string, name: string) =>
      runCli([
        'run',
        '--url',
        target.url,
        '--rate',
        '10',
        '-d',
        '3s',
        '--monitor-prometheus',
        exporter.url,
        '--monitor-series',
        'queue_depth,jobs_done_total',
        '--monitor-series',
        'queue_depth{queue="sms"}',
        '--monitor-interval',
        '1s',
        '--threshold',
        threshold,
        '--out',
        `json=${join(dir, name)}`,
      ]);
    const before = exporter.scrapes();
    const [failing, passing] = await Promise.all([
      run('prom_queue_depth:max<500', 'prom-fail.json'),
      run('prom_queue_depth{queue:sms}:max<1000', 'prom-pass.json'),
    ]);
    assert.equal(failing.code, 99, failing.stderr);
    assert.match(failing.stdout, /✗ prom_queue_depth: max<500 {2}\(actual 750\)/);
    assert.equal(passing.code, 0, passing.stderr);
    assert.ok(exporter.scrapes() - before >= 6, `scrapes: ${exporter.scrapes() - before}`);

    const s = readSummary(join(dir, 'prom-pass.json'));
    // Summed over both queues; the sms-only selector is its own series, tagged queue=sms.
    assert.equal(s.metrics.prom_queue_depth?.values.max, 750);
    assert.equal(s.metrics.prom_queue_depth?.values.min, 50);
    assert.equal(s.metrics['prom_queue_depth{queue:sms}']?.values.max, 50);
    const rate = s.metrics.prom_jobs_done_total_rate?.values.avg ?? 0;
    assert.ok(rate > 7 && rate < 13, `jobs per second ${rate}`);
    assert.equal(s.metrics.prom_unrelated, undefined, 'only selected series are recorded');
    assert.equal(s.metrics.prom_jobs_done_total, undefined, 'a counter is recorded as its rate');
  });

  it('bad input: a dead pid or a non-http URL is exit 2 before any traffic; an unreachable endpoint is a warning', async () => {
    const dead = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    await new Promise((resolve) => dead.on('close', resolve));
    const untouched = await startCountingServer();
    const port = await closedPort();
    const sent = target.count();
    const [r, ok] = await Promise.all([
      runCli([
        'run',
        '--url',
        untouched.url,
        '-d',
        '1s',
        '--monitor-pid',
        String(dead.pid),
        '--monitor-prometheus',
        'ftp://127.0.0.1/metrics',
        '--monitor-series',
        'bad{x=1}',
      ]),
      runCli([
        'run',
        '--url',
        target.url,
        '--rate',
        '10',
        '-d',
        '2s',
        '--monitor-prometheus',
        `http://127.0.0.1:${port}/metrics`,
        '--monitor-prometheus',
        exporter.url,
      ]),
    ]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`--monitor-pid ${dead.pid}: no such process`));
    assert.match(r.stderr, /only http:\/\/ and https:\/\/ URLs can be scraped/);
    assert.match(r.stderr, /bad label matcher/);
    assert.equal(untouched.count(), 0, 'nothing was sent');
    await untouched.close();

    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(target.count() - sent, 20, 'the run went on');
    assert.equal(
      (ok.stderr.match(new RegExp(`127\\.0\\.0\\.1:${port}/metrics: scrape failed`, 'g')) ?? []).length,
      1,
    );
    assert.match(
      ok.stderr,
      /nothing is recorded without --monitor-series; it exposes 3 series names, e\.g\. queue_depth/,
    );
    assert.doesNotMatch(ok.stdout, /prom_/);
  });
});
