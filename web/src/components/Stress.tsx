/** A stress search: its probes (live or stored) and its result card, as `volley stress` prints them. */
import type { ProbeResult, StressCeilingSoFar, StressResult } from '../../../src/server/wire.js';
import { fmtMs } from '../format';

/** What limited the search, in words (the `ceiling` field of the result). */
const CEILING_TEXT: Record<StressResult['ceiling'], string> = {
  target: 'the target',
  generator: 'the generator (volley on this machine), not necessarily the target',
  'max-rate': 'the maximum rate asked for: every probe passed',
  'start-rate': 'the start rate already failed',
  'probe-limit': 'the probe limit (or a stop) ended the search',
};

const rate = (r: number | null): string => (r === null ? '—' : `${r}/s`);

export function ProbeTable({ probes, testId }: { probes: readonly ProbeResult[]; testId: string }) {
  return (
    <table className="data" data-testid={testId}>
      <thead>
        <tr>
          <th>Probe</th>
          <th className="num">Rate</th>
          <th className="num">Achieved</th>
          <th className="num">p50</th>
          <th className="num">p95</th>
          <th className="num">p99</th>
          <th className="num">Errors</th>
          <th>Verdict</th>
        </tr>
      </thead>
      <tbody>
        {probes.map((p, i) => (
          <tr key={i} data-testid="probe-row" data-passed={p.passed ? 'true' : 'false'}>
            <td>{i + 1}</td>
            <td className="num">{p.rate}/s</td>
            <td className="num">{p.achievedRate}/s</td>
            <td className="num">{fmtMs(p.p50)}</td>
            <td className="num">{fmtMs(p.p95)}</td>
            <td className="num">{fmtMs(p.p99)}</td>
            <td className="num">{(p.errorRate * 100).toFixed(2)} %</td>
            <td className={p.passed ? 'good-text' : 'bad-text'}>
              {p.passed ? '✓ passed' : `✗ ${p.failures.join('; ')}`}
              {p.generatorSaturated ? ' ⚠ generator saturated' : ''}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** While the search goes: each probe as it ended, and the ceiling the probes so far bound. */
export function StressLive({ probes, soFar }: { probes: readonly ProbeResult[]; soFar: StressCeilingSoFar }) {
  return (
    <section className="card" data-testid="stress-live">
      <h2>Stress search</h2>
      <p data-testid="stress-so-far">
        Ceiling so far: sustains <strong>{rate(soFar.maxSustainableRate)}</strong>
        {soFar.breakdownRate === null ? '' : `, breaks at ${soFar.breakdownRate}/s`} after {probes.length}{' '}
        probe
        {probes.length === 1 ? '' : 's'}
      </p>
      {probes.length === 0 ? (
        <p className="muted">The first probe is running…</p>
      ) : (
        <ProbeTable probes={probes} testId="stress-live-probes" />
      )}
    </section>
  );
}

/** The result: max sustainable rate, breakdown rate, and what limited the search. */
export function StressResultCard({ stress }: { stress: StressResult }) {
  return (
    <div data-testid="stress-card">
      <div className="kpis">
        <div className="kpi" data-testid="stress-max-rate">
          <div className="kpi-label">Max sustainable rate</div>
          <div className="kpi-value">{rate(stress.maxSustainableRate)}</div>
        </div>
        <div className="kpi" data-testid="stress-breakdown-rate">
          <div className="kpi-label">Breakdown rate</div>
          <div className="kpi-value">{rate(stress.breakdownRate)}</div>
        </div>
        <div className="kpi" data-testid="stress-ceiling" data-ceiling={stress.ceiling}>
          <div className="kpi-label">Limited by</div>
          <div className="kpi-value small">{CEILING_TEXT[stress.ceiling]}</div>
        </div>
      </div>
      <p data-testid="stress-result">
        Max sustainable rate <strong>{rate(stress.maxSustainableRate)}</strong>
        {stress.breakdownRate === null ? '' : `, breaks at ${stress.breakdownRate}/s`} — {stress.detail}
      </p>
      <ProbeTable probes={stress.probes} testId="stress-probes" />
    </div>
  );
}
