/**
 * One uPlot chart. The plot is created once per series layout; new data goes through setData
 * (no re-creation per second), size follows the container through a ResizeObserver.
 */
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { fmtClock, fmtNum } from '../format';

export interface ChartSeries {
  label: string;
  color: string;
  /** Scale key: series sharing one share an axis. Default 'y'. */
  scale?: string;
  dash?: number[];
  fill?: boolean;
  /** Draw across nulls (default). Off where a null means "nothing measured" and should show as a gap. */
  spanGaps?: boolean;
}

export interface ChartAxis {
  scale: string;
  /** Unit appended to tick labels and legend values, e.g. 'ms', '/s', '%'. */
  unit: string;
  side?: 'left' | 'right';
  /** Lowest value the axis shows (0 keeps counts honest). */
  min?: number;
  /** Whole-number ticks only (VUs). */
  integer?: boolean;
}

/** A labelled vertical line at an x value (seconds since the start): where a phase begins. */
export interface ChartMark {
  x: number;
  label: string;
}

interface Props {
  title: string;
  testId: string;
  series: ChartSeries[];
  axes: ChartAxis[];
  /** [x, ...one array per series]; null where a run has no value (comparisons). */
  data: uPlot.AlignedData;
  height?: number;
  /** Note under the title, e.g. the bucket width once points were merged. */
  note?: string;
  /** Dashed vertical lines with a label: phase boundaries. */
  marks?: readonly ChartMark[] | undefined;
}

/** Draws the marks over the plot (a uPlot draw hook). */
function drawMarks(u: uPlot, marks: readonly ChartMark[]): void {
  const ctx = u.ctx;
  const dpr = window.devicePixelRatio || 1;
  ctx.save();
  ctx.strokeStyle = 'rgba(255,255,255,0.35)';
  ctx.fillStyle = AXIS;
  ctx.lineWidth = dpr;
  ctx.setLineDash([4 * dpr, 4 * dpr]);
  ctx.font = `${11 * dpr}px system-ui, sans-serif`;
  for (const m of marks) {
    const x = Math.round(u.valToPos(m.x, 'x', true));
    if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
    ctx.beginPath();
    ctx.moveTo(x, u.bbox.top);
    ctx.lineTo(x, u.bbox.top + u.bbox.height);
    ctx.stroke();
    ctx.fillText(m.label, x + 3 * dpr, u.bbox.top + 12 * dpr);
  }
  ctx.restore();
}

const AXIS = '#98a2b3';
/** Tick steps in seconds for the time axis, and in units for integer axes: never a tick between two seconds. */
const SECOND_INCRS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 86400];
const INTEGER_INCRS = [
  1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000,
];

/** Without the cursor on the chart, the legend shows each series' latest value. */
function lastValue(col: uPlot.AlignedData[number] | undefined): number | null {
  if (!col) return null;
  for (let i = col.length - 1; i >= 0; i--) {
    const v = col[i];
    if (typeof v === 'number') return v;
  }
  return null;
}
const GRID = 'rgba(255,255,255,0.07)';

function fmtOrDash(v: number | null | undefined, f: (n: number) => string): string {
  return v == null ? '—' : f(v);
}

function fmtTick(v: number, unit: string): string {
  return unit === '%' ? `${fmtNum(v)} %` : unit ? `${fmtNum(v)} ${unit}` : fmtNum(v);
}

function buildOptions(props: Props, width: number, height: number): uPlot.Options {
  const unitOf = (scale: string): string => props.axes.find((a) => a.scale === scale)?.unit ?? '';
  const scales: uPlot.Scales = { x: { time: false } };
  for (const a of props.axes) {
    const min = a.min ?? 0;
    scales[a.scale] = {
      auto: true,
      range: (_u, dataMin, dataMax) => {
        const lo = Math.min(min, dataMin ?? min);
        const hi = dataMax ?? lo;
        // A flat line at the minimum (no errors yet) still gets a readable 0–1 axis.
        if (hi - lo < 1e-6) return [lo, lo + 1];
        // Headroom so the top line never sits on the frame.
        return [lo, lo + (hi - lo) * 1.1];
      },
    };
  }
  const marks = props.marks ?? [];
  return {
    width,
    height,
    scales,
    ...(marks.length > 0 ? { hooks: { draw: [(u: uPlot) => drawMarks(u, marks)] } } : {}),
    legend: { show: true, live: true },
    cursor: { drag: { x: false, y: false }, points: { size: 6 } },
    series: [
      {
        label: 'time',
        value: (u, v, si, idx) => fmtOrDash(idx == null ? lastValue(u.data[si]) : v, fmtClock),
      },
      ...props.series.map((s): uPlot.Series => ({
        label: s.label,
        scale: s.scale ?? 'y',
        stroke: s.color,
        width: 1.5,
        spanGaps: s.spanGaps ?? true,
        points: { show: false },
        ...(s.dash ? { dash: s.dash } : {}),
        ...(s.fill ? { fill: `${s.color}22` } : {}),
        value: (u, v, si, idx) =>
          fmtOrDash(idx == null ? lastValue(u.data[si]) : v, (n) => fmtTick(n, unitOf(s.scale ?? 'y'))),
      })),
    ],
    axes: [
      {
        stroke: AXIS,
        grid: { stroke: GRID, width: 1 },
        ticks: { stroke: GRID, width: 1 },
        incrs: SECOND_INCRS,
        values: (_u, splits) => splits.map((v) => fmtClock(v)),
      },
      ...props.axes.map((a): uPlot.Axis => ({
        scale: a.scale,
        side: a.side === 'right' ? 1 : 3,
        stroke: AXIS,
        // Wide enough for the longest tick label ("40,000 /s"), so labels are never clipped.
        size: (_u, values) =>
          Math.max(48, 16 + 7 * Math.max(0, ...(values ?? []).map((v) => String(v).length))),
        grid: a.side === 'right' ? { show: false } : { stroke: GRID, width: 1 },
        ticks: { stroke: GRID, width: 1 },
        ...(a.integer ? { incrs: INTEGER_INCRS } : {}),
        values: (_u, splits) => splits.map((v) => fmtTick(v, a.unit)),
      })),
    ],
  };
}

export function Chart(props: Props): React.JSX.Element {
  const { title, testId, series, axes, data, note } = props;
  const height = props.height ?? 200;
  const hostRef = useRef<HTMLDivElement>(null);
  const plotRef = useRef<uPlot | null>(null);
  const dataRef = useRef(data);
  dataRef.current = data;
  // The layout (series and axes) decides when to rebuild; data alone never does.
  const layoutKey = JSON.stringify({ series, axes, height, marks: props.marks ?? [] });
  const propsRef = useRef(props);
  propsRef.current = props;

  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    const width = Math.max(200, host.clientWidth);
    const plot = new uPlot(buildOptions(propsRef.current, width, height), dataRef.current, host);
    plotRef.current = plot;
    const ro = new ResizeObserver(() => {
      const w = Math.max(200, host.clientWidth);
      if (w !== plot.width) plot.setSize({ width: w, height });
    });
    ro.observe(host);
    return () => {
      ro.disconnect();
      plot.destroy();
      plotRef.current = null;
    };
  }, [layoutKey, height]);

  useEffect(() => {
    plotRef.current?.setData(data);
  }, [data]);

  return (
    <section
      className="chart"
      data-testid={testId}
      {...(props.marks?.length ? { 'data-phase-marks': props.marks.map((m) => m.label).join(',') } : {})}
    >
      <header>
        <h3>{title}</h3>
        {note ? <span className="muted small">{note}</span> : null}
      </header>
      <div className="chart-host" ref={hostRef} />
    </section>
  );
}
