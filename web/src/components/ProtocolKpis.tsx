/** Per-protocol KPI cards, shared by the live view and the run detail. */
import { fmtMs, fmtNum, fmtPct } from '../format';
import { Kpi } from './common';

/** A run that spoke more than one protocol: each protocol's requests/s, p99 and error rate. */
export function ProtocolKpis({
  protocols,
}: {
  protocols: readonly { name: string; rps: number; errorRate: number; latency: { p99: number } }[];
}) {
  if (protocols.length < 2) return null;
  return (
    <div className="protocol-kpis" data-testid="protocol-kpis">
      {protocols.map((p) => (
        <div className="kpis" key={p.name} data-testid={`protocol-${p.name}`} data-protocol={p.name}>
          <Kpi testId={`kpi-${p.name}-rps`} label={`${p.name} req/s`} value={fmtNum(p.rps)} raw={p.rps} />
          <Kpi
            testId={`kpi-${p.name}-p99`}
            label={`${p.name} p99`}
            value={fmtMs(p.latency.p99)}
            raw={p.latency.p99}
          />
          <Kpi
            testId={`kpi-${p.name}-error-rate`}
            label={`${p.name} error rate`}
            value={fmtPct(p.errorRate)}
            raw={p.errorRate}
            tone={p.errorRate ? 'bad' : undefined}
          />
        </div>
      ))}
    </div>
  );
}
