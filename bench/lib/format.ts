/** Markdown tables and number formatting for the report. Missing numbers print as "-". */

export function ms(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return '-';
  if (v < 10) return v.toFixed(2);
  if (v < 100) return v.toFixed(1);
  return v.toFixed(0);
}

export function int(v: number | undefined): string {
  return v === undefined || !Number.isFinite(v) ? '-' : Math.round(v).toString();
}

export function pct(v: number | undefined): string {
  return v === undefined || !Number.isFinite(v) ? '-' : `${Math.round(v)}%`;
}

export function ratio(a: number | undefined, b: number | undefined, digits = 2): string {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0)
    return 'n/a';
  return `${(a / b).toFixed(digits)}×`;
}

export function median(xs: readonly (number | undefined)[]): number | undefined {
  const v = xs.filter((x): x is number => x !== undefined && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return undefined;
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m] : ((v[m - 1] as number) + (v[m] as number)) / 2;
}

/** `align`: one letter per column, 'l' or 'r' (default: first column left, the rest right). */
export function table(head: readonly string[], rows: readonly (readonly string[])[], align?: string): string {
  const a = head.map((_, i) => ((align?.[i] ?? (i === 0 ? 'l' : 'r')) === 'r' ? '---:' : '---'));
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  return [
    `| ${head.join(' | ')} |`,
    `|${a.join('|')}|`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}
