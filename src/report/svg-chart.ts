/**
 * A small, dependency-free SVG line chart for the static reports (HTML, Markdown). Pure: data in,
 * one `<svg>` string out, every text escaped. X is seconds since the start of the run; Y starts at
 * 0 with "nice" ticks (1, 2, 5 × 10^k) and a unit. Long runs are downsampled to at most
 * `MAX_POINTS` buckets by merging adjacent seconds: counts are summed (then divided by the bucket
 * length, so a per-second rate stays per-second) and maxima/percentiles take the bucket's maximum.
 */

export const MAX_POINTS = 600;

export interface ChartSeries {
  name: string;
  /** One value per second (index = second since start); null = no data that second. */
  values: readonly (number | null)[];
  color?: string;
  /** How adjacent seconds merge when downsampling: `sum` for counts per second, `max` for percentiles. */
  merge?: 'sum' | 'max' | 'mean';
  /** Drawn dashed and thinner: a baseline run overlaid on this one. */
  dashed?: boolean;
  /** Fill the area under the line (first series of a chart only, for readability). */
  area?: boolean;
}

export interface ChartOptions {
  title: string;
  /** Unit of the y axis: `ms`, `req/s`, `%`, `VUs`, … */
  unit: string;
  series: readonly ChartSeries[];
  width?: number;
  height?: number;
  /** Seconds of the first point (default 0). */
  startSecond?: number;
  /** Vertical dashed lines, each labelled at the top: phase boundaries (run second where each phase begins). */
  marks?: readonly ChartMark[];
}

/** A labelled vertical line at a run second (a phase's start). */
export interface ChartMark {
  second: number;
  label: string;
}

/** The chart marks of a run's phases: a line where each begins. */
export function phaseMarks(
  phases: { phases: readonly { name: string; startSecond: number }[] } | null | undefined,
): ChartMark[] {
  return (phases?.phases ?? []).map((p) => ({ second: p.startSecond, label: p.name }));
}

export const PALETTE = [
  '#2563eb',
  '#dc2626',
  '#16a34a',
  '#d97706',
  '#7c3aed',
  '#0891b2',
  '#db2777',
  '#4b5563',
];

export function escapeXml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Merges adjacent seconds into at most `max` buckets; returns the bucket size and merged values. */
export function downsample(
  values: readonly (number | null)[],
  merge: 'sum' | 'max' | 'mean',
  max = MAX_POINTS,
): { step: number; values: (number | null)[] } {
  const step = Math.max(1, Math.ceil(values.length / max));
  if (step === 1) return { step, values: [...values] };
  const out: (number | null)[] = [];
  for (let i = 0; i < values.length; i += step) {
    const chunk = values.slice(i, i + step).filter((v): v is number => v !== null && Number.isFinite(v));
    if (chunk.length === 0) {
      out.push(null);
      continue;
    }
    if (merge === 'max') out.push(Math.max(...chunk));
    // A count per second summed over the bucket, divided by the bucket's seconds: still per second.
    else if (merge === 'sum') out.push(chunk.reduce((a, b) => a + b, 0) / Math.min(step, values.length - i));
    else out.push(chunk.reduce((a, b) => a + b, 0) / chunk.length);
  }
  return { step, values: out };
}

/** Nice tick step for a range: 1, 2 or 5 × 10^k, about `target` ticks. */
export function niceStep(range: number, target = 5): number {
  if (!(range > 0)) return 1;
  const raw = range / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const r = raw / mag;
  return (r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10) * mag;
}

function tickLabel(v: number, unit: string): string {
  let s: string;
  if (Math.abs(v) >= 1_000_000) s = `${+(v / 1_000_000).toFixed(1)}M`;
  else if (Math.abs(v) >= 10_000) s = `${+(v / 1000).toFixed(1)}k`;
  else s = String(+v.toPrecision(4));
  return unit === '%' ? `${s}%` : s;
}

function timeLabel(sec: number): string {
  if (sec < 120) return `${sec}s`;
  const m = Math.floor(sec / 60);
  const s = Math.round(sec % 60);
  return s === 0 ? `${m}m` : `${m}m${s}s`;
}

const f = (v: number): string => (Math.round(v * 10) / 10).toString();

export function renderSvgChart(opts: ChartOptions): string {
  const W = opts.width ?? 720;
  const H = opts.height ?? 260;
  const padL = 58;
  const padR = 16;
  const padT = 30;
  const legendRows = Math.ceil(opts.series.length / 4);
  const padB = 34 + legendRows * 16;
  const plotW = W - padL - padR;
  const plotH = H - padT - padB;
  const start = opts.startSecond ?? 0;

  const ds = opts.series.map((s) => ({ s, ...downsample(s.values, s.merge ?? 'mean') }));
  const len = Math.max(1, ...opts.series.map((s) => s.values.length));
  let yMax = 0;
  for (const d of ds)
    for (const v of d.values) if (v !== null && Number.isFinite(v)) yMax = Math.max(yMax, v);
  const yStep = niceStep(yMax > 0 ? yMax : 1);
  const yTop = Math.max(yStep, Math.ceil((yMax > 0 ? yMax : 1) / yStep) * yStep);
  const xSpan = Math.max(1, len - 1);
  const x = (sec: number): number => padL + (sec / xSpan) * plotW;
  const y = (v: number): number => padT + plotH - (v / yTop) * plotH;

  const title = escapeXml(opts.title);
  const unit = escapeXml(opts.unit);
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="11">`,
    `<title>${title} (${unit})</title>`,
    `<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${padL}" y="18" font-size="13" font-weight="600" fill="#111827">${title}</text>`,
    `<text x="${W - padR}" y="18" text-anchor="end" fill="#6b7280">${unit}</text>`,
  );
  // Y grid and ticks.
  for (let v = 0; v <= yTop + yStep / 2; v += yStep) {
    const yy = f(y(v));
    parts.push(
      `<line x1="${padL}" y1="${yy}" x2="${W - padR}" y2="${yy}" stroke="#e5e7eb" stroke-width="1"/>`,
      `<text x="${padL - 6}" y="${yy}" dy="3.5" text-anchor="end" fill="#6b7280">${escapeXml(tickLabel(v, opts.unit))}</text>`,
    );
  }
  // X ticks: seconds since start, nice steps.
  const xStep = Math.max(1, niceStep(xSpan, 8));
  for (let sec = 0; sec <= xSpan; sec += xStep) {
    const xx = f(x(sec));
    parts.push(
      `<line x1="${xx}" y1="${padT + plotH}" x2="${xx}" y2="${padT + plotH + 4}" stroke="#9ca3af"/>`,
      `<text x="${xx}" y="${padT + plotH + 16}" text-anchor="middle" fill="#6b7280">${timeLabel(start + sec)}</text>`,
    );
  }
  parts.push(
    `<line x1="${padL}" y1="${padT + plotH}" x2="${W - padR}" y2="${padT + plotH}" stroke="#9ca3af"/>`,
    `<line x1="${padL}" y1="${padT}" x2="${padL}" y2="${padT + plotH}" stroke="#9ca3af"/>`,
  );
  // Phase boundaries: a dashed line and the phase's name where each begins.
  for (const m of opts.marks ?? []) {
    const sec = m.second - start;
    if (sec < 0 || sec > xSpan) continue;
    const xx = f(x(sec));
    parts.push(
      `<line class="phase-mark" x1="${xx}" y1="${padT}" x2="${xx}" y2="${padT + plotH}" stroke="#6b7280" stroke-width="1" stroke-dasharray="3 3"/>`,
      `<text x="${f(x(sec) + 3)}" y="${padT + 10}" fill="#4b5563" font-size="10">${escapeXml(m.label)}</text>`,
    );
  }
  // Series: polylines split at nulls.
  ds.forEach((d, i) => {
    const color = d.s.color ?? PALETTE[i % PALETTE.length];
    const segs: string[][] = [];
    let cur: string[] = [];
    d.values.forEach((v, k) => {
      if (v === null || !Number.isFinite(v)) {
        if (cur.length) segs.push(cur);
        cur = [];
        return;
      }
      const sec = Math.min(xSpan, k * d.step);
      cur.push(`${f(x(sec))},${f(y(v))}`);
    });
    if (cur.length) segs.push(cur);
    for (const seg of segs) {
      if (d.s.area && seg.length > 1) {
        const first = seg[0] as string;
        const last = seg[seg.length - 1] as string;
        parts.push(
          `<polygon points="${first.split(',')[0]},${f(y(0))} ${seg.join(' ')} ${last.split(',')[0]},${f(y(0))}" fill="${color}" fill-opacity="0.12" stroke="none"/>`,
        );
      }
      if (seg.length === 1) {
        const [cx, cy] = (seg[0] as string).split(',');
        parts.push(`<circle cx="${cx}" cy="${cy}" r="2.5" fill="${color}"/>`);
      } else
        parts.push(
          `<polyline points="${seg.join(' ')}" fill="none" stroke="${color}" stroke-width="${d.s.dashed ? 1.25 : 1.75}"${d.s.dashed ? ' stroke-dasharray="5 4"' : ''} stroke-linejoin="round"/>`,
        );
    }
  });
  // Legend.
  opts.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    const col = i % 4;
    const row = Math.floor(i / 4);
    const lx = padL + col * Math.floor(plotW / 4);
    const ly = padT + plotH + 32 + row * 16;
    parts.push(
      `<line x1="${lx}" y1="${ly - 4}" x2="${lx + 18}" y2="${ly - 4}" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 4"' : ''}/>`,
      `<text x="${lx + 23}" y="${ly}" fill="#374151">${escapeXml(s.name.length > 28 ? `${s.name.slice(0, 27)}…` : s.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}
