/** Number formatting with units in the text: the dashboard never shows a bare number for a time. */

export const DASH = '—';

type Num = number | null | undefined;

const ok = (v: Num): v is number => typeof v === 'number' && Number.isFinite(v);

export function fmtInt(v: Num): string {
  return ok(v) ? Math.round(v).toLocaleString('en-US') : DASH;
}

/** 3 significant-ish digits: 0.412, 4.12, 41.2, 412, 4,120. */
export function fmtNum(v: Num): string {
  if (!ok(v)) return DASH;
  const a = Math.abs(v);
  if (a >= 1000) return Math.round(v).toLocaleString('en-US');
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  if (a === 0) return '0';
  return v.toFixed(3);
}

export function fmtMs(v: Num): string {
  if (!ok(v)) return DASH;
  if (v >= 10_000) return `${fmtNum(v / 1000)} s`;
  return `${fmtNum(v)} ms`;
}

/**
 * A ratio (0..1) as a percentage: the same rounding as the reports' `pct` (src/summary/format.ts),
 * so the error-rate card, the threshold row and the HTML report show one number. Two decimals; a
 * ratio that is not 0 never shows as 0.00 %, one short of 1 never as 100.00 %.
 */
export function fmtPct(ratio: Num, digits = 2): string {
  if (!ok(ratio)) return DASH;
  const p = ratio * 100;
  const step = 10 ** -digits;
  if (p > 0 && p < step / 2) return `<${step.toFixed(digits)} %`;
  if (p < 100 && p >= 100 - step / 2) return `>${(100 - step).toFixed(digits)} %`;
  return `${p.toFixed(digits)} %`;
}

export function fmtRps(v: Num): string {
  return ok(v) ? `${fmtNum(v)}/s` : DASH;
}

/** 75_000 → "1m 15s"; 3_725_000 → "1h 02m 05s". */
export function fmtDuration(ms: Num): string {
  if (!ok(ms)) return DASH;
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const pad = (n: number): string => String(n).padStart(2, '0');
  if (h > 0) return `${h}h ${pad(m)}m ${pad(s)}s`;
  if (m > 0) return `${m}m ${pad(s)}s`;
  return `${s}s`;
}

/** Seconds since start as m:ss (chart axes). */
export function fmtClock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

export function fmtDate(iso: string | null | undefined): string {
  if (!iso) return DASH;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return DASH;
  // Always the date with the time (a history spans days), both in the reader's time zone.
  const two = (n: number): string => String(n).padStart(2, '0');
  const date = `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`;
  return `${date} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

export function fmtMB(v: Num): string {
  return ok(v) ? `${fmtNum(v)} MB` : DASH;
}

/** Signed change and its percentage of the base; null when there is nothing to compare. */
export function fmtSignedPct(pct: number | null): string {
  if (pct === null) return DASH;
  const sign = pct > 0 ? '+' : pct < 0 ? '−' : '±';
  return `${sign}${Math.abs(pct) >= 100 ? Math.abs(pct).toFixed(0) : Math.abs(pct).toFixed(1)} %`;
}
