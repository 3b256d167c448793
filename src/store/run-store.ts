/**
 * The run history: one SQLite file (better-sqlite3, WAL) shared by every process that runs or
 * serves tests — `volley run` in a terminal or CI, runs started from the API, `volley serve`
 * reading them. Writers are short transactions; readers never block them (WAL).
 */
import { headlineValues } from '../summary/headline.js';
import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Snapshot } from '../engine/snapshot.js';
import { VolleyError } from '../errors.js';
import { decodeHistogram } from '../metrics/histogram.js';
import { ensureFolder } from './ensure-folder.js';
import type { Summary } from '../summary/summary.js';
import { DamagedStoreError, guardDatabase, isDamage } from './damaged.js';
import { migrate } from './migrations.js';
import type { ProcessRef } from './pid-alive.js';
import { seriesPoint } from '../summary/series-point.js';
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
  pid_start: string | null;
  owner_pid: number | null;
  owner_start: string | null;
  host: string | null;
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
export interface NewRun {
  id: string;
  source: RunSource;
  name: string;
  request?: unknown;
  createdAt?: Date;
  owner?: ProcessRef;
}

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

/**
 * A row without any recorded process was written by a volley that set the pid only after
 * creating the run: it is left alone this long, then taken as dead.
 */
const UNOWNED_GRACE_MS = 60_000;

function processesOf(
  r: Pick<RunRow, 'pid' | 'pid_start' | 'owner_pid' | 'owner_start' | 'host'>,
): ProcessRef[] {
  const out: ProcessRef[] = [];
  if (r.pid !== null) out.push({ pid: r.pid, start: r.pid_start, host: r.host });
  if (r.owner_pid !== null) out.push({ pid: r.owner_pid, start: r.owner_start, host: r.host });
  return out;
}

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

  /**
   * Opens (creating the file and its folder) and migrates the store. `notices` gets what the
   * user should know once (a 0-byte file taken as a new, empty store).
   */
  static open(path: string, notices: (line: string) => void = () => {}): RunStore {
    let db: Database.Database;
    let empty = false;
    try {
      ensureFolder(dirname(path));
      empty = existsSync(path) && statSync(path).isFile() && statSync(path).size === 0;
      db = guardDatabase(new Database(path), path);
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
      // A file that is not SQLite at all was never a store: name it so, not as a damaged one.
      const cause = err instanceof DamagedStoreError ? err.cause : err;
      const notDb = (cause as { code?: unknown } | null)?.code === 'SQLITE_NOTADB';
      if (err instanceof VolleyError && !notDb) throw err;
      if (isDamage(cause) && !notDb) throw new DamagedStoreError(path, cause);
      throw new VolleyError(
        'UNREADABLE_FILE',
        `${path} is not a usable run store: ${(cause as Error).message}`,
        {
          hint: 'point --db / VOLLEY_DB at another file',
          cause: err,
        },
      );
    }
    // SQLite takes a 0-byte file as a new database: a store emptied by accident would otherwise
    // look like a store that never had runs.
    if (empty) notices(`the run store ${path} was an empty (0-byte) file: it is now a new, empty store`);
    return new RunStore(path, db);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** The open database, for repositories of other tables (src/store/bench-store.ts). */
  get database(): Database.Database {
    return this.db;
  }

  /**
   * A run accepted but not started yet (the API creates it before its process runs). `owner` is
   * the process creating it, recorded in the same statement so the row is never without one.
   */
  createRun(run: NewRun): void {
    this.db
      .prepare(
        `INSERT INTO runs (id, status, source, name, created_at, request_json, owner_pid, owner_start, host)
         VALUES (?, 'starting', ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        run.id,
        run.source,
        run.name,
        (run.createdAt ?? new Date()).getTime(),
        run.request === undefined ? null : JSON.stringify(run.request),
        run.owner?.pid ?? null,
        run.owner?.start ?? null,
        run.owner?.host ?? null,
      );
  }

  /**
   * The one-run-at-a-time guard, held by the store so it holds across servers and processes: in
   * one write transaction (BEGIN IMMEDIATE, so two servers cannot both read "none active" and
   * both insert), runs whose processes are all gone become interrupted, and the new run is
   * created only when no other run is still active. Returns the active run that blocks it.
   */
  claimRun(
    run: NewRun & { owner: ProcessRef },
    isAlive: (p: ProcessRef) => boolean,
  ): RunListItem | undefined {
    return this.db
      .transaction((): RunListItem | undefined => {
        this.reconcile(isAlive);
        const busy = this.active()[0];
        if (busy) return busy;
        this.createRun(run);
        return undefined;
      })
      .immediate();
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
    /** The process running it (for a terminal run also its owner). */
    process: ProcessRef;
    /** The host:port it sends to, when it has one (src/session/run-test.ts targetHost). */
    target?: string | null;
  }): void {
    this.db
      .prepare(
        `INSERT INTO runs (id, status, source, name, created_at, started_at, executors, controllable, config_json,
           pid, pid_start, owner_pid, owner_start, host, target)
         VALUES (@id, 'running', @source, @name, @startedAt, @startedAt, @executors, @controllable, @config,
           @pid, @pidStart, @pid, @pidStart, @host, @target)
         ON CONFLICT (id) DO UPDATE SET status = 'running', started_at = @startedAt, executors = @executors,
           controllable = @controllable, config_json = @config, pid = @pid, pid_start = @pidStart,
           host = COALESCE(host, @host), target = @target`,
      )
      .run({
        id: run.id,
        source: run.source,
        name: run.name,
        startedAt: run.startedAt.getTime(),
        executors: JSON.stringify(run.executors),
        controllable: JSON.stringify(run.controllable),
        config: JSON.stringify(run.config),
        pid: run.process.pid,
        pidStart: run.process.start,
        host: run.process.host,
        target: run.target ?? null,
      });
    // Live state is for following a run while it goes: only runs still going keep theirs.
    this.db
      .prepare(
        `DELETE FROM live_snapshots WHERE run_id IN
           (SELECT id FROM runs WHERE id != ? AND status NOT IN ('starting', 'running'))`,
      )
      .run(run.id);
  }

  /** Records the process running a run (the job the server forked), so it can be checked and stopped. */
  setRunner(id: string, p: ProcessRef): void {
    this.db
      .prepare('UPDATE runs SET pid = ?, pid_start = ?, host = COALESCE(host, ?) WHERE id = ?')
      .run(p.pid, p.start, p.host, id);
  }

  /** The process running an active run, once known. */
  runner(id: string): ProcessRef | undefined {
    const r = this.db.prepare('SELECT pid, pid_start, host FROM runs WHERE id = ?').get(id) as
      Pick<RunRow, 'pid' | 'pid_start' | 'host'> | undefined;
    return r && r.pid !== null ? { pid: r.pid, start: r.pid_start, host: r.host } : undefined;
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
           (run_id, second, protocol, scenario, method, name, requests, failures, avg_ms, p50_ms, p95_ms, p99_ms, max_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const e of s.endpoints)
        endpoint.run(
          id,
          s.second,
          e.protocol,
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
    // The listing's requests, p99 and error rate are the headline protocol's (the run's main one).
    const head = headlineValues(summary);
    const reqs = head.requests;
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
          p99: head.duration?.['p(99)'] ?? null,
          errorRate: summary.metrics[head.headline.failures]?.values.rate ?? null,
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
   * Runs still marked active none of whose recorded processes is alive (killed, crashed, machine
   * rebooted) become 'interrupted'; their stored seconds stay. A run is alive while the process
   * running it or the one that created it is (an API run between its creation and its fork has
   * only the server). `isAlive` is injected so tests can decide.
   */
  reconcile(isAlive: (p: ProcessRef) => boolean, now: number = Date.now()): string[] {
    const rows = this.db
      .prepare(
        `SELECT id, created_at, pid, pid_start, owner_pid, owner_start, host FROM runs
         WHERE status IN ('starting', 'running')`,
      )
      .all() as Pick<
      RunRow,
      'id' | 'created_at' | 'pid' | 'pid_start' | 'owner_pid' | 'owner_start' | 'host'
    >[];
    const dead = rows
      .filter((r) => {
        const procs = processesOf(r);
        if (procs.length === 0) return now - r.created_at > UNOWNED_GRACE_MS;
        return !procs.some(isAlive);
      })
      .map((r) => r.id);
    // The status is checked again at the update: a run that ended between the read and now
    // (its process finished, then exited) keeps its summary.
    const upd = this.db.prepare(
      `UPDATE runs SET status = 'interrupted', ended_at = COALESCE(ended_at, ?),
         error = COALESCE(error, 'the process running it stopped before it ended')
       WHERE id = ? AND status IN ('starting', 'running')`,
    );
    const lastSecond = this.db.prepare(
      `SELECT r.started_at AS started, (SELECT MAX(second) FROM run_seconds WHERE run_id = r.id) AS last
       FROM runs r WHERE r.id = ?`,
    );
    return this.db.transaction(() =>
      dead.filter((id) => {
        const row = lastSecond.get(id) as { started: number | null; last: number | null };
        const ended =
          row.started !== null && row.last !== null ? row.started + (row.last + 1) * 1000 : Date.now();
        return upd.run(ended, id).changes > 0;
      }),
    )();
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

  /**
   * Active runs sending to `target` (host:port), other than `exceptId`, after runs whose processes
   * are gone became interrupted (a crashed run's stale row blocks nothing).
   */
  activeOnTarget(
    target: string,
    isAlive: (p: ProcessRef) => boolean,
    exceptId?: string,
  ): { id: string; source: RunSource; name: string; target: string }[] {
    this.reconcile(isAlive);
    return this.db
      .prepare(
        `SELECT id, source, name, target FROM runs
         WHERE status IN ('starting', 'running') AND target = ? AND id != ? ORDER BY created_at`,
      )
      .all(target, exceptId ?? '') as { id: string; source: RunSource; name: string; target: string }[];
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

  /**
   * A run by id, or by a unique id prefix of at least `minPrefix` characters (the CLI shows 8;
   * the API without a token asks for 8, so ids cannot be guessed from 4).
   */
  resolveId(idOrPrefix: string, minPrefix = 4): string | undefined {
    const exact = this.db.prepare('SELECT id FROM runs WHERE id = ?').get(idOrPrefix) as
      { id: string } | undefined;
    if (exact) return exact.id;
    if (idOrPrefix.length < minPrefix || !/^[0-9a-f-]+$/i.test(idOrPrefix)) return undefined;
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
    protocol: string;
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
        `SELECT second, protocol, scenario, method, name, requests, failures, avg_ms AS avgMs,
           p50_ms AS p50Ms, p95_ms AS p95Ms, p99_ms AS p99Ms, max_ms AS maxMs
         FROM endpoint_seconds WHERE run_id = ? ORDER BY protocol, scenario, method, name, second`,
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
