/** A labelled bar for a percentage (CPU, memory); colour turns amber past 70 %, red past 90 %. */
export function Gauge(props: {
  label: string;
  value: string;
  /** 0–100, or null when unknown. */
  percent: number | null;
  sub?: string | undefined;
  testId: string;
}) {
  const p = props.percent === null ? null : Math.max(0, Math.min(100, props.percent));
  const tone = p === null ? '' : p >= 90 ? ' bad' : p >= 70 ? ' warn' : '';
  return (
    <div className="gauge" data-testid={props.testId} data-value={props.percent ?? ''}>
      <div className="gauge-head">
        <span>{props.label}</span>
        <strong>{props.value}</strong>
      </div>
      <div className="gauge-track">
        <div className={`gauge-fill${tone}`} style={{ width: `${p ?? 0}%` }} />
      </div>
      {props.sub ? <div className="muted small">{props.sub}</div> : null}
    </div>
  );
}
