/**
 * Scheduled regression runs: `volley serve` keeps schedules (a cron, a run body, a baseline, a
 * tolerance, webhooks) in the store, starts each due one through the RunManager like an API run,
 * compares the run with its baseline (`volley compare`'s comparison) and posts the webhooks when
 * the run's SLOs failed or it regressed. A schedule due while another run is active is skipped,
 * and the skip is recorded: a nightly run that starts hours late measures another night.
 */
import { randomUUID } from 'node:crypto';
import { Cron } from 'croner';
import { compareSummaries, DEFAULT_OPTIONS, type Comparison } from '../analysis/compare.js';
import type { RunStore } from '../store/run-store.js';
import {
  ScheduleStore,
  type FiringItem,
  type FiringOutcome,
  type NewSchedule,
  type ScheduleChange,
  type ScheduleItem,
  type ScheduleWebhook,
  type WebhookDelivery,
} from '../store/schedule-store.js';
import { ApiProblem, type RunManager } from './run-manager.js';
import type { CreateRunBody, ScheduleListItem, ScheduleWebhookBody } from './wire.js';

/** How long one webhook may take to answer before it is recorded as failed. */
const WEBHOOK_TIMEOUT_MS = 10_000;

/** Why a cron expression cannot be a schedule's, or undefined. */
export function cronProblem(cron: string): string | undefined {
  let next: Date | null;
  try {
    next = new Cron(cron).nextRun();
  } catch (err) {
    return `cron: '${cron}' is not a cron expression: ${(err as Error).message.replace(/^CronPattern: /, '')}`;
  }
  if (next === null) return `cron: '${cron}' never fires`;
  return undefined;
}

export interface SchedulerOptions {
  store: RunStore;
  manager: RunManager;
  /** The dashboard's address, for the run link in webhooks (known once the server listens). */
  dashboardUrl: () => string;
  log: (line: string) => void;
}

export class Scheduler {
  private readonly schedules: ScheduleStore;
  private readonly jobs = new Map<string, Cron>();
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;

  constructor(private readonly opts: SchedulerOptions) {
    this.schedules = new ScheduleStore(opts.store.database);
  }

  /** Arms every stored schedule that is not paused; closes firings a stopped server left open. */
  start(): void {
    const open = this.schedules.closeInterrupted();
    if (open > 0)
      this.opts.log(`${open} schedule firing(s) left running by a stopped server are marked error`);
    for (const s of this.schedules.list()) this.arm(s);
  }

  list(): ScheduleListItem[] {
    return this.schedules.list().map((s) => this.listItem(s));
  }

  get(id: string): ScheduleListItem {
    const s = this.schedules.get(id);
    if (!s) throw new ApiProblem(404, `no schedule ${id}`);
    return this.listItem(s);
  }

  firings(id: string, limit: number): FiringItem[] {
    this.get(id);
    return this.schedules.firings(id, limit);
  }

  create(s: Omit<NewSchedule, 'id'>): ScheduleListItem {
    const created = this.schedules.create({ ...s, id: randomUUID() });
    this.arm(created);
    this.opts.log(`schedule ${created.id} (${created.name}) created: ${created.cron}`);
    return this.listItem(created);
  }

  update(id: string, change: ScheduleChange): ScheduleListItem {
    const updated = this.schedules.update(id, change);
    if (!updated) throw new ApiProblem(404, `no schedule ${id}`);
    this.arm(updated);
    return this.listItem(updated);
  }

  delete(id: string): void {
    this.disarm(id);
    if (!this.schedules.delete(id)) throw new ApiProblem(404, `no schedule ${id}`);
  }

  /** Stops firing and waits for the firings in flight (their runs are stopped by the manager). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const id of [...this.jobs.keys()]) this.disarm(id);
    await Promise.allSettled([...this.inFlight]);
  }

  private listItem(s: ScheduleItem): ScheduleListItem {
    const next = this.jobs.get(s.id)?.nextRun() ?? null;
    return {
      ...s,
      nextFireAt: next === null ? null : next.toISOString(),
      lastFiring: this.schedules.lastFiring(s.id) ?? null,
    };
  }

  private arm(s: ScheduleItem): void {
    this.disarm(s.id);
    if (s.paused || this.stopped) return;
    const job = new Cron(s.cron, { protect: true }, () => {
      const p = this.fire(s.id).catch((err: unknown) =>
        this.opts.log(`schedule ${s.id}: firing failed: ${(err as Error).stack ?? String(err)}`),
      );
      this.inFlight.add(p);
      void p.finally(() => this.inFlight.delete(p));
      return p;
    });
    this.jobs.set(s.id, job);
  }

  private disarm(id: string): void {
    this.jobs.get(id)?.stop();
    this.jobs.delete(id);
  }

  /** One firing: run, wait for its end, compare, notify, record. */
  async fire(id: string): Promise<void> {
    const s = this.schedules.get(id);
    if (!s || s.paused || this.stopped) return;
    const firedAt = Date.now();
    const busy = this.opts.manager.activeId;
    if (busy !== undefined) {
      const firing = this.schedules.startFiring(id, firedAt, 'skipped');
      this.schedules.endFiring(firing, { outcome: 'skipped', error: `run ${busy} was active` });
      this.opts.log(`schedule ${id} (${s.name}) skipped: run ${busy} is active`);
      return;
    }
    const firing = this.schedules.startFiring(id, firedAt);
    try {
      await this.runFiring(s, firing, firedAt);
    } catch (err) {
      // Whatever went wrong, the firing ends: a row left 'running' would read as a run in progress.
      this.schedules.endFiring(firing, {
        outcome: 'error',
        error: `internal error: ${(err as Error).message}`,
      });
      throw err;
    }
  }

  private async runFiring(s: ScheduleItem, firing: number, firedAt: number): Promise<void> {
    const id = s.id;
    let runId: string;
    try {
      runId = this.opts.manager.start(s.run as unknown as CreateRunBody, 'schedule');
    } catch (err) {
      // Another process claimed the store between the check and the start: that is a skip too.
      const skipped = err instanceof ApiProblem && err.status === 409;
      const error = (err as Error).message;
      if (skipped) {
        this.schedules.endFiring(firing, { outcome: 'skipped', error });
        this.opts.log(`schedule ${id} (${s.name}) skipped: ${error}`);
        return;
      }
      await this.finish(s, firing, firedAt, { outcome: 'error', error });
      return;
    }
    this.schedules.setFiringRun(firing, runId);
    this.opts.log(`schedule ${id} (${s.name}) fired: run ${runId}`);
    await this.opts.manager.ended(runId);
    const run = this.opts.store.get(runId);
    if (!run?.summary) {
      await this.finish(s, firing, firedAt, {
        outcome: 'error',
        runId,
        runVerdict: run?.verdict ?? null,
        error: run?.error ?? `the run ended ${run?.status ?? 'without a row'} and has no summary`,
      });
      return;
    }
    const baselineRunId =
      s.baseline === 'previous' ? this.schedules.previousRun(id, firing) : this.fixedBaseline(s.baseline);
    let comparison: Comparison | undefined;
    let compareError: string | undefined;
    const base = baselineRunId === undefined ? undefined : this.opts.store.get(baselineRunId);
    if (baselineRunId !== undefined && !base?.summary)
      compareError = `baseline run ${baselineRunId} has no summary: not compared`;
    else if (base?.summary)
      try {
        comparison = compareSummaries(
          base.summary,
          run.summary,
          { base: { id: base.id, source: 'store' }, new: { id: runId, source: 'store' } },
          { ...DEFAULT_OPTIONS, tolerance: s.tolerance },
        );
      } catch (err) {
        compareError = `comparison failed: ${(err as Error).message}`;
      }
    const regressed = comparison?.verdict === 'regressed';
    const outcome: FiringOutcome = run.verdict !== 'passed' ? 'failed' : regressed ? 'regressed' : 'passed';
    await this.finish(s, firing, firedAt, {
      outcome,
      runId,
      baselineRunId: base?.summary ? base.id : (baselineRunId ?? null),
      runVerdict: run.verdict,
      regressed,
      regressions: comparison?.regressions.map((r) => r.message) ?? [],
      error: compareError ?? null,
    });
  }

  /** A fixed baseline's full id; an unknown or ambiguous prefix is kept as given (then "not compared"). */
  private fixedBaseline(idOrPrefix: string): string {
    try {
      return this.opts.store.resolveId(idOrPrefix, 8) ?? idOrPrefix;
    } catch {
      return idOrPrefix;
    }
  }

  /** Records the end of a firing, posting the webhooks first when it did not pass. */
  private async finish(
    s: ScheduleItem,
    firing: number,
    firedAt: number,
    end: {
      outcome: FiringOutcome;
      runId?: string;
      baselineRunId?: string | null;
      runVerdict?: string | null;
      regressed?: boolean;
      regressions?: string[];
      error?: string | null;
    },
  ): Promise<void> {
    let webhooks: WebhookDelivery[] = [];
    if (this.stopped && end.outcome !== 'passed') {
      // The server's own shutdown stopped the run: that is no verdict on the target.
      end = {
        ...end,
        error: [end.error, 'the server was stopping: webhooks not posted'].filter(Boolean).join('; '),
      };
    } else if (end.outcome !== 'passed' && s.webhooks.length > 0) {
      const body: ScheduleWebhookBody = {
        schema: 'volley.schedule-firing/1',
        schedule: { id: s.id, name: s.name, cron: s.cron },
        firedAt: new Date(firedAt).toISOString(),
        verdict: end.outcome,
        runId: end.runId ?? null,
        runVerdict: end.runVerdict ?? null,
        regressed: end.regressed ?? false,
        regressions: end.regressions ?? [],
        baselineRunId: end.baselineRunId ?? null,
        tolerance: s.tolerance,
        dashboardUrl:
          end.runId === undefined
            ? `${this.opts.dashboardUrl()}/#/schedules`
            : `${this.opts.dashboardUrl()}/#/runs/${encodeURIComponent(end.runId)}`,
        error: end.error ?? null,
      };
      webhooks = await Promise.all(s.webhooks.map((w) => this.post(s, w, body)));
    }
    this.schedules.endFiring(firing, { ...end, webhooks });
    this.opts.log(
      `schedule ${s.id} (${s.name}): ${end.outcome}${end.runId ? ` (run ${end.runId})` : ''}${end.error ? `: ${end.error}` : ''}`,
    );
  }

  /** One webhook; its failure is recorded and logged, never thrown. */
  private async post(
    s: ScheduleItem,
    w: ScheduleWebhook,
    body: ScheduleWebhookBody,
  ): Promise<WebhookDelivery> {
    const payload = w.format === 'slack' ? slackMessage(body) : body;
    try {
      const res = await fetch(w.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'volley-schedules' },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (!res.ok) this.opts.log(`schedule ${s.id}: webhook ${safeHost(w.url)} answered ${res.status}`);
      return res.ok
        ? { url: w.url, format: w.format, status: res.status }
        : { url: w.url, format: w.format, status: res.status, error: `HTTP ${res.status}` };
    } catch (err) {
      const cause = (err as { cause?: { message?: string } }).cause?.message;
      const error = `${(err as Error).message}${cause ? `: ${cause}` : ''}`;
      this.opts.log(`schedule ${s.id}: webhook ${safeHost(w.url)} failed: ${error}`);
      return { url: w.url, format: w.format, status: null, error };
    }
  }
}

/** A webhook URL's host only: Slack's URLs carry their secret in the path. */
function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(bad URL)';
  }
}

const VERDICT_WORDS: Record<string, string> = {
  failed: 'failed its SLOs',
  regressed: 'regressed against its baseline',
  error: 'could not run',
  passed: 'passed',
};

/** Slack's incoming-webhook format: `text` for notifications, `blocks` for the message. */
export function slackMessage(b: ScheduleWebhookBody): { text: string; blocks: unknown[] } {
  const text = `volley schedule "${b.schedule.name}" ${VERDICT_WORDS[b.verdict] ?? b.verdict}${b.runId ? ` (run ${b.runId.slice(0, 8)})` : ''}`;
  const lines = [
    `*${text}*`,
    `SLO verdict: ${b.runVerdict ?? 'none'} · regression: ${b.regressed ? 'yes' : 'no'}${b.baselineRunId ? ` (baseline ${b.baselineRunId.slice(0, 8)}, tolerance ${Math.round(b.tolerance * 1000) / 10}%)` : ''}`,
    ...b.regressions.slice(0, 10).map((r) => `• ${r}`),
    ...(b.error ? [`error: ${b.error}`] : []),
  ];
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } },
      {
        type: 'actions',
        elements: [
          { type: 'button', text: { type: 'plain_text', text: 'Open in volley' }, url: b.dashboardUrl },
        ],
      },
    ],
  };
}
