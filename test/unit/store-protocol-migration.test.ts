/**
 * Store schema version 5: per-endpoint seconds carry their protocol. A store written at version 4
 * (HTTP the only protocol then) migrates with its rows kept and marked `http`; after it, two
 * protocols may store an endpoint of the same name in the same second.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/store/migrations.js';
import { RunStore } from '../../src/store/run-store.js';

describe('store migration 5: endpoint_seconds.protocol', () => {
  const dir = mkdtempSync(join(tmpdir(), 'volley-migrate5-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("keeps a version-4 store's endpoint rows, as http, and keys rows by protocol", () => {
    const path = join(dir, 'v4.db');
    const db = new Database(path);
    for (const m of MIGRATIONS.filter((x) => x.version <= 4)) db.exec(m.sql);
    db.pragma('user_version = 4');
    db.prepare(
      `INSERT INTO runs (id, status, source, name, created_at) VALUES ('r1', 'finished', 'cli', 'old', 0)`,
    ).run();
    const row = db.prepare(
      `INSERT INTO endpoint_seconds (run_id, second, scenario, method, name, requests, failures, avg_ms, p50_ms, p95_ms, p99_ms, max_ms)
       VALUES ('r1', ?, 'default', 'GET', 'GET /a', ?, 0, 1, 1, 1, 1, 1)`,
    );
    row.run(0, 10);
    row.run(1, 12);
    db.close();

    assert.ok(SCHEMA_VERSION >= 5);
    const store = RunStore.open(path);
    try {
      const points = store.endpointSeries('r1');
      assert.deepEqual(
        points.map((p) => [p.second, p.protocol, p.name, p.requests]),
        [
          [0, 'http', 'GET /a', 10],
          [1, 'http', 'GET /a', 12],
        ],
      );
    } finally {
      store.close();
    }
    const after5 = new Database(path);
    try {
      assert.equal(after5.pragma('user_version', { simple: true }), SCHEMA_VERSION);
      // The same endpoint name in the same second under another protocol is another row.
      after5
        .prepare(
          `INSERT INTO endpoint_seconds (run_id, second, protocol, scenario, method, name, requests, failures, avg_ms, p50_ms, p95_ms, p99_ms, max_ms)
           VALUES ('r1', 0, 'grpc', 'default', 'GET', 'GET /a', 3, 0, 1, 1, 1, 1, 1)`,
        )
        .run();
      assert.equal(
        (after5.prepare('SELECT COUNT(*) AS n FROM endpoint_seconds WHERE second = 0').get() as { n: number })
          .n,
        2,
      );
    } finally {
      after5.close();
    }
  });
});
