/**
 * A soak run (scaled to 10 s) against a target process that leaks ~10 MB a second, watched with
 * --monitor-pid: the summary's phases give the target's RSS "growing", in MB per hour.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Summary } from '../../src/summary/summary.js';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'volley-soak-'));

/** A server in its own process that keeps 2 MB more every 200 ms (touched, so resident). */
const LEAKY = `
const http = require('node:http');
const kept = [];
setInterval(() => kept.push(Buffer.alloc(2e6, 1)), 200);
const s = http.createServer((q, r) => r.end('ok'));
s.listen(0, '127.0.0.1', () => console.log(s.address().port));
`;

describe('soak: the memory-growth verdict', () => {
  it('a target that leaks gets "growing" from its RSS slope', async () => {
    const child = spawn(process.execPath, ['-e', LEAKY], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        child.stdout.once('data', (d: Buffer) => resolve(Number(String(d).trim())));
        child.once('exit', () => reject(new Error('the leaky server exited')));
      });
      const file = join(dir, 'soak.yaml');
      writeFileSync(
        file,
        `baseUrl: http://127.0.0.1:${port}\nscenarios:\n  main: { preset: soak, vus: 2, duration: 10s, flow: [{ get: / }, { think: 50ms }] }\n`,
      );
      const out = join(dir, 'soak.json');
      const r = await runCli(['run', file, '--monitor-pid', String(child.pid), '--out', `json=${out}`], {
        timeoutMs: 60_000,
      });
      assert.equal(r.code, 0, r.stderr);
      const doc = JSON.parse(readFileSync(out, 'utf8')) as Summary;
      assert.deepEqual(
        doc.phases?.phases.map((p) => p.name),
        ['ramp-up', 'soak', 'ramp-down'],
      );
      const target = doc.phases?.memory.find((m) => m.source === 'target');
      assert.ok(target, `memory verdicts: ${JSON.stringify(doc.phases?.memory)}`);
      assert.equal(target.metric, 'target_rss_mb');
      assert.equal(target.verdict, 'growing', target.detail);
      // ~10 MB/s is ~36,000 MB/h; allow for a busy machine.
      assert.ok(target.mbPerHour > 10_000, target.detail);
      const generator = doc.phases?.memory.find((m) => m.source === 'generator');
      assert.ok(generator);
      assert.match(r.stdout, /Memory: target RSS growing/);
      console.log(`# ${target.detail}`);
      console.log(`# ${generator.detail}`);
    } finally {
      child.kill();
    }
  });
});
