/** The `--out` table (src/outputs/registry.ts): every kind parses, bad values fail with today's text, outputs have one lifecycle. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { VolleyError } from '../../src/errors.js';
import {
  createOutputs,
  OUTPUTS,
  parseOutputs,
  parseOutSpec,
  writesToStdout,
} from '../../src/outputs/registry.js';
import { realSummary } from '../helpers/real-summary.js';

const dir = mkdtempSync(join(tmpdir(), 'volley-outputs-'));

const usage =
  'json=FILE|-, ndjson=FILE|-, csv=FILE|-, html=FILE, junit=FILE, prometheus[=HOST:PORT] or otlp=URL';

function usageError(fn: () => unknown, message: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof VolleyError, String(err));
    assert.equal(err.code, 'INVALID_USAGE');
    assert.equal(err.message, message);
    return true;
  });
}

describe('--out registry', () => {
  it('knows every kind, each once, and builds the usage text from them', () => {
    assert.deepEqual(
      OUTPUTS.map((o) => o.kind),
      ['json', 'ndjson', 'csv', 'html', 'junit', 'prometheus', 'otlp'],
    );
    usageError(() => parseOutSpec('xml=out.xml'), `--out 'xml=out.xml': unknown kind 'xml' (${usage})`);
    usageError(() => parseOutSpec('json'), `--out 'json' must be ${usage}`);
  });

  it('parses KIND=TARGET, and bare prometheus', () => {
    assert.deepEqual(parseOutSpec('json=-'), { kind: 'json', target: '-' });
    assert.deepEqual(parseOutSpec('csv=a=b.csv'), { kind: 'csv', target: 'a=b.csv' });
    assert.deepEqual(parseOutSpec('prometheus'), { kind: 'prometheus', target: '' });
    assert.deepEqual(parseOutSpec('otlp=http://127.0.0.1:4318/v1/metrics'), {
      kind: 'otlp',
      target: 'http://127.0.0.1:4318/v1/metrics',
    });
  });

  it('refuses a missing target, html/junit to stdout and a non-http otlp URL', () => {
    usageError(() => parseOutSpec('json='), `--out 'json=': json= needs a target (${usage})`);
    usageError(() => parseOutSpec('html=-'), '--out html=-: write html to a file (html=FILE)');
    usageError(() => parseOutSpec('junit=-'), '--out junit=-: write junit to a file (junit=FILE)');
    usageError(
      () => parseOutSpec('otlp=ftp://x'),
      "--out otlp='ftp://x' must be an http(s) URL (for example http://127.0.0.1:4318/v1/metrics)",
    );
  });

  it('checks a run’s list: one stdout, one prometheus, a well-formed address, a writable folder', () => {
    usageError(
      () => parseOutputs(['json=-', 'ndjson=-']),
      'only one --out may write to stdout (-): got json=-, ndjson=-',
    );
    usageError(
      () => parseOutputs(['prometheus', 'prometheus=127.0.0.1:0']),
      'only one --out prometheus per run',
    );
    usageError(
      () => parseOutputs(['prometheus=nohost']),
      "--out prometheus='nohost' must be HOST:PORT (for example 127.0.0.1:9464, [::1]:9464, 0.0.0.0:0)",
    );
    assert.throws(
      () => parseOutputs(['json=/proc/no-such-dir/x.json']),
      (err: unknown) => err instanceof VolleyError && err.code === 'UNREADABLE_FILE',
    );
    const specs = parseOutputs(['json=-', 'csv=x.csv', 'prometheus']);
    assert.deepEqual(specs.map(writesToStdout), [true, false, false]);
  });

  it('every output is a listener: files get their summary on onSummary and are complete after close', async () => {
    const summary = await realSummary(dir, { delayMs: 1, name: 'registry', thresholds: [] });
    const files = {
      json: join(dir, 's.json'),
      ndjson: join(dir, 's.ndjson'),
      csv: join(dir, 's.csv'),
      html: join(dir, 's.html'),
      junit: join(dir, 's.xml'),
    };
    const specs = parseOutputs(Object.entries(files).map(([k, f]) => `${k}=${f}`));
    const log: string[] = [];
    const outputs = await createOutputs(specs, { runId: 'r1', stdout: () => {}, log: (l) => log.push(l) });
    assert.equal(outputs.length, 5);
    for (const o of outputs) await o.onSummary?.(summary);
    for (const o of outputs) await o.close?.();
    assert.equal(JSON.parse(readFileSync(files.json, 'utf8')).runId, summary.runId);
    const last = readFileSync(files.ndjson, 'utf8').trim().split('\n').at(-1) as string;
    assert.equal(JSON.parse(last).type, 'summary');
    // No second closed: the CSV still has its header.
    assert.match(readFileSync(files.csv, 'utf8'), /^second,/);
    assert.match(readFileSync(files.html, 'utf8'), /<html/i);
    assert.match(readFileSync(files.junit, 'utf8'), /<testsuites/);
    assert.deepEqual(log, []);
  });

  it('an output that cannot start closes those already started, then fails', async () => {
    const ndjson = join(dir, 'first.ndjson');
    const taken = await createOutputs(parseOutputs(['prometheus=127.0.0.1:0']), {
      runId: 'r2',
      stdout: () => {},
      log: () => {},
    });
    const port = new URL((taken[0] as unknown as { url: string }).url).port;
    await assert.rejects(
      createOutputs(parseOutputs([`ndjson=${ndjson}`, `prometheus=127.0.0.1:${port}`]), {
        runId: 'r3',
        stdout: () => {},
        log: () => {},
      }),
      /--out prometheus: cannot listen on 127\.0\.0\.1/,
    );
    assert.ok(existsSync(ndjson));
    for (const o of taken) await o.close?.();
  });
});
