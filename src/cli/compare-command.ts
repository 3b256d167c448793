/** `volley compare BASE NEW`: reads two summaries (files or stored runs), prints the deltas, exits 98 on a regression. */
import { readFileSync } from 'node:fs';
import {
  compareSummaries,
  endpointLabel,
  formatDelta,
  formatDeltaPct,
  formatValue,
  parseCompareOptions,
  type CompareOptions,
  type CompareRow,
  type Comparison,
  type PercentileLookup,
  type RunRef,
} from '../analysis/compare.js';
import { VolleyError } from '../errors.js';
import { writeJsonSummary } from '../outputs/files.js';
import { parseOutSpec, type OutputSpec } from '../outputs/registry.js';
import { table } from '../summary/format.js';
import type { RunStore } from '../store/run-store.js';
import { ExitCode, type ExitCodeValue } from './exit-codes.js';
import type { CliIO } from './io.js';
import { loadSummary, type LoadedSummary } from './load-summary.js';
import { openStore as openStoreFlags, type StoreFlags } from './store-flags.js';

export interface CompareFlags extends StoreFlags {
  tolerance?: string;
  metric?: string[];
  out?: string[];
  minDeltaMs?: string;
  minDeltaRate?: string;
  minRequests?: string;
  quiet?: boolean;
}

/** BASE/NEW: a file, stdin, or a stored run (shared with volley report). */
function load(
  arg: string,
  label: 'BASE' | 'NEW',
  flags: CompareFlags,
  io: CliIO,
  stdin: () => string,
  store: () => RunStore,
): LoadedSummary {
  return loadSummary(
    arg,
    label,
    flags,
    io,
    stdin,
    store,
    'BASE and NEW are summary files (volley run --out json=FILE) or stored run ids (volley runs)',
  );
}

/** Parses every flag and reports every problem at once. */
function parseOptions(flags: CompareFlags): { opts: Partial<CompareOptions>; outs: string[] } {
  const { options: opts, problems } = parseCompareOptions(flags);
  const outs: string[] = [];
  for (const o of flags.out ?? []) {
    let spec: OutputSpec;
    try {
      spec = parseOutSpec(o);
    } catch (err) {
      if (!(err instanceof VolleyError)) throw err;
      problems.push(err.message);
      continue;
    }
    if (spec.kind !== 'json')
      problems.push(`--out '${o}' must be json=FILE or json=- (volley compare writes JSON only)`);
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
  lines.push(
    table([
      header,
      ...c.metrics.map((r) =>
        rowCells(
          `${r.metric} ${r.stat}${r.fromHistograms ? ' (histograms)' : ''}${r.tolerance !== undefined && r.tolerance !== c.tolerance ? ` (tolerance ${+(r.tolerance * 100).toFixed(2)}%)` : ''}`,
          r,
        ),
      ),
    ]),
  );
  if (c.capacity && c.capacity.length > 0) {
    lines.push('');
    lines.push('Capacity');
    for (const r of c.capacity) lines.push(`  ${r.message}  [${statusCell(r)}]`);
  }
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
        // An endpoint's rows: its protocol's duration (by statistic), failure rate and request rate.
        const label = r.unit === 'ratio' ? 'error rate' : r.unit === 'per-second' ? 'req/s' : r.stat;
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
  const openStore = (): RunStore => (store ??= openStoreFlags(flags, io));
  try {
    const base = load(baseArg, 'BASE', flags, io, stdin, openStore);
    const next = load(newArg, 'NEW', flags, io, stdin, openStore);
    // Runs read from the store: a percentile their summaries lack comes from the stored histograms.
    const lookup = (l: LoadedSummary): PercentileLookup | undefined =>
      l.ref.source.startsWith('store:')
        ? (metric, p) => openStore().percentiles(l.ref.id, metric, [p])?.[`p(${p})`]
        : undefined;
    const c = compareSummaries(
      base.summary,
      next.summary,
      { base: base.ref, new: next.ref },
      { ...opts, percentiles: { base: lookup(base), new: lookup(next) } },
    );
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
