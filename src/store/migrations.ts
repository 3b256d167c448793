/**
 * Versioned schema migrations, applied in order inside one transaction each. The applied version
 * is SQLite's `user_version`, so a database knows its own schema without a side table.
 * Never edit a shipped migration: add the next one.
 */
import type Database from 'better-sqlite3';
import { VolleyError } from '../errors.js';

export const MIGRATIONS: readonly { version: number; description: string; sql: string }[] = [
  {
    version: 1,
    description: 'runs, per-second series (run, metric, endpoint), final histograms, thresholds',
    sql: `
      CREATE TABLE runs (
        id            TEXT PRIMARY KEY,
        status        TEXT NOT NULL,
        verdict       TEXT,
        source        TEXT NOT NULL,
        name          TEXT NOT NULL,
        created_at    INTEGER NOT NULL,
        started_at    INTEGER,
        ended_at      INTEGER,
        duration_ms   INTEGER,
        requests      INTEGER,
        rps           REAL,
        p99_ms        REAL,
        error_rate    REAL,
        executors     TEXT NOT NULL DEFAULT '[]',
        controllable  TEXT NOT NULL DEFAULT '[]',
        config_json   TEXT,
        request_json  TEXT,
        summary_json  TEXT,
        error         TEXT,
        exit_code     INTEGER,
        pid           INTEGER
      );
      CREATE INDEX runs_created_at ON runs (created_at);

      -- One row per second: the compact point the charts draw, with the generator's health.
      CREATE TABLE run_seconds (
        run_id         TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        second         INTEGER NOT NULL,
        point_json     TEXT NOT NULL,
        generator_json TEXT NOT NULL,
        PRIMARY KEY (run_id, second)
      ) WITHOUT ROWID;

      -- Every metric's values during each second (k6 'values' shape: count, rate, avg, p(99)...).
      CREATE TABLE metric_seconds (
        run_id      TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        second      INTEGER NOT NULL,
        metric      TEXT NOT NULL,
        values_json TEXT NOT NULL,
        PRIMARY KEY (run_id, metric, second)
      ) WITHOUT ROWID;

      CREATE TABLE endpoint_seconds (
        run_id   TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        second   INTEGER NOT NULL,
        scenario TEXT NOT NULL,
        method   TEXT NOT NULL,
        name     TEXT NOT NULL,
        requests INTEGER NOT NULL,
        failures INTEGER NOT NULL,
        avg_ms   REAL NOT NULL,
        p50_ms   REAL NOT NULL,
        p95_ms   REAL NOT NULL,
        p99_ms   REAL NOT NULL,
        max_ms   REAL NOT NULL,
        PRIMARY KEY (run_id, scenario, method, name, second)
      ) WITHOUT ROWID;

      -- Final HDR histograms (base64, hdr-histogram-js encoding) in the unit the metric records
      -- (thousandths: µs for time): any percentile can be recomputed later. Endpoint '' = all.
      CREATE TABLE histograms (
        run_id   TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        metric   TEXT NOT NULL,
        scenario TEXT NOT NULL DEFAULT '',
        method   TEXT NOT NULL DEFAULT '',
        name     TEXT NOT NULL DEFAULT '',
        encoded  TEXT NOT NULL,
        PRIMARY KEY (run_id, metric, scenario, method, name)
      ) WITHOUT ROWID;

      CREATE TABLE thresholds (
        run_id     TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        metric     TEXT NOT NULL,
        expression TEXT NOT NULL,
        ok         INTEGER NOT NULL,
        actual     REAL,
        PRIMARY KEY (run_id, metric, expression)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    description:
      'benches: one row per volley bench (the whole result as JSON), found again by base URL and endpoint set',
    sql: `
      -- endpoints_key: the bench's endpoints as sorted 'METHOD path' lines, so the previous bench
      -- of the same set against the same base URL is one indexed lookup.
      CREATE TABLE benches (
        id           TEXT PRIMARY KEY,
        created_at   INTEGER NOT NULL,
        base_url     TEXT NOT NULL,
        endpoints_key TEXT NOT NULL,
        concurrency  INTEGER NOT NULL,
        duration_ms  INTEGER NOT NULL,
        result_json  TEXT NOT NULL
      );
      CREATE INDEX benches_set ON benches (base_url, endpoints_key, created_at);
    `,
  },
  {
    version: 3,
    description:
      'run owners: the process running a run and the one that created it, each with its start time and host',
    sql: `
      -- pid (with pid_start) is the process sending the load; owner_pid (with owner_start) the one
      -- that created the row (the server for API runs, itself for terminal runs). A run is over
      -- only when neither is alive; the start times tell a recycled pid from the recorded one.
      ALTER TABLE runs ADD COLUMN pid_start TEXT;
      ALTER TABLE runs ADD COLUMN owner_pid INTEGER;
      ALTER TABLE runs ADD COLUMN owner_start TEXT;
      ALTER TABLE runs ADD COLUMN host TEXT;
      CREATE INDEX runs_status ON runs (status);
    `,
  },
  {
    version: 4,
    description:
      'live state: the latest full snapshots and live threshold results of a run, so any server following the store streams what the run process would',
    sql: `
      -- The last few seconds' full snapshots (KPIs, endpoints, generator health): a run started in a
      -- terminal is followed through the store by volley serve, which has no other channel to it.
      CREATE TABLE live_snapshots (
        run_id        TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        second        INTEGER NOT NULL,
        snapshot_json TEXT NOT NULL,
        PRIMARY KEY (run_id, second)
      ) WITHOUT ROWID;

      -- The threshold results as last evaluated live (once a second).
      CREATE TABLE live_thresholds (
        run_id          TEXT PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
        thresholds_json TEXT NOT NULL
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 5,
    description:
      "per-endpoint seconds carry their protocol: a gRPC method and a WebSocket URL are endpoints beside HTTP's",
    sql: `
      -- The protocol (module name) is part of an endpoint's key: two protocols may share a name.
      -- Every run stored before this migration spoke HTTP only.
      CREATE TABLE endpoint_seconds_v5 (
        run_id   TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        second   INTEGER NOT NULL,
        protocol TEXT NOT NULL,
        scenario TEXT NOT NULL,
        method   TEXT NOT NULL,
        name     TEXT NOT NULL,
        requests INTEGER NOT NULL,
        failures INTEGER NOT NULL,
        avg_ms   REAL NOT NULL,
        p50_ms   REAL NOT NULL,
        p95_ms   REAL NOT NULL,
        p99_ms   REAL NOT NULL,
        max_ms   REAL NOT NULL,
        PRIMARY KEY (run_id, protocol, scenario, method, name, second)
      ) WITHOUT ROWID;
      INSERT INTO endpoint_seconds_v5
        SELECT run_id, second, 'http', scenario, method, name, requests, failures,
               avg_ms, p50_ms, p95_ms, p99_ms, max_ms
          FROM endpoint_seconds;
      DROP TABLE endpoint_seconds;
      ALTER TABLE endpoint_seconds_v5 RENAME TO endpoint_seconds;
    `,
  },
  {
    version: 6,
    description:
      'schedules kept by volley serve (cron, what to run, baseline, tolerance, webhooks) and each firing with its outcome',
    sql: `
      -- run_json: the run body as POST /api/runs takes it (quick mode or a script in --scripts);
      -- baseline: a run id, or 'previous' (the last firing of this schedule that produced a summary).
      CREATE TABLE schedules (
        id           TEXT PRIMARY KEY,
        name         TEXT NOT NULL,
        cron         TEXT NOT NULL,
        run_json     TEXT NOT NULL,
        baseline     TEXT NOT NULL,
        tolerance    REAL NOT NULL,
        webhooks_json TEXT NOT NULL DEFAULT '[]',
        paused       INTEGER NOT NULL DEFAULT 0,
        created_at   INTEGER NOT NULL,
        updated_at   INTEGER NOT NULL
      );

      -- One row per firing, skipped ones too. run_id is kept when the run is deleted (no foreign
      -- key): the firing happened. outcome: passed, failed (SLO), regressed, error, skipped.
      CREATE TABLE schedule_firings (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        schedule_id   TEXT NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
        fired_at      INTEGER NOT NULL,
        ended_at      INTEGER,
        run_id        TEXT,
        baseline_run_id TEXT,
        outcome       TEXT NOT NULL,
        run_verdict   TEXT,
        regressed     INTEGER NOT NULL DEFAULT 0,
        regressions_json TEXT NOT NULL DEFAULT '[]',
        webhooks_json TEXT NOT NULL DEFAULT '[]',
        error         TEXT
      );
      CREATE INDEX schedule_firings_schedule ON schedule_firings (schedule_id, fired_at);
    `,
  },
  {
    version: 7,
    description:
      'a run records the host:port it sends to, so a second run against the same host can be refused',
    sql: `
      -- 'host:port' of the target (quick mode's URL, a script's baseUrl, a gRPC target); NULL when unknown.
      ALTER TABLE runs ADD COLUMN target TEXT;
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS.at(-1)?.version ?? 0;

/** Brings the database to the newest schema; refuses a database written by a newer volley. */
export function migrate(db: Database.Database, path: string): { from: number; to: number } {
  const from = db.pragma('user_version', { simple: true }) as number;
  if (from > SCHEMA_VERSION) {
    throw new VolleyError(
      'INVALID_USAGE',
      `${path}: the run store has schema version ${from}, newer than this volley knows (${SCHEMA_VERSION})`,
      { hint: 'upgrade volley, or point --db / VOLLEY_DB at another file' },
    );
  }
  for (const m of MIGRATIONS) {
    if (m.version <= from) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
  return { from, to: SCHEMA_VERSION };
}
