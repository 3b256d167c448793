/** The four run charts (throughput, latency, errors, VUs), shared by the live view and the run detail. */
import { useMemo } from 'react';
import type uPlot from 'uplot';
import type { SeriesColumns } from '../series';
import { Chart, type ChartAxis, type ChartMark, type ChartSeries } from './Chart';

const COLORS = {
  rps: '#4aa3ff',
  fail: '#ff5d5d',
  p50: '#5ad19a',
  p95: '#f2c94c',
  p99: '#ff9f43',
  max: '#c08cff',
  vus: '#4aa3ff',
  dropped: '#c08cff',
  errPct: '#ff9f43',
};

const THROUGHPUT: ChartSeries[] = [
  { label: 'requests/s', color: COLORS.rps, fill: true },
  { label: 'failures/s', color: COLORS.fail },
];
// Seconds without requests have no latency: gaps, not zeros.
const LATENCY: ChartSeries[] = [
  { label: 'p50', color: COLORS.p50, spanGaps: false },
  { label: 'p95', color: COLORS.p95, spanGaps: false },
  { label: 'p99', color: COLORS.p99, spanGaps: false },
  { label: 'max', color: COLORS.max, dash: [4, 4], spanGaps: false },
];
const ERRORS: ChartSeries[] = [
  { label: 'failures/s', color: COLORS.fail, fill: true },
  { label: 'error %', color: COLORS.errPct, scale: '%' },
  { label: 'dropped/s', color: COLORS.dropped, dash: [4, 4] },
];
const VUS: ChartSeries[] = [{ label: 'VUs', color: COLORS.vus, fill: true }];

const PER_S: ChartAxis[] = [{ scale: 'y', unit: '/s' }];
const MS: ChartAxis[] = [{ scale: 'y', unit: 'ms' }];
const ERR_AXES: ChartAxis[] = [
  { scale: 'y', unit: '/s' },
  { scale: '%', unit: '%', side: 'right' },
];
const COUNT: ChartAxis[] = [{ scale: 'y', unit: '', integer: true }];

/** Colours of per-protocol series, in the order the protocols appear. */
const PROTOCOL_COLORS = ['#4aa3ff', '#5ad19a', '#f2c94c', '#c08cff', '#ff9f43', '#ff5d5d'];

export function RunCharts({
  cols,
  bucketSeconds,
  latencyMetric,
  marks,
}: {
  cols: SeriesColumns;
  /** Phase boundaries to mark on every chart. */
  marks?: readonly ChartMark[] | undefined;
  bucketSeconds: number;
  /** The headline duration's metric name, for the latency chart's title. */
  latencyMetric?: string | undefined;
}) {
  const throughput = useMemo<uPlot.AlignedData>(() => [cols.x, cols.rps, cols.failuresPerSecond], [cols]);
  const latency = useMemo<uPlot.AlignedData>(() => [cols.x, cols.p50, cols.p95, cols.p99, cols.max], [cols]);
  const errors = useMemo<uPlot.AlignedData>(
    () => [cols.x, cols.failuresPerSecond, cols.errorPct, cols.droppedPerSecond],
    [cols],
  );
  const vus = useMemo<uPlot.AlignedData>(() => [cols.x, cols.vus], [cols]);
  // A run that speaks more than one protocol: throughput and p99 per protocol.
  const several = cols.protocols.length > 1;
  const protocolSeries = useMemo<ChartSeries[]>(
    () =>
      cols.protocols.map((p, i) => ({
        label: p.name,
        color: PROTOCOL_COLORS[i % PROTOCOL_COLORS.length] as string,
        spanGaps: false,
      })),
    [cols],
  );
  const protocolRps = useMemo<uPlot.AlignedData>(() => [cols.x, ...cols.protocols.map((p) => p.rps)], [cols]);
  const protocolP99 = useMemo<uPlot.AlignedData>(() => [cols.x, ...cols.protocols.map((p) => p.p99)], [cols]);
  const note =
    bucketSeconds > 1 ? `${bucketSeconds} s per point (merged to stay under 900 points)` : undefined;
  const latencyNote =
    bucketSeconds > 1
      ? `${bucketSeconds} s per point: each percentile is the highest of its seconds`
      : 'per second';
  return (
    <div className="charts">
      <Chart
        title="Throughput"
        testId="chart-throughput"
        series={THROUGHPUT}
        axes={PER_S}
        data={throughput}
        marks={marks}
        {...(note ? { note } : {})}
      />
      <Chart
        title={several ? 'Latency (every protocol)' : `Latency (${latencyMetric ?? 'request duration'})`}
        testId="chart-latency"
        series={LATENCY}
        axes={MS}
        data={latency}
        marks={marks}
        note={latencyNote}
      />
      <Chart
        title="Errors"
        testId="chart-errors"
        series={ERRORS}
        axes={ERR_AXES}
        data={errors}
        marks={marks}
        {...(note ? { note } : {})}
      />
      <Chart title="Virtual users" testId="chart-vus" series={VUS} axes={COUNT} data={vus} marks={marks} />
      {several ? (
        <>
          <Chart
            title="Requests/s by protocol"
            testId="chart-protocol-rps"
            series={protocolSeries}
            axes={PER_S}
            data={protocolRps}
            {...(note ? { note } : {})}
          />
          <Chart
            title="p99 by protocol"
            testId="chart-protocol-p99"
            series={protocolSeries}
            axes={MS}
            data={protocolP99}
            note={latencyNote}
          />
        </>
      ) : null}
    </div>
  );
}
