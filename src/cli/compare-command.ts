/** `volley compare BASE NEW`: reads two summaries (files or stored runs), prints the deltas, exits 98 on a regression. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import {
  compareSummaries,
  endpointLabel,
  formatDelta,
  formatDeltaPct,
  formatValue,
  parseFraction,
  parseMetricSelector,
  type CompareOptions,
  type CompareRow,
  type Comparison,
  type RunRef,
} from '../analysis/compare.js';
import { VolleyError } from '../errors.js';
import { parseOutSpec, writeJsonSummary } from '../outputs/files.js';
import { table } from '../report/format.js';
import { SUMMARY_SCHEMA, type Summary } from '../report/summary.js';
import { RunStore } from '../store/run-store.js';
import { ExitCode, type ExitCodeValue } from './exit-codes.js';
import type { CliIO } from './io.js';
import { dbPath, type StoreFlags } from './store-flags.js';

export interface CompareFlags extends StoreFlags {
  tolerance?: string;
  metric?: string[];
  out?: string[];
  minDeltaMs?: string;
  minDeltaRate?: string;
  minRequests?: string;
  quiet?: boolean;
}

/** A parsed document -> the summary in it: `volley.summary/1`, or the last line of an NDJSON stream. */
function asSummary(doc: unknown, label: string, what: string): Summary {
  const o = doc as { schema?: unknown; summary?: unknown; metrics?: unknown } | null;
  if (o && typeof o === 'object' && o.schema === 'volley.summary-line/1')
    return asSummary(o.summary, label, what);
  if (o && typeof o === 'object' && o.schema === SUMMARY_SCHEMA) {
    const s = o as Partial<Summary>;
    if (typeof s.metrics !== 'object' || !Array.isArray(s.endpoints) || typeof s.config !== 'object')
      throw new VolleyError(
        'INVALID_USAGE',
        `${label} ${what}: a ${SUMMARY_SCHEMA} document without metrics, endpoints or config`,
      );
    return o as Summary;
  }
  const schema = o && typeof o === 'object' && typeof o.schema === 'string' ? o.schema : undefined;
  throw new VolleyError(
    'INVALID_USAGE',
    schema
      ? `${label} ${what} is a '${schema}' document, not a ${SUMMARY_SCHEMA} summary`
      : `${label} ${what} is not a volley summary (no "schema": "${SUMMARY_SCHEMA}")`,
    { hint: 'write one with volley run --out json=FILE, or pass a stored run id (volley runs)' },
  );
}

function parseText(text: string, label: string, what: string): Summary {
  const trimmed = text.trim();
  if (trimmed === '') throw new VolleyError('INVALID_USAGE', `${label} ${what} is empty`);
  try {
    return asSummary(JSON.parse(trimmed), label, what);
  } catch (err) {
    if (err instanceof VolleyError) throw err;
    // An NDJSON stream (--out ndjson=FILE): its last line carries the summary.
    const last = trimmed.slice(trimmed.lastIndexOf('\n') + 1);
    if (last !== trimmed) {
      try {
        return asSummary(JSON.parse(last), label, what);
      } catch (e2) {
        if (e2 instanceof VolleyError && !/not a volley summary|is a '/.test(e2.message)) throw e2;
      }
    }
    throw new VolleyError('INVALID_USAGE', `${label} ${what} is not valid JSON: ${(err as Error).message}`);
  }
}

const looksLikeId = (s: string): boolean => /^[0-9a-f-]{4,}$/i.test(s);

interface Loaded {
  summary: Summary;
  ref: RunRef;
}

/** A file that exists wins; then `-` (stdin); then a run id or prefix in the store. */
function load(
  arg: string,
  label: 'BASE' | 'NEW',
  flags: CompareFlags,
  io: CliIO,
  stdin: () => string,
  store: () => RunStore,
): Loaded {
  if (arg === '-') {
    const s = parseText(stdin(), label, 'from stdin');
    return { summary: s, ref: { id: s.runId, source: 'stdin' } };
  }
  if (existsSync(arg)) {
    if (!statSync(arg).isFile())
      throw new VolleyError('INVALID_USAGE', `${label} '${arg}' is a directory, not a summary file`);
    let text: string;
    try {
      text = readFileSync(arg, 'utf8');
    } catch (err) {
      throw new VolleyError(
        'UNREADABLE_FILE',
        `${label} '${arg}': cannot read (${(err as NodeJS.ErrnoException).code})`,
      );
    }
    const s = parseText(text, label, `'${arg}'`);
    return { summary: s, ref: { id: s.runId, source: arg } };
  }
  const db = dbPath(flags, io.env).path;
  if (!looksLikeId(arg))
    throw new VolleyError('INVALID_USAGE', `${label} '${arg}': no such file`, {
      hint: 'BASE and NEW are summary files (volley run --out json=FILE) or stored run ids (volley runs)',
    });
  if (!existsSync(db))
    throw new VolleyError(
      'INVALID_USAGE',
      `${label} '${arg}': no such file, and no run store at ${db} to look the id up in`,
      {
        hint: 'pass --db PATH (or VOLLEY_DB) for stored runs',
      },
    );
  const st = store();
  const id = st.resolveId(arg);
  if (!id)
    throw new VolleyError(
      'INVALID_USAGE',
      `${label} '${arg}': no such file, and no run '${arg}' in ${st.path}`,
      {
        hint: 'volley runs lists the stored runs',
      },
    );
  const run = st.get(id);
  if (!run?.summary)
    throw new VolleyError(
      'INVALID_USAGE',
      `${label} run ${id.slice(0, 8)} has no summary (status ${run?.status ?? 'unknown'}): it did not finish`,
    );
  return {
    summary: asSummary(run.summary, label, `run ${id.slice(0, 8)}`),
    ref: { id, source: `store:${st.path}` },
  };
}

function number(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  const v = Number(text.replace(/ms$/, ''));
  if (text.trim() === '' || !Number.isFinite(v) || v < 0)
    throw new VolleyError('INVALID_USAGE', `${flag} must be a number >= 0 (got '${text}')`);
  return v;
}

/** Parses every flag and reports every problem at once. */
function parseOptions(flags: CompareFlags): { opts: Partial<CompareOptions>; outs: string[] } {
  const problems: string[] = [];
  const attempt = <T>(fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof VolleyError) problems.push(err.message);
      else throw err;
      return undefined;
    }
  };
  const opts: Partial<CompareOptions> = {};
  const tol = attempt(() => (flags.tolerance === undefined ? undefined : parseFraction(flags.tolerance)));
  if (tol !== undefined) opts.tolerance = tol;
  const rate = attempt(() =>
    flags.minDeltaRate === undefined ? undefined : parseFraction(flags.minDeltaRate, '--min-delta-rate'),
  );
  if (rate !== undefined) opts.minDeltaRate = rate;
  const ms = attempt(() => number(flags.minDeltaMs, '--min-delta-ms', 1));
  if (ms !== undefined) opts.minDeltaMs = ms;
  const mr = attempt(() => number(flags.minRequests, '--min-requests', 50));
  if (mr !== undefined) opts.minRequests = mr;
  const metrics = (flags.metric ?? []).map((m) => attempt(() => parseMetricSelector(m)));
  if (metrics.length > 0) opts.metrics = metrics.filter((m) => m !== undefined);
  const outs: string[] = [];
  for (const o of flags.out ?? []) {
    const spec = attempt(() => parseOutSpec(o));
    if (!spec) continue;
    if (spec.kind !== 'json') problems.push(`--out '${o}': volley compare writes json=FILE or json=- only`);
    else outs.push(spec.target);
  }
  if (problems.length > 0)
    throw new VolleyError('INVALID_USAGE', problems[0] as string, { details: problems });
  return { opts, outs };
}

const short = (ref: RunRef): string => `${ref.id.slice(0, 8)} (${ref.source})`;

function statusCell(r: { status: string; gate: boolean }): string {
  if (r.status === 'ok' || r.status === 'added' || r.status === 'removed') return r.status;
  return r.gate ? r.status : `${r.status} (not gated)`;
}

function rowCells(label: string, r: CompareRow): string[] {
  return [
    label,
    r.base === null ? '—' : formatValue(r.base, r.unit),
    r.new === null ? '—' : formatValue(r.new, r.unit),
    formatDelta(r),
    formatDeltaPct(r.deltaRatio, r.delta),
    statusCell(r),
  ];
}

export function renderComparison(c: Comparison): string {
  const lines: string[] = [];
  lines.push(`volley compare — BASE ${short(c.base)} vs NEW ${short(c.new)}`);
  lines.push(
    `tolerance ${+(c.tolerance * 100).toFixed(2)}%; changes within ${c.floors.minDeltaMs} ms (latency) or ${+(c.floors.minDeltaRate * 100).toFixed(3)} pp (rates) never count; endpoints under ${c.floors.minRequests} requests do not gate`,
  );
  lines.push('');
  const header = ['METRIC', 'BASE', 'NEW', 'DELTA', 'DELTA %', 'STATUS'];
  lines.push(table([header, ...c.metrics.map((r) => rowCells(`${r.metric} ${r.stat}`, r))]));
  if (c.endpoints.length > 0) {
    lines.push('');
    const rows: string[][] = [['ENDPOINT', 'BASE', 'NEW', 'DELTA', 'DELTA %', 'STATUS']];
    for (const e of c.endpoints) {
      const reqs = `${e.requests.base ?? '—'} -> ${e.requests.new ?? '—'} requests`;
      rows.push([
        `${endpointLabel(e)}  (${reqs})`,
        '',
        '',
        '',
        '',
        e.gate || e.status === 'added' || e.status === 'removed'
          ? e.status
          : `${e.status} (too few requests to gate)`,
      ]);
      for (const r of e.rows) {
        const label =
          r.metric === 'http_req_failed' ? 'error rate' : r.metric === 'http_reqs' ? 'req/s' : r.stat;
        rows.push(rowCells(`  ${label}`, r));
      }
    }
    lines.push(table(rows));
  }
  lines.push('');
  if (c.verdict === 'passed') lines.push(`✓ PASSED: no regression beyond the tolerance`);
  else {
    lines.push(`✗ REGRESSED: ${c.regressions.length} regression(s)`);
    for (const r of c.regressions) lines.push(`  ✗ ${r.message}`);
  }
  return `${lines.join('\n')}\n`;
}

export function compareCommand(
  baseArg: string,
  newArg: string,
  flags: CompareFlags,
  io: CliIO,
  stdin: () => string = () => readFileSync(0, 'utf8'),
): ExitCodeValue {
  const { opts, outs } = parseOptions(flags);
  if (baseArg === '-' && newArg === '-')
    throw new VolleyError('INVALID_USAGE', 'only one of BASE and NEW can be - (stdin)');
  let store: RunStore | undefined;
  const openStore = (): RunStore => (store ??= RunStore.open(dbPath(flags, io.env).path));
  try {
    const base = load(baseArg, 'BASE', flags, io, stdin, openStore);
    const next = load(newArg, 'NEW', flags, io, stdin, openStore);
    const c = compareSummaries(base.summary, next.summary, { base: base.ref, new: next.ref }, opts);
    for (const w of c.warnings) io.stderr(`warning: ${w}\n`);
    for (const target of outs) {
      try {
        writeJsonSummary(target, c, io.stdout);
      } catch (err) {
        throw new VolleyError(
          'UNREADABLE_FILE',
          `--out json=${target}: cannot write there (${(err as NodeJS.ErrnoException).code})`,
        );
      }
    }
    if (!flags.quiet) {
      // With json=- the data owns stdout; the table moves to stderr.
      const human = renderComparison(c);
      if (outs.includes('-')) io.stderr(human);
      else io.stdout(human);
    }
    return c.verdict === 'regressed' ? ExitCode.REGRESSION : ExitCode.OK;
  } finally {
    store?.close();
  }
}
