/**
 * A five-phase run, scaled to 20 s, against a target that recovers slowly after a spike and
 * against a healthy one: the summary's phases, the recovery verdict and the terminal table.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { renderHtmlReport } from '../../src/report/html-report.js';
import { renderMarkdownReport } from '../../src/report/markdown-report.js';
import type { Summary } from '../../src/summary/summary.js';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'volley-phases-'));

/**
 * Answers in `baseMs`; once it has seen more than `spikeRps` requests within one second, answers
 * in `slowMs` for the next `slowForMs` (a service that stays degraded after a surge).
 */
async function startRecoveringServer(o: {
  baseMs: number;
  slowMs: number;
  spikeRps: number;
  slowForMs: number;
}): Promise<{ url: string; close: () => Promise<void>; slowedAt: () => number | null }> {
  const recent: number[] = [];
  let slowUntil = 0;
  let slowedAt: number | null = null;
  const server: Server = createServer((req, res) => {
    const now = Date.now();
    recent.push(now);
    while (recent.length > 0 && (recent[0] as number) < now - 1000) recent.shift();
    if (o.slowForMs > 0 && recent.length > o.spikeRps) {
      slowUntil = now + o.slowForMs;
      slowedAt ??= now;
    }
    const delay = now < slowUntil ? o.slowMs : o.baseMs;
    setTimeout(() => res.end('ok'), delay);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    slowedAt: () => slowedAt,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

async function fivePhaseRun(url: string, name: string): Promise<{ doc: Summary; stdout: string }> {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    [
      `baseUrl: ${url}`,
      'scenarios:',
      '  main:',
      '    preset: fivePhase',
      '    openLoop: true',
      '    base: 20',
      '    peak: 40',
      '    spike: 150',
      '    duration: 20s',
      '    warmUp: 3s',
      '    recovery: 6s',
      '    flow: [{ get: / }]',
      '',
    ].join('\n'),
  );
  const out = join(dir, `${name}.json`);
  const r = await runCli(['run', file, '--out', `json=${out}`], { timeoutMs: 90_000 });
  assert.equal(r.code, 0, r.stderr);
  return { doc: JSON.parse(readFileSync(out, 'utf8')) as Summary, stdout: r.stdout };
}

describe('five-phase runs: phases and the recovery verdict', () => {
  it('a target that stays slow for 12 s after the spike did not recover', async () => {
    const server = await startRecoveringServer({ baseMs: 20, slowMs: 150, spikeRps: 100, slowForMs: 12_000 });
    try {
      const { doc, stdout } = await fivePhaseRun(server.url, 'slow');
      assert.ok(server.slowedAt() !== null, 'the spike slowed the server down');
      const pa = doc.phases;
      assert.ok(pa, 'the summary has phases');
      assert.deepEqual(
        pa.phases.map((p) => p.name),
        ['warm-up', 'ramp-up', 'sustained', 'spike', 'recovery'],
      );
      const rec = pa.phases.find((p) => p.name === 'recovery');
      assert.ok(rec && rec.p99Ms > 100, `recovery p99 ${rec?.p99Ms} ms`);
      assert.equal(pa.recovery?.recovered, false, pa.recovery?.detail);
      assert.match(pa.recovery?.detail ?? '', /^did not recover: p99 1\d\d ms vs warm-up 2\d ms/);
      assert.match(stdout, /Phases \(scenario main\)/);
      assert.match(stdout, /Recovery: did not recover/);
      // The reports give the table and mark the phases on their charts.
      const md = renderMarkdownReport(doc);
      assert.match(md.markdown, /### Phases/);
      assert.match(md.markdown, /\| recovery \| 1[34]-20 \|/);
      assert.match(md.markdown, /✗ Recovery: did not recover/);
      const latency = md.charts.find((c) => c.file.includes('latency'));
      assert.equal(latency?.svg.match(/class="phase-mark"/g)?.length, 5);
      const html = renderHtmlReport(doc);
      assert.match(html, /<section id="phases">/);
      assert.match(html, />recovery</);
      console.log(`# slow target: ${pa.recovery?.detail}`);
      for (const p of pa.phases)
        console.log(`#   ${p.name} ${p.startSecond}-${p.endSecond}s ${p.throughputRps}/s p99 ${p.p99Ms} ms`);
    } finally {
      await server.close();
    }
  });

  it('a healthy target recovered, and says how fast', async () => {
    const server = await startRecoveringServer({ baseMs: 20, slowMs: 20, spikeRps: 100, slowForMs: 0 });
    try {
      const { doc, stdout } = await fivePhaseRun(server.url, 'healthy');
      const pa = doc.phases;
      assert.ok(pa);
      assert.equal(pa.recovery?.recovered, true, pa.recovery?.detail);
      assert.ok(pa.recovery.recoveredInS !== null && pa.recovery.recoveredInS <= 3);
      assert.match(stdout, /Recovery: recovered in \d+ s/);
      console.log(`# healthy target: ${pa.recovery.detail}`);
    } finally {
      await server.close();
    }
  });
});
