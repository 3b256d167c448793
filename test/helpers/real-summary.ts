/** A summary from a real run: a counting server with a fixed delay, 50 requests/s for 3 s. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Summary } from '../../src/summary/summary.js';
import { runCli } from './cli.js';
import { startCountingServer } from './counting-server.js';

export async function realSummary(
  dir: string,
  opts: { delayMs: number; name: string; path?: string; thresholds: string[] },
): Promise<Summary> {
  const server = await startCountingServer({ delayMs: opts.delayMs });
  try {
    const file = join(dir, `${opts.name}.json`);
    const r = await runCli([
      'run',
      '--url',
      `${server.url}${opts.path ?? ''}`,
      '--rate',
      '50',
      '-d',
      '3s',
      '--out',
      `json=${file}`,
      ...opts.thresholds.flatMap((t) => ['--threshold', t]),
    ]);
    assert.notEqual(r.code, null, r.stderr);
    return JSON.parse(readFileSync(file, 'utf8')) as Summary;
  } finally {
    await server.close();
  }
}
