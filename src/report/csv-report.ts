/**
 * `volley report --format csv` and `--out csv=FILE`: one row per second of the run (RFC 4180).
 * The live output and the report share the header and the row formatting here.
 */
import type { Snapshot } from '../engine/snapshot.js';
import type { SeriesPoint } from '../store/types.js';
import type { Summary } from '../summary/summary.js';

export const CSV_BASE_COLUMNS = [
  'second',
  'time',
  'requests',
  'failures',
  'error_rate',
  'iterations',
  'dropped',
  'vus',
  'p50_ms',
  'p90_ms',
  'p95_ms',
  'p99_ms',
  'max_ms',
  'avg_ms',
  'generator_cpu_percent',
  'generator_saturated',
] as const;

/** RFC 4180: a field with a comma, quote, CR or LF is quoted, quotes doubled. */
export function csvField(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' ? csvNumber(v) : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function csvNumber(v: number): string {
  if (!Number.isFinite(v)) return '';
  return Number.isInteger(v) ? String(v) : String(+v.toFixed(3));
}

/** RFC 4180 records end with CRLF. */
export const csvLine = (fields: (string | number | boolean | null | undefined)[]): string =>
  `${fields.map(csvField).join(',')}\r\n`;

export function csvHeader(monitored: readonly string[]): string {
  return csvLine([...CSV_BASE_COLUMNS, ...monitored]);
}

/** One second: the series point plus the monitored metrics' values in header order. */
export function csvRow(p: SeriesPoint, monitored: readonly (number | null | undefined)[]): string {
  const l = p.latency;
  const errorRate = p.requests > 0 ? p.failures / p.requests : 0;
  const fields: (string | number | boolean | null)[] = [
    p.second,
    p.time,
    p.requests,
    p.failures,
    // The full ratio (as a string, so csvNumber's 3-decimal rounding of ms values does not apply).
    String(errorRate),
    p.iterations,
    p.dropped,
    p.vus,
    l.p50,
    l.p90,
    l.p95,
    l.p99,
    l.max,
    l.avg,
    p.cpuPercent,
    p.saturated,
  ];
  for (const v of monitored) fields.push(v ?? null);
  return csvLine(fields);
}

/** The monitored metrics (target_*, prom_*) of a live snapshot, by name. */
export function snapshotMonitored(s: Snapshot): string[] {
  return Object.keys(s.metrics)
    .filter((n) => n.startsWith('target_') || n.startsWith('prom_'))
    .sort();
}

export function renderSeriesCsv(summary: Summary): string {
  const names = Object.keys(summary.monitored ?? {}).sort();
  let out = csvHeader(names);
  (summary.series ?? []).forEach((p, i) => {
    out += csvRow(
      p,
      names.map((n) => summary.monitored[n]?.[i] ?? null),
    );
  });
  return out;
}
