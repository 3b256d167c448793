/**
 * The schedules and schedule_firings tables (migration 6): what `volley serve` runs on a cron,
 * and one row per firing with its outcome and the webhooks' answers. The store keeps the run
 * body and the webhooks as JSON; their shape is the server's (src/server/wire.ts).
 */
import type Database from 'better-sqlite3';

/** A webhook of a schedule: the generic JSON body, or Slack's incoming-webhook `{ text, blocks }`. */
export interface ScheduleWebhook {
  url: string;
  format: 'json' | 'slack';
}

export interface ScheduleItem {
  id: string;
  name: string;
  /** 5 fields (minute …), or 6 with seconds first. Evaluated in the server's time zone. */
  cron: string;
  /** The run body as `POST /api/runs` takes it. */
  run: Record<string, unknown>;
  /** A run id, or `previous`: the last run of this schedule that has a summary. */
  baseline: string;
  /** Relative tolerance of the comparison: 0.1 = 10%. */
  tolerance: number;
  webhooks: ScheduleWebhook[];
  paused: boolean;
  createdAt: string;
  updatedAt: string;
}

/**
 * passed: the run's SLOs held and it did not regress. failed: an SLO failed (or the run aborted).
 * regressed: SLOs held but `volley compare` against the baseline says regressed. error: the run
 * could not start or produced no summary. skipped: another run was active when it was due.
 */
export type FiringOutcome = 'passed' | 'failed' | 'regressed' | 'error' | 'skipped' | 'running';

export interface WebhookDelivery {
  url: string;
  format: 'json' | 'slack';
  /** The HTTP status answered; null when the request failed (see error). */
  status: number | null;
  error?: string;
}

export interface FiringItem {
  id: number;
  scheduleId: string;
  firedAt: string;
  endedAt: string | null;
  runId: string | null;
  baselineRunId: string | null;
  outcome: FiringOutcome;
  /** The run's own verdict (its SLOs): passed, failed, aborted, error. */
  runVerdict: string | null;
  regressed: boolean;
  /** The comparison's regression messages. */
  regressions: string[];
  webhooks: WebhookDelivery[];
  error: string | null;
}

interface ScheduleRow {
  id: string;
  name: string;
  cron: string;
  run_json: string;
  baseline: string;
  tolerance: number;
  webhooks_json: string;
  paused: number;
  created_at: number;
  updated_at: number;
}

interface FiringRow {
  id: number;
  schedule_id: string;
  fired_at: number;
  ended_at: number | null;
  run_id: string | null;
  baseline_run_id: string | null;
  outcome: FiringOutcome;
  run_verdict: string | null;
  regressed: number;
  regressions_json: string;
  webhooks_json: string;
  error: string | null;
}

const iso = (ms: number): string => new Date(ms).toISOString();

function scheduleItem(r: ScheduleRow): ScheduleItem {
  return {
    id: r.id,
    name: r.name,
    cron: r.cron,
    run: JSON.parse(r.run_json) as Record<string, unknown>,
    baseline: r.baseline,
    tolerance: r.tolerance,
    webhooks: JSON.parse(r.webhooks_json) as ScheduleWebhook[],
    paused: r.paused !== 0,
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  };
}

function firingItem(r: FiringRow): FiringItem {
  return {
    id: r.id,
    scheduleId: r.schedule_id,
    firedAt: iso(r.fired_at),
    endedAt: r.ended_at === null ? null : iso(r.ended_at),
    runId: r.run_id,
    baselineRunId: r.baseline_run_id,
    outcome: r.outcome,
    runVerdict: r.run_verdict,
    regressed: r.regressed !== 0,
    regressions: JSON.parse(r.regressions_json) as string[],
    webhooks: JSON.parse(r.webhooks_json) as WebhookDelivery[],
    error: r.error,
  };
}

export type NewSchedule = Omit<ScheduleItem, 'createdAt' | 'updatedAt'>;
export type ScheduleChange = Partial<Omit<NewSchedule, 'id'>>;

export interface FiringEnd {
  outcome: FiringOutcome;
  runId?: string | null;
  baselineRunId?: string | null;
  runVerdict?: string | null;
  regressed?: boolean;
  regressions?: string[];
  webhooks?: WebhookDelivery[];
  error?: string | null;
}

export class ScheduleStore {
  constructor(
    private readonly db: Database.Database,
    private readonly now: () => number = Date.now,
  ) {}

  list(): ScheduleItem[] {
    const rows = this.db.prepare('SELECT * FROM schedules ORDER BY created_at, id').all() as ScheduleRow[];
    return rows.map(scheduleItem);
  }

  get(id: string): ScheduleItem | undefined {
    const row = this.db.prepare('SELECT * FROM schedules WHERE id = ?').get(id) as ScheduleRow | undefined;
    return row && scheduleItem(row);
  }

  create(s: NewSchedule): ScheduleItem {
    const t = this.now();
    this.db
      .prepare(
        `INSERT INTO schedules (id, name, cron, run_json, baseline, tolerance, webhooks_json, paused, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        s.id,
        s.name,
        s.cron,
        JSON.stringify(s.run),
        s.baseline,
        s.tolerance,
        JSON.stringify(s.webhooks),
        s.paused ? 1 : 0,
        t,
        t,
      );
    return this.get(s.id) as ScheduleItem;
  }

  update(id: string, change: ScheduleChange): ScheduleItem | undefined {
    const current = this.get(id);
    if (!current) return undefined;
    const next = { ...current, ...change };
    this.db
      .prepare(
        `UPDATE schedules SET name = ?, cron = ?, run_json = ?, baseline = ?, tolerance = ?, webhooks_json = ?,
           paused = ?, updated_at = ? WHERE id = ?`,
      )
      .run(
        next.name,
        next.cron,
        JSON.stringify(next.run),
        next.baseline,
        next.tolerance,
        JSON.stringify(next.webhooks),
        next.paused ? 1 : 0,
        this.now(),
        id,
      );
    return this.get(id);
  }

  delete(id: string): boolean {
    return this.db.prepare('DELETE FROM schedules WHERE id = ?').run(id).changes > 0;
  }

  /** A firing begins: its row exists before the run does, so a crash mid-run still leaves a trace. */
  startFiring(scheduleId: string, firedAtMs: number, outcome: FiringOutcome = 'running'): number {
    const r = this.db
      .prepare('INSERT INTO schedule_firings (schedule_id, fired_at, outcome) VALUES (?, ?, ?)')
      .run(scheduleId, firedAtMs, outcome);
    return Number(r.lastInsertRowid);
  }

  endFiring(id: number, end: FiringEnd): void {
    const current = this.db.prepare('SELECT * FROM schedule_firings WHERE id = ?').get(id) as
      FiringRow | undefined;
    if (!current) return; // its schedule was deleted meanwhile
    const f = firingItem(current);
    this.db
      .prepare(
        `UPDATE schedule_firings SET ended_at = ?, outcome = ?, run_id = ?, baseline_run_id = ?, run_verdict = ?,
           regressed = ?, regressions_json = ?, webhooks_json = ?, error = ? WHERE id = ?`,
      )
      .run(
        this.now(),
        end.outcome,
        end.runId ?? f.runId,
        end.baselineRunId ?? f.baselineRunId,
        end.runVerdict ?? f.runVerdict,
        (end.regressed ?? f.regressed) ? 1 : 0,
        JSON.stringify(end.regressions ?? f.regressions),
        JSON.stringify(end.webhooks ?? f.webhooks),
        end.error ?? f.error,
        id,
      );
  }

  /** Records the run a firing started, as soon as it exists. */
  setFiringRun(id: number, runId: string): void {
    this.db.prepare('UPDATE schedule_firings SET run_id = ? WHERE id = ?').run(runId, id);
  }

  /** Newest first. */
  firings(scheduleId: string, limit = 100): FiringItem[] {
    const rows = this.db
      .prepare('SELECT * FROM schedule_firings WHERE schedule_id = ? ORDER BY fired_at DESC, id DESC LIMIT ?')
      .all(scheduleId, limit) as FiringRow[];
    return rows.map(firingItem);
  }

  lastFiring(scheduleId: string): FiringItem | undefined {
    return this.firings(scheduleId, 1)[0];
  }

  /**
   * The run of this schedule's latest firing that ended with a run (any outcome but error and
   * skipped), before the firing `beforeId`: the "previous" baseline.
   */
  previousRun(scheduleId: string, beforeId: number): string | undefined {
    const row = this.db
      .prepare(
        `SELECT run_id FROM schedule_firings
          WHERE schedule_id = ? AND id < ? AND run_id IS NOT NULL AND outcome IN ('passed', 'failed', 'regressed')
          ORDER BY id DESC LIMIT 1`,
      )
      .get(scheduleId, beforeId) as { run_id: string } | undefined;
    return row?.run_id;
  }

  /** Firings left 'running' by a server that stopped mid-run: they ended without a verdict. */
  closeInterrupted(): number {
    return this.db
      .prepare(
        `UPDATE schedule_firings SET outcome = 'error', ended_at = ?, error = 'the server stopped during this firing'
          WHERE outcome = 'running'`,
      )
      .run(this.now()).changes;
  }
}
