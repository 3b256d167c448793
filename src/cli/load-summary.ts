/**
 * Loading a summary for the commands that read one (compare, report): a summary file
 * (`--out json=FILE`), an NDJSON stream (`--out ndjson=FILE`, its last line), stdin (`-`), or a
 * stored run id/prefix.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { RunRef } from '../analysis/compare.js';
import { VolleyError } from '../errors.js';
import { SUMMARY_SCHEMA, type Summary } from '../summary/summary.js';
import type { RunStore } from '../store/run-store.js';
import type { CliIO } from './io.js';
import { volleyCommand } from './self-command.js';
import { dbPath, type StoreFlags } from './store-flags.js';

/** A parsed document -> the summary in it: `volley.summary/1`, or the last line of an NDJSON stream. */
export function asSummary(doc: unknown, label: string, what: string): Summary {
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

export function parseSummaryText(text: string, label: string, what: string): Summary {
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

export interface LoadedSummary {
  summary: Summary;
  ref: RunRef;
}

/**
 * A file that exists wins; then `-` (stdin); then a run id or prefix in the store.
 * `label` prefixes every message (BASE, NEW, RUN, --baseline); `hint` is shown for a missing file.
 */
export function loadSummary(
  arg: string,
  label: string,
  flags: StoreFlags,
  io: Pick<CliIO, 'env'>,
  stdin: () => string,
  store: () => RunStore,
  hint = 'pass a summary file (volley run --out json=FILE), an NDJSON stream (--out ndjson=FILE) or a stored run id (volley runs)',
): LoadedSummary {
  if (arg === '-') {
    const s = parseSummaryText(stdin(), label, 'from stdin');
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
    const s = parseSummaryText(text, label, `'${arg}'`);
    return { summary: s, ref: { id: s.runId, source: arg } };
  }
  const db = dbPath(flags, io.env).path;
  if (!looksLikeId(arg)) throw new VolleyError('INVALID_USAGE', `${label} '${arg}': no such file`, { hint });
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
        hint: `${volleyCommand(io.env)} runs lists the stored runs`,
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
