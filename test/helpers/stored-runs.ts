/**
 * Two real quick-mode runs recorded in one store, for the comparison tests: one against a fast
 * server (2 ms), one against a slow one (150 ms, not 20: on a loaded CI box the fast run's own p99
 * can reach tens of ms), 100 requests each at 50/s, one after the other (two runs at once would
 * share the cores), the slow one first (a cold start's tail lands on the run that has room for it).
 * The servers' counts are checked and the servers closed before it returns.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Summary } from '../../src/summary/summary.js';
import { runCli } from './cli.js';
import { startCountingServer } from './counting-server.js';

export interface StoredRuns {
  fastId: string;
  slowId: string;
  /** The runs' JSON summaries (`--out json=…`), in `dir`. */
  fastFile: string;
  slowFile: string;
}

export async function storeFastAndSlowRuns(dir: string, db: string): Promise<StoredRuns> {
  const fast = await startCountingServer({ delayMs: 2 });
  const slow = await startCountingServer({ delayMs: 150 });
  try {
    const run = async (url: string, out: string): Promise<string> => {
      // Same path on both servers: only the port (and the delay) differs.
      const r = await runCli([
        'run',
        '--url',
        `${url}/api/items`,
        '--rate',
        '50',
        '-d',
        '2s',
        '--out',
        `json=${out}`,
        '-q',
        '--db',
        db,
      ]);
      assert.equal(r.code, 0, r.stderr);
      return (JSON.parse(readFileSync(out, 'utf8')) as Summary).runId;
    };
    const slowFile = join(dir, 'slow.json');
    const fastFile = join(dir, 'fast.json');
    const slowId = await run(slow.url, slowFile);
    const fastId = await run(fast.url, fastFile);
    assert.equal(fast.count(), 100);
    assert.equal(slow.count(), 100);
    return { fastId, slowId, fastFile, slowFile };
  } finally {
    await fast.close();
    await slow.close();
  }
}
