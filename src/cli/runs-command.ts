/** `volley runs`: the run history in the store — list, show, delete, prune. */
import { summaryHeadline } from '../summary/headline.js';
import { tryParseDurationMs } from '../config/duration.js';
import { VolleyError } from '../errors.js';
import { count, ms, table } from '../summary/format.js';
import { renderSummary } from '../report/terminal.js';
import { processAlive } from '../store/pid-alive.js';
import type { RunStore } from '../store/run-store.js';
import type { RunListItem } from '../store/types.js';
import { ExitCode, type ExitCodeValue } from './exit-codes.js';
import type { CliIO } from './io.js';
import { volleyCommand } from './self-command.js';
import { openStore, type StoreFlags } from './store-flags.js';

function withStore<T>(flags: StoreFlags, io: CliIO, fn: (store: RunStore) => T): T {
  const store = openStore(flags, io);
  try {
    store.reconcile(processAlive);
    return fn(store);
  } finally {
    store.close();
  }
}

function mustResolve(store: RunStore, id: string, io: Pick<CliIO, 'env'>): string {
  const full = store.resolveId(id);
  if (!full)
    throw new VolleyError('INVALID_USAGE', `no run '${id}' in ${store.path}`, {
      hint: `${volleyCommand(io.env)} runs lists them`,
    });
  return full;
}

const dash = '—';
/** The most runs one listing shows (SQLite takes LIMIT as a 64-bit integer: 1e20 is not one). */
const MAX_LIST = 10_000;
/** --older-than beyond a century would put the cut-off before 1970. */
const MAX_AGE_MS = 36_500 * 86_400_000;

function row(r: RunListItem): string[] {
  return [
    r.id.slice(0, 8),
    r.createdAt.replace('T', ' ').slice(0, 19),
    r.status,
    r.verdict ?? dash,
    r.source,
    r.rps === null ? dash : r.rps.toFixed(1),
    r.p99Ms === null ? dash : ms(r.p99Ms),
    r.errorRate === null ? dash : `${(r.errorRate * 100).toFixed(2)}%`,
    r.requests === null ? dash : count(r.requests),
    r.durationMs === null ? dash : `${(r.durationMs / 1000).toFixed(1)}s`,
    r.name,
  ];
}

export function runsListCommand(
  flags: StoreFlags & { limit?: string; json?: boolean },
  io: CliIO,
): ExitCodeValue {
  const limit = flags.limit === undefined ? 20 : Number(flags.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST)
    throw new VolleyError(
      'INVALID_USAGE',
      `--limit must be an integer from 1 to ${MAX_LIST} (got '${flags.limit}')`,
    );
  return withStore(flags, io, (store) => {
    const runs = store.list({ limit });
    if (flags.json) {
      io.stdout(`${JSON.stringify(runs, null, 2)}\n`);
      return ExitCode.OK;
    }
    if (runs.length === 0) {
      io.stdout(`no runs in ${store.path} yet\n`);
      return ExitCode.OK;
    }
    const header = [
      'ID',
      'CREATED (UTC)',
      'STATUS',
      'VERDICT',
      'SOURCE',
      'REQ/S',
      'P99',
      'FAILED',
      'REQUESTS',
      'DURATION',
      'NAME',
    ];
    io.stdout(`${table([header, ...runs.map(row)])}\n`);
    io.stderr(`${runs.length} run(s) from ${store.path}\n`);
    return ExitCode.OK;
  });
}

export function runsShowCommand(
  id: string,
  flags: StoreFlags & { json?: boolean; percentile?: string[]; metric?: string },
  io: CliIO,
): ExitCodeValue {
  const ps = (flags.percentile ?? []).map((p) => {
    const n = Number(p);
    if (!Number.isFinite(n) || n <= 0 || n > 100)
      throw new VolleyError('INVALID_USAGE', `--percentile must be a number in (0, 100] (got '${p}')`);
    return n;
  });
  return withStore(flags, io, (store) => {
    const full = mustResolve(store, id, io);
    const run = store.get(full);
    if (!run) throw new VolleyError('INVALID_USAGE', `no run '${id}'`);
    // Default: the run's headline duration (its main protocol's).
    const metric = flags.metric ?? summaryHeadline(run.summary ?? { metrics: {} }).duration;
    const recomputed = ps.length > 0 ? store.percentiles(full, metric, ps) : undefined;
    if (ps.length > 0 && !recomputed)
      throw new VolleyError('INVALID_USAGE', `run ${full.slice(0, 8)} has no stored histogram of ${metric}`, {
        hint: `stored: ${store.histogramMetrics(full).join(', ') || 'none'}`,
      });
    if (flags.json) {
      const { pid: _pid, config: _config, ...rest } = run;
      io.stdout(
        `${JSON.stringify(recomputed ? { ...rest, percentiles: { [metric]: recomputed } } : rest, null, 2)}\n`,
      );
      return ExitCode.OK;
    }
    io.stdout(
      `run ${run.id}  ${run.status}${run.verdict ? ` (${run.verdict})` : ''}  source ${run.source}  ${run.name}\n` +
        `created ${run.createdAt}${run.startedAt ? `  started ${run.startedAt}` : ''}${run.endedAt ? `  ended ${run.endedAt}` : ''}\n`,
    );
    if (run.error) io.stdout(`error: ${run.error}\n`);
    if (run.summary) io.stdout(renderSummary(run.summary, { color: io.color }));
    else {
      const points = store.series(full);
      io.stdout(`${points.length} second(s) stored, no summary (the run did not reach its end)\n`);
    }
    if (recomputed) {
      io.stdout(
        `\n${metric} recomputed from the stored histogram (${count(recomputed.count ?? 0)} samples):\n`,
      );
      for (const p of ps) io.stdout(`  p(${p}) = ${ms(recomputed[`p(${p})`] ?? 0)}\n`);
    }
    return ExitCode.OK;
  });
}

export function runsDeleteCommand(ids: string[], flags: StoreFlags, io: CliIO): ExitCodeValue {
  return withStore(flags, io, (store) => {
    for (const id of ids) {
      const full = mustResolve(store, id, io);
      store.delete(full);
      io.stderr(`deleted run ${full}\n`);
    }
    return ExitCode.OK;
  });
}

export function runsPruneCommand(flags: StoreFlags & { olderThan?: string }, io: CliIO): ExitCodeValue {
  if (flags.olderThan === undefined)
    throw new VolleyError('INVALID_USAGE', 'volley runs prune needs --older-than, e.g. --older-than 30d');
  const age = tryParseDurationMs(flags.olderThan);
  if (age === undefined || age <= 0 || age > MAX_AGE_MS)
    throw new VolleyError(
      'INVALID_USAGE',
      age !== undefined && age > MAX_AGE_MS
        ? `--older-than: '${flags.olderThan}' is more than 36500d`
        : `--older-than: malformed duration '${flags.olderThan}' (e.g. 30d, 12h)`,
    );
  return withStore(flags, io, (store) => {
    const n = store.prune(new Date(Date.now() - age));
    io.stdout(`pruned ${n} run(s) created more than ${flags.olderThan} ago from ${store.path}\n`);
    return ExitCode.OK;
  });
}
