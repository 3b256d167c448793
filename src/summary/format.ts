/**
 * Number formatting for people: durations, counts, bytes, tables. It sits with the summary model
 * because the summary's own messages use it, and every layer that prints (analysis, report, cli) reads it.
 */
import { kneeSignal, type Knee } from './knee.js';
import { atSecondText } from './sustained.js';

export function ms(v: number): string {
  if (v >= 10_000) return `${(v / 1000).toFixed(1)}s`;
  if (v >= 1000) return `${(v / 1000).toFixed(2)}s`;
  if (v >= 100) return `${v.toFixed(0)}ms`;
  if (v >= 10) return `${v.toFixed(1)}ms`;
  if (v >= 1) return `${v.toFixed(2)}ms`;
  return `${(v * 1000).toFixed(0)}µs`;
}

export function count(v: number): string {
  return Number.isInteger(v)
    ? v.toLocaleString('en-US')
    : v.toLocaleString('en-US', { maximumFractionDigits: 1 });
}

export function bytes(v: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v.toFixed(u === 0 ? 0 : 1)} ${units[u]}`;
}

/**
 * A ratio (0..1) as a percentage with two decimals: the one rounding every report and the
 * dashboard use (web/src/format.ts `fmtPct` applies the same rule). Documents keep the full
 * ratio; only this display rounds. A ratio that is not 0 never shows as 0.00%, and one short of 1
 * never as 100.00% (one failure in 100,000 is not "no failures").
 */
export function pct(v: number): string {
  const p = v * 100;
  if (p > 0 && p < 0.005) return '<0.01%';
  if (p < 100 && p >= 99.995) return '>99.99%';
  return `${p.toFixed(2)}%`;
}

/** A metric's value for people: ms for time trends, a percentage for rates, else a number. */
export function metricValue(m: { type: string; contains: string } | undefined, v: number | null): string {
  if (v === null) return '—';
  if (m?.contains === 'time') return ms(v);
  if (m?.type === 'rate') return pct(v);
  return Number.isInteger(v) ? String(v) : String(+v.toFixed(3));
}

/** Renders rows as an aligned text table; the first row is the header. Numeric-looking cells align right. */
export function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, [...c].length)));
  const pad = (c: string, i: number, right: boolean): string => {
    const fill = ' '.repeat((widths[i] as number) - [...c].length);
    return right ? fill + c : c + fill;
  };
  return rows
    .map((r, ri) =>
      r
        .map((c, i) => pad(c, i, ri > 0 && i > 0 && /^[\d.,-]/.test(c)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** The knee in one line, the same in every report: `knee (errors) at 5 s, 284 arrivals/s: …`. */
export function kneeLine(k: Knee): string {
  if (!k.detected) return k.detail;
  const at = k.atSecond === null ? '' : ` at ${atSecondText(k.atSecond)}`;
  const load = k.load
    ? k.loadModel === 'closed'
      ? ` with ${k.load.vus} VUs`
      : ` at ${k.load.iterationsPerSec} arrivals/s`
    : '';
  return `knee (${kneeSignal(k) ?? '—'})${at}${load}: ${k.detail}`;
}
