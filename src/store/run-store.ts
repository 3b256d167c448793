/**
 * The run history: one SQLite file (better-sqlite3, WAL) shared by every process that runs or
 * serves tests — `volley run` in a terminal or CI, runs started from the API, `volley serve`
 * reading them. Writers are short transactions; readers never block them (WAL).
 */
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Snapshot } from '../engine/snapshot.js';
import { VolleyError } from '../errors.js';
import { decodeHistogram } from '../metrics/histogram.js';
import { ensureFolder } from '../outputs/files.js';
import type { Summary } from '../report/summary.js';
import { migrate } from './migrations.js';
import { seriesPoint } from './series-point.js';
import type {
  ControllableScenario,
  LiveThreshold,
  RunListItem,
  RunSource,
  RunStatus,
  SeriesPoint,
  Verdict,
} from './types.js';

/** Full snapshots kept per running run: enough for a follower polling a few times a second. */
const LIVE_SNAPSHOTS_KEPT = 10;

interface RunRow {
  id: string;
  status: RunStatus;
  verdict: Verdict | null;
  source: RunSource;
  name: string;
  created_at: number;
  started_at: number | null;
  ended_at: number | null;
  duration_ms: number | null;
  requests: number | null;
  rps: number | null;
  p99_ms: number | null;
  error_rate: number | null;
  executors: string;
  controllable: string;
  config_json: string | null;
  request_json: string | null;
  summary_json: string | null;
  error: string | null;
  exit_code: number | null;
  pid: number | null;
}

export interface StoredRun extends RunListItem {
  summary: Summary | null;
  /** The POST body of a run started from the API. */
  request: unknown;
  /** The resolved test config the run used. */
  config: unknown;
  pid: number | null;
}

/** A final histogram to keep: metric, optional endpoint, hdr-histogram-js base64 encoding. */
export interface HistogramRecord {
  metric: string;
  scenario?: string;
  method?: string;
  name?: string;
  encoded: string;
}

export interface ThresholdRecord {
  metric: string;
  expression: string;
  ok: boolean;
  actual: number | null;
}

const ACTIVE: readonly RunStatus[] = ['starting', 'running'];

function listItem(r: RunRow): RunListItem {
  return {
    id: r.id,
    status: r.status,
    verdict: r.verdict,
    source: r.source,
    name: r.name,
    createdAt: new Date(r.created_at).toISOString(),
    startedAt: r.started_at === null ? null : new Date(r.started_at).toISOString(),
    endedAt: r.ended_at === null ? null : new Date(r.ended_at).toISOString(),
    durationMs: r.duration_ms,
    requests: r.requests,
    rps: r.rps,
    p99Ms: r.p99_ms,
    errorRate: r.error_rate,
    executors: JSON.parse(r.executors) as string[],
    controllable: JSON.parse(r.controllable) as ControllableScenario[],
    error: r.error,
    exitCode: r.exit_code,
  };
}

export class RunStore {
  readonly path: string;
  private readonly db: Database.Database;

  private constructor(path: string, db: Database.Database) {
    this.path = path;
    this.db = db;
  }

  /** Opens (creating the file and its folder) and migrates the store. */
  static open(path: string): RunStore {
    let db: Database.Database;
    try {
      ensureFolder(dirname(path));
      db = new Database(path);
    } catch (err) {
      throw new VolleyError(
        'UNREADABLE_FILE',
        `cannot open the run store ${path}: ${(err as Error).message}`,
        { hint: 'set --db PATH or VOLLEY_DB to a writable file, or pass --no-store', cause: err },
      );
    }
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
      migrate(db, path);
    } catch (err) {
      db.close();
      if (err instanceof VolleyError) throw err;
      throw new VolleyError(
        'UNREADABLE_FILE',
        `${path} is not a usable run store: ${(err as Error).message}`,
        {
          hint: 'point --db / VOLLEY_DB at another file',
          cause: err,
        },
      );
    }
    return new RunStore(path, db);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** The open database, for repositories of other tables (src/store/bench-store.ts). */
  get database(): Database.Database {
    return this.db;
  }

  /** A run accepted but not started yet (the API creates it before its process runs). */
  createRun(run: { id: string; source: RunSource; name: string; request?: unknown; createdAt?: Date }): void {
    this.db
      .prepare(
        `INSERT INTO runs (id, status, source, name, created_at, request_json)
         VALUES (?, 'starting', ?, ?, ?, ?)`,
      )
      .run(
        run.id,
        run.source,
        run.name,
        (run.createdAt ?? new Date()).getTime(),
        run.request === undefined ? null : JSON.stringify(run.request),
      );
  }

  /** Traffic began: inserts the run when the API did not create it first (terminal and CI runs). */
  markRunning(run: {
    id: string;
    source: RunSource;
    name: string;
    startedAt: Date;
    executors: string[];
    controllable: ControllableScenario[];
    config: unknown;
    pid: number;
  }): void {
    this.db
      .prepare(
        `INSERT INTO runs (id, status, source, name, created_at, started_at, executors, controllable, config_json, pid)
         VALUES (@id, 'running', @source, @name, @startedAt, @startedAt, @executors, @controllable, @config, @pid)
         ON CONFLICT (id) DO UPDATE SET status = 'running', started_at = @startedAt, executors = @executors,
           controllable = @controllable, config_json = @config, pid = @pid`,
      )
      .run({
        id: run.id,
        source: run.source,
        name: run.name,
        startedAt: run.startedAt.getTime(),
        executors: JSON.stringify(run.executors),
        controllable: JSON.stringify(run.controllable),
        config: JSON.stringify(run.config),
        pid: run.pid,
      });
    // Live state is for following a run while it goes: only runs still going keep theirs.
    this.db
      .prepare(
        `DELETE FROM live_snapshots WHERE run_id IN
           (SELECT id FROM runs WHERE id != ? AND status NOT IN ('starting', 'running'))`,
      )
      .run(run.id);
  }

  /** Records the process that owns a run, so a dead owner can be told from a live one. */
  setPid(id: string, pid: number): void {
    this.db.prepare('UPDATE runs SET pid = ? WHERE id = ?').run(pid, id);
  }

  /** One closed second: the compact point, every metric's values, every endpoint's numbers. */
  addSecond(id: string, s: Snapshot): void {
    const point = seriesPoint(s);
    this.db.transaction(() => {
      this.db
        .prepare(
          'INSERT OR REPLACE INTO run_seconds (run_id, second, point_json, generator_json) VALUES (?, ?, ?, ?)',
        )
        .run(id, s.second, JSON.stringify(point), JSON.stringify(s.generator));
      this.db
        .prepare('INSERT OR REPLACE INTO live_snapshots (run_id, second, snapshot_json) VALUES (?, ?, ?)')
        .run(id, s.second, JSON.stringify(s));
      this.db
        .prepare('DELETE FROM live_snapshots WHERE run_id = ? AND second <= ?')
        .run(id, s.second - LIVE_SNAPSHOTS_KEPT);
      const metric = this.db.prepare(
        'INSERT OR REPLACE INTO metric_seconds (run_id, second, metric, values_json) VALUES (?, ?, ?, ?)',
      );
      for (const [name, values] of Object.entries(s.metrics))
        metric.run(id, s.second, name, JSON.stringify(values));
      const endpoint = this.db.prepare(
        `INSERT OR REPLACE INTO endpoint_seconds
           (run_id, second, scenario, method, name, requests, failures, avg_ms, p50_ms, p95_ms, p99_ms, max_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const e of s.endpoints)
        endpoint.run(
          id,
          s.second,
          e.scenario,
          e.method,
          e.name,
          e.requests,
          e.failures,
          e.latency.avg,
          e.latency.p50,
          e.latency.p95,
          e.latency.p99,
          e.latency.max,
        );
    })();
  }

  /** The threshold results as evaluated live this second. */
  setLiveThresholds(id: string, thresholds: readonly LiveThreshold[]): void {
    this.db
      .prepare('INSERT OR REPLACE INTO live_thresholds (run_id, thresholds_json) VALUES (?, ?)')
      .run(id, JSON.stringify(thresholds));
  }

  /** The full snapshots kept of seconds after `afterSecond` (the last few seconds only), oldest first. */
  liveSnapshots(id: string, afterSecond = -1): Snapshot[] {
    return (
      this.db
        .prepare('SELECT snapshot_json FROM live_snapshots WHERE run_id = ? AND second > ? ORDER BY second')
        .all(id, afterSecond) as { snapshot_json: string }[]
    ).map((r) => JSON.parse(r.snapshot_json) as Snapshot);
  }

  /** The latest full snapshot of a run still being recorded, or null. */
  latestSnapshot(id: string): Snapshot | null {
    const r = this.db
      .prepare('SELECT snapshot_json FROM live_snapshots WHERE run_id = ? ORDER BY second DESC LIMIT 1')
      .get(id) as { snapshot_json: string } | undefined;
    return r ? (JSON.parse(r.snapshot_json) as Snapshot) : null;
  }

  /** The live threshold results last recorded (empty before the first evaluation or without thresholds). */
  liveThresholds(id: string): LiveThreshold[] {
    const r = this.db.prepare('SELECT thresholds_json FROM live_thresholds WHERE run_id = ?').get(id) as
      { thresholds_json: string } | undefined;
    return r ? (JSON.parse(r.thresholds_json) as LiveThreshold[]) : [];
  }

  /** The run ended with a summary (passed, failed or aborted — aborted runs keep what they measured). */
  finishRun(
    id: string,
    end: {
      summary: Summary;
      exitCode: number;
      histograms: readonly HistogramRecord[];
      thresholds: readonly ThresholdRecord[];
    },
  ): void {
    const { summary } = end;
    const reqs = summary.metrics.http_reqs?.values.count ?? 0;
    const durS = summary.state.testRunDurationMs / 1000;
    this.db.transaction(() => {
      this.db
        .prepare(
          `UPDATE runs SET status = 'finished', verdict = @verdict, started_at = COALESCE(started_at, @startedAt),
             ended_at = @endedAt, duration_ms = @durationMs, requests = @requests, rps = @rps, p99_ms = @p99,
             error_rate = @errorRate, summary_json = @summary, exit_code = @exitCode, error = NULL
           WHERE id = @id`,
        )
        .run({
          id,
          verdict: summary.verdict,
          startedAt: Date.parse(summary.startedAt),
          endedAt: Date.parse(summary.endedAt),
          durationMs: Math.round(summary.state.testRunDurationMs),
          requests: reqs,
          rps: durS > 0 ? reqs / durS : 0,
          p99: summary.metrics.http_req_duration?.values['p(99)'] ?? null,
          errorRate: summary.metrics.http_req_failed?.values.rate ?? null,
          summary: JSON.stringify(summary),
          exitCode: end.exitCode,
        });
      const h = this.db.prepare(
        `INSERT OR REPLACE INTO histograms (run_id, metric, scenario, method, name, encoded) VALUES (?, ?, ?, ?, ?, ?)`,
      );
      for (const x of end.histograms)
        h.run(id, x.metric, x.scenario ?? '', x.method ?? '', x.name ?? '', x.encoded);
      const t = this.db.prepare(
        'INSERT OR REPLACE INTO thresholds (run_id, metric, expression, ok, actual) VALUES (?, ?, ?, ?, ?)',
      );
      for (const x of end.thresholds) t.run(id, x.metric, x.expression, x.ok ? 1 : 0, x.actual);
    })();
  }

  /** The run never produced a summary: the reason and the exit code, kept for the history. */
  failRun(id: string, error: string, exitCode: number | null): void {
    this.db
      .prepare(
        `UPDATE runs SET status = 'error', error = ?, exit_code = ?, ended_at = COALESCE(ended_at, ?)
         WHERE id = ? AND status IN ('starting', 'running')`,
      )
      .run(error, exitCode, Date.now(), id);
  }

  /** The run's process died or was killed mid-run: what it stored stays, marked interrupted. */
  interruptRun(id: string, reason: string): void {
    this.db
      .prepare(
        `UPDATE runs SET status = 'interrupted', error = ?, ended_at = COALESCE(ended_at, ?)
         WHERE id = ? AND status IN ('starting', 'running')`,
      )
      .run(reason, Date.now(), id);
  }

  /**
   * Runs still marked active whose process is gone (killed, crashed, machine rebooted) become
   * 'interrupted'; their stored seconds stay. `isAlive` is injected so tests can decide.
   */
  reconcile(isAlive: (pid: number) => boolean): string[] {
    const rows = this.db
      .prepare(`SELECT id, pid FROM runs WHERE status IN ('starting', 'running')`)
      .all() as { id: string; pid: number | null }[];
    const dead = rows.filter((r) => r.pid === null || !isAlive(r.pid)).map((r) => r.id);
    const upd = this.db.prepare(
      `UPDATE runs SET status = 'interrupted', ended_at = COALESCE(ended_at, ?),
         error = COALESCE(error, 'the process running it stopped before it ended') WHERE id = ?`,
    );
    for (const id of dead) {
      const last = this.db.prepare('SELECT MAX(second) AS s FROM run_seconds WHERE run_id = ?').get(id) as {
        s: number | null;
      };
      const row = this.db.prepare('SELECT started_at FROM runs WHERE id = ?').get(id) as {
        started_at: number | null;
      };
      const ended =
        row.started_at !== null && last.s !== null ? row.started_at + (last.s + 1) * 1000 : Date.now();
      upd.run(ended, id);
    }
    return dead;
  }

  list(opts: { limit?: number; status?: RunStatus } = {}): RunListItem[] {
    const rows = (
      opts.status
        ? this.db
            .prepare('SELECT * FROM runs WHERE status = ? ORDER BY created_at DESC, rowid DESC LIMIT ?')
            .all(opts.status, opts.limit ?? -1)
        : this.db
            .prepare('SELECT * FROM runs ORDER BY created_at DESC, rowid DESC LIMIT ?')
            .all(opts.limit ?? -1)
    ) as RunRow[];
    return rows.map(listItem);
  }

  /** Active runs (starting or running). */
  active(): RunListItem[] {
    return (
      this.db
        .prepare(
          `SELECT * FROM runs WHERE status IN (${ACTIVE.map(() => '?').join(',')}) ORDER BY created_at`,
        )
        .all(...ACTIVE) as RunRow[]
    ).map(listItem);
  }

  /** A run by id, or by a unique id prefix of at least 4 characters (the CLI shows 8). */
  resolveId(idOrPrefix: string): string | undefined {
    const exact = this.db.prepare('SELECT id FROM runs WHERE id = ?').get(idOrPrefix) as
      { id: string } | undefined;
    if (exact) return exact.id;
    if (idOrPrefix.length < 4 || !/^[0-9a-f-]+$/i.test(idOrPrefix)) return undefined;
    const rows = this.db
      .prepare("SELECT id FROM runs WHERE id LIKE ? ESCAPE '\\' LIMIT 2")
      .all(`${idOrPrefix.toLowerCase()}%`) as { id: string }[];
    if (rows.length > 1)
      throw new VolleyError('INVALID_USAGE', `run id prefix '${idOrPrefix}' matches more than one run`);
    return rows[0]?.id;
  }

  /** The history row of one run (what the list shows). */
  item(id: string): RunListItem | undefined {
    const r = this.db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
    return r ? listItem(r) : undefined;
  }

  get(id: string): StoredRun | undefined {
    const r = this.db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
    if (!r) return undefined;
    return {
      ...listItem(r),
      summary: r.summary_json === null ? null : (JSON.parse(r.summary_json) as Summary),
      request: r.request_json === null ? null : (JSON.parse(r.request_json) as unknown),
      config: r.config_json === null ? null : (JSON.parse(r.config_json) as unknown),
      pid: r.pid,
    };
  }

  series(id: string): SeriesPoint[] {
    return (
      this.db.prepare('SELECT point_json FROM run_seconds WHERE run_id = ? ORDER BY second').all(id) as {
        point_json: string;
      }[]
    ).map((r) => JSON.parse(r.point_json) as SeriesPoint);
  }

  /** One metric's per-second values (k6 `values` shape), for charts of any metric. */
  metricSeries(id: string, metric: string): { second: number; values: Record<string, number> }[] {
    return (
      this.db
        .prepare(
          'SELECT second, values_json FROM metric_seconds WHERE run_id = ? AND metric = ? ORDER BY second',
        )
        .all(id, metric) as { second: number; values_json: string }[]
    ).map((r) => ({ second: r.second, values: JSON.parse(r.values_json) as Record<string, number> }));
  }

  /** Names of the metrics stored per second for a run. */
  metricNames(id: string): string[] {
    return (
      this.db
        .prepare('SELECT DISTINCT metric FROM metric_seconds WHERE run_id = ? ORDER BY metric')
        .all(id) as {
        metric: string;
      }[]
    ).map((r) => r.metric);
  }

  endpointSeries(id: string): {
    second: number;
    scenario: string;
    method: string;
    name: string;
    requests: number;
    failures: number;
    avgMs: number;
    p50Ms: number;
    p95Ms: number;
    p99Ms: number;
    maxMs: number;
  }[] {
    return this.db
      .prepare(
        `SELECT second, scenario, method, name, requests, failures, avg_ms AS avgMs, p50_ms AS p50Ms,
           p95_ms AS p95Ms, p99_ms AS p99Ms, max_ms AS maxMs
         FROM endpoint_seconds WHERE run_id = ? ORDER BY scenario, method, name, second`,
      )
      .all(id) as ReturnType<RunStore['endpointSeries']>;
  }

  /**
   * Percentiles recomputed from the stored final histogram, in the metric's display unit (ms for
   * time). `endpoint` narrows http_* metrics to one endpoint. Undefined when none was stored.
   */
  percentiles(
    id: string,
    metric: string,
    ps: readonly number[],
    endpoint?: { scenario?: string; method: string; name: string },
  ): Record<string, number> | undefined {
    const row = this.db
      .prepare(
        `SELECT encoded FROM histograms WHERE run_id = ? AND metric = ? AND method = ? AND name = ?
           AND (scenario = ? OR ? IS NULL) LIMIT 1`,
      )
      .get(
        id,
        metric,
        endpoint?.method ?? '',
        endpoint?.name ?? '',
        endpoint?.scenario ?? (endpoint ? null : ''),
        endpoint?.scenario ?? (endpoint ? null : ''),
      ) as { encoded: string } | undefined;
    if (!row) return undefined;
    const h = decodeHistogram(row.encoded);
    const out: Record<string, number> = {};
    // HDR answers a bucket's highest equivalent value: never report more than the recorded max.
    for (const p of ps) out[`p(${p})`] = Math.min(h.getValueAtPercentile(p), h.maxValue) / 1000;
    out.count = h.totalCount;
    return out;
  }

  histogramMetrics(id: string): string[] {
    return (
      this.db
        .prepare(`SELECT DISTINCT metric FROM histograms WHERE run_id = ? AND name = '' ORDER BY metric`)
        .all(id) as { metric: string }[]
    ).map((r) => r.metric);
  }

  delete(id: string): boolean {
    return this.db.prepare('DELETE FROM runs WHERE id = ?').run(id).changes > 0;
  }

  /** Deletes ended runs created before `before`; active runs are never pruned. Returns how many. */
  prune(before: Date): number {
    return this.db
      .prepare(`DELETE FROM runs WHERE created_at < ? AND status NOT IN ('starting', 'running')`)
      .run(before.getTime()).changes;
  }
}
