/**
 * A five-phase run, scaled to 20 s, against a target that recovers slowly after a spike and
 * against a healthy one: the summary's phases, the recovery verdict and the terminal table.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { renderHtmlReport } from '../../src/report/html-report.js';
import { renderMarkdownReport } from '../../src/report/markdown-report.js';
import type { Summary } from '../../src/summary/summary.js';
import { runCli } from '../helpers/cli.js';
import { startRecoveringServer } from '../helpers/recovering-server.js';

const dir = mkdtempSync(join(tmpdir(), 'volley-phases-'));

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
    const server = await startRecoveringServer({ baseMs: 50, slowMs: 250, spikeRps: 100, slowForMs: 12_000 });
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
      assert.ok(rec && rec.p99Ms > 150, `recovery p99 ${rec?.p99Ms} ms`);
      assert.equal(pa.recovery?.recovered, false, pa.recovery?.detail);
      assert.match(pa.recovery?.detail ?? '', /^did not recover: p99 \d+ ms vs warm-up \d+ ms/);
      assert.ok(
        (pa.recovery?.finalP99Ms ?? 0) > 150 && (pa.recovery?.baselineP99Ms ?? 999) < 100,
        pa.recovery?.detail,
      );
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
      for (const line of stdout.slice(stdout.indexOf('  Phases')).split('\n').slice(0, 9))
        console.log(`# ${line}`);
      for (const p of pa.phases)
        console.log(`#   ${p.name} ${p.startSecond}-${p.endSecond}s ${p.throughputRps}/s p99 ${p.p99Ms} ms`);
    } finally {
      await server.close();
    }
  });

  it('a healthy target recovered, and says how fast', async () => {
    const server = await startRecoveringServer({ baseMs: 50, slowMs: 50, spikeRps: 100, slowForMs: 0 });
    try {
      const { doc, stdout } = await fivePhaseRun(server.url, 'healthy');
      const pa = doc.phases;
      assert.ok(pa);
      assert.equal(pa.recovery?.recovered, true, pa.recovery?.detail);
      // The recovery phase lasts ~7 s; on a busy machine its first seconds still drain the spike.
      assert.ok(pa.recovery.recoveredInS !== null && pa.recovery.recoveredInS <= 6, pa.recovery.detail);
      assert.match(stdout, /Recovery: recovered in \d+ s/);
      console.log(`# healthy target: ${pa.recovery.detail}`);
    } finally {
      await server.close();
    }
  });
});
