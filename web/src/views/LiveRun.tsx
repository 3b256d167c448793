/** `#/runs/:id` while the run starts or runs: the live socket, KPIs, charts, controls. */
import { useEffect, useRef, useState } from 'react';
import type {
  LiveMessage,
  LiveThreshold,
  ProbeResult,
  RunListItem,
  Snapshot,
  StressCeilingSoFar,
} from '../../../src/server/wire.js';
import { StressLive } from '../components/Stress';
import { api, errorText, liveUrl } from '../api';
import { EndpointTable, Kpi, liveThresholdRows, StatusBadge, ThresholdTable } from '../components/common';
import { Gauge } from '../components/Gauge';
import { RunCharts } from '../components/RunCharts';
import { ProtocolKpis } from '../components/ProtocolKpis';
import { MonitoredCharts } from './RunDetail';
import { fmtDate, fmtDuration, fmtInt, fmtMB, fmtMs, fmtNum, fmtPct, fmtRps } from '../format';
import { useSystem } from '../system';
import { BoundedSeries, type SeriesColumns } from '../series';

const ENDED = new Set(['finished', 'error', 'interrupted']);

export function LiveRun({ initial, onEnded }: { initial: RunListItem; onEnded: (run: RunListItem) => void }) {
  const id = initial.id;
  const [run, setRun] = useState(initial);
  const [latest, setLatest] = useState<Snapshot | null>(null);
  const [thresholds, setThresholds] = useState<LiveThreshold[]>([]);
  // A stress search (POST /api/stress): its probes so far; null for any other run.
  const [stress, setStress] = useState<{ probes: ProbeResult[]; soFar: StressCeilingSoFar } | null>(null);
  const [cols, setCols] = useState<SeriesColumns>(() => new BoundedSeries().columns());
  const [bucketSeconds, setBucketSeconds] = useState(1);
  const [socket, setSocket] = useState<'connecting' | 'open' | 'retrying'>('connecting');
  const seriesRef = useRef(new BoundedSeries());
  const onEndedRef = useRef(onEnded);
  onEndedRef.current = onEnded;
  const system = useSystem();

  useEffect(() => {
    let ws: WebSocket | null = null;
    let disposed = false;
    let ended = false;
    let notified = false;
    let lastRun = initial;
    const notifyEnded = (): void => {
      if (notified) return;
      notified = true;
      onEndedRef.current(lastRun);
    };
    let retry: ReturnType<typeof setTimeout> | undefined;
    const publish = (): void => {
      setCols(seriesRef.current.columns());
      setBucketSeconds(seriesRef.current.bucketSeconds);
    };
    const handle = (msg: LiveMessage): void => {
      switch (msg.type) {
        case 'hello':
          // Every second so far: start over (a reconnect replays them all).
          seriesRef.current = new BoundedSeries();
          seriesRef.current.addAll(msg.points);
          publish();
          lastRun = msg.run;
          setRun(msg.run);
          setLatest(msg.latest);
          setThresholds(msg.thresholds);
          if (msg.stress) setStress(msg.stress);
          if (ENDED.has(msg.run.status)) ended = true;
          break;
        case 'probe': {
          const { probe, index, soFar } = msg;
          setStress((prev) => {
            const probes = [...(prev?.probes ?? [])];
            probes[index] = probe;
            return { probes, soFar };
          });
          break;
        }
        case 'snapshot':
          if (seriesRef.current.add(msg.point)) publish();
          setLatest(msg.snapshot);
          break;
        case 'thresholds':
          setThresholds(msg.thresholds);
          break;
        case 'status':
          lastRun = msg.run;
          setRun(msg.run);
          if (ENDED.has(msg.run.status)) {
            ended = true;
            notifyEnded();
          }
          break;
      }
    };
    const connect = (): void => {
      const sock = new WebSocket(liveUrl(id));
      ws = sock;
      sock.onopen = () => setSocket('open');
      sock.onmessage = (ev: MessageEvent<string>) => {
        try {
          handle(JSON.parse(ev.data) as LiveMessage);
        } catch (err) {
          // A malformed frame is a server bug worth seeing, not a reason to drop the stream.
          console.warn('volley: bad live message', errorText(err));
        }
      };
      sock.onclose = () => {
        if (disposed) return;
        if (ended) {
          // A run that had ended: the server closes after hello + status, by design.
          notifyEnded();
          return;
        }
        setSocket('retrying');
        retry = setTimeout(connect, 1000);
      };
    };
    connect();
    return () => {
      disposed = true;
      if (retry) clearTimeout(retry);
      const sock = ws;
      if (!sock) return;
      sock.onmessage = null;
      sock.onclose = null;
      // Closing a socket still connecting makes the browser log a warning; close it once open.
      if (sock.readyState === WebSocket.CONNECTING) sock.onopen = () => sock.close();
      else sock.close();
    };
    // `initial` only seeds lastRun; the socket lives as long as the run id.
  }, [id]);

  const cur = latest?.current;
  const cum = latest?.cumulative;
  const cumErr = cum && cum.requests > 0 ? cum.failures / cum.requests : null;
  const gen = latest?.generator;
  // Absent in snapshots stored before volley reported it.
  const inflight = latest?.inflight as Snapshot['inflight'] | undefined;
  const sys = system.data;

  return (
    <div className="page" data-testid="live-view">
      <div className="page-head">
        <div>
          <h1 className="run-title">
            <span title={run.name}>{run.name}</span>
            <StatusBadge status={run.status} testId="run-status" />
          </h1>
          <div className="muted small">
            <span className="mono">{run.id}</span> · {run.source} · {run.executors.join(', ') || 'preparing'}{' '}
            · started {fmtDate(run.startedAt ?? run.createdAt)}
            {socket !== 'open' ? <span className="warn-text"> · live stream {socket}…</span> : null}
          </div>
        </div>
        <div>
          {run.source === 'cli' || run.source === 'bench' ? (
            // Its process is a terminal's or CI's: the server stops it by signal (same host only).
            <span className="muted small" data-testid="stop-elsewhere">
              started from a terminal: Stop sends it SIGTERM{' '}
            </span>
          ) : null}
          <StopButton id={id} status={run.status} />
        </div>
      </div>

      <div className="kpis" data-testid="kpis">
        <Kpi
          testId="kpi-rps"
          label="RPS"
          value={fmtNum(cur?.rps)}
          raw={cur?.rps}
          sub={cur ? `over the last ${cur.windowSeconds} s` : undefined}
        />
        <Kpi
          testId="kpi-error-rate"
          label="Error rate"
          value={fmtPct(latest?.errorRate)}
          raw={latest?.errorRate}
          sub={
            cum ? `${fmtPct(cumErr)} overall (${fmtInt(cum.failures)} of ${fmtInt(cum.requests)})` : undefined
          }
          tone={latest && latest.errorRate > 0 ? 'bad' : undefined}
        />
        <Kpi testId="kpi-p50" label="p50" value={fmtMs(cur?.latency.p50)} raw={cur?.latency.p50} />
        <Kpi testId="kpi-p95" label="p95" value={fmtMs(cur?.latency.p95)} raw={cur?.latency.p95} />
        <Kpi testId="kpi-p99" label="p99" value={fmtMs(cur?.latency.p99)} raw={cur?.latency.p99} />
        <Kpi
          testId="kpi-vus"
          label="VUs"
          value={fmtInt(latest?.vus)}
          raw={latest?.vus}
          sub={latest ? `of ${fmtInt(latest.vusMax)} max` : undefined}
        />
        <Kpi
          testId="kpi-inflight"
          label="In flight"
          value={fmtInt(inflight?.requests)}
          raw={inflight?.requests}
          sub={
            inflight && inflight.requests > 0
              ? `oldest waiting ${fmtDuration(inflight.oldestAgeMs)}`
              : undefined
          }
          tone={inflight && inflight.oldestAgeMs >= 5000 ? 'warn' : undefined}
        />
        <Kpi
          testId="kpi-requests"
          label="Requests"
          value={fmtInt(cum?.requests)}
          raw={cum?.requests}
          sub={latest && latest.dropped > 0 ? `${fmtInt(latest.dropped)} dropped this second` : undefined}
          tone={latest && latest.dropped > 0 ? 'warn' : undefined}
        />
        <Kpi
          testId="kpi-elapsed"
          label="Elapsed"
          value={latest ? fmtDuration(latest.elapsedMs) : '—'}
          raw={latest?.elapsedMs}
        />
      </div>

      <ProtocolKpis
        protocols={(latest?.protocols ?? []).map((p) => ({
          name: p.protocol,
          rps: p.current.rps,
          errorRate: p.current.errorRate,
          latency: p.current.latency,
        }))}
      />

      {stress ? <StressLive probes={stress.probes} soFar={stress.soFar} /> : null}

      {run.controllable.length > 0 ? <Controls id={id} run={run} latest={latest} /> : null}

      <RunCharts
        cols={cols}
        bucketSeconds={bucketSeconds}
        latencyMetric={
          [...(latest?.protocols ?? [])].sort((a, b) => b.cumulative.requests - a.cumulative.requests)[0]
            ?.metrics.duration
        }
      />
      <MonitoredCharts runId={id} pollMs={3000} />

      <section className="card">
        <h2>Endpoints</h2>
        <EndpointTable rows={cum?.endpoints ?? []} testId="endpoint-table" />
      </section>

      <div className="two-col">
        <section className="card">
          <h2>Thresholds</h2>
          <ThresholdTable rows={liveThresholdRows(thresholds)} testId="thresholds" />
        </section>
        <section className="card" data-testid="generator">
          <h2>Generator and host</h2>
          {(gen?.unresponsive ?? []).map((u) => (
            <div className="error-box" data-testid="unresponsive" key={u.worker}>
              <strong>Worker {u.worker} not responding</strong> for {fmtDuration(u.silentMs)}: its numbers are
              missing until it answers (it is terminated after the hard stop)
            </div>
          ))}
          {gen?.saturated ? (
            <div className="error-box" data-testid="saturated">
              <strong>Generator saturated</strong> — numbers may describe volley, not the target:{' '}
              {gen.reasons.join(', ')}
            </div>
          ) : null}
          <div className="gauges">
            <Gauge
              label="volley CPU"
              value={gen ? `${fmtNum(gen.cpuPercent)} %` : '—'}
              percent={gen ? gen.cpuPercent / Math.max(1, sys?.cpus ?? 1) : null}
              sub={
                gen
                  ? `of one core · ${gen.workers.length} worker${gen.workers.length === 1 ? '' : 's'}`
                  : undefined
              }
              testId="gauge-generator-cpu"
            />
            <Gauge
              label="volley RSS"
              value={fmtMB(gen?.rssMB)}
              percent={sys && gen ? (gen.rssMB / sys.memory.totalMB) * 100 : null}
              testId="gauge-generator-rss"
            />
            <Gauge
              label="Host CPU"
              value={sys ? `${fmtNum(sys.cpuPercent)} %` : '—'}
              percent={sys?.cpuPercent ?? null}
              sub={
                sys
                  ? `${sys.cpus} cores · load ${sys.loadAverage.map((l) => l.toFixed(2)).join(' ')}`
                  : undefined
              }
              testId="gauge-host-cpu"
            />
            <Gauge
              label="Host memory"
              value={sys ? `${fmtNum(sys.memory.usedPercent)} %` : '—'}
              percent={sys?.memory.usedPercent ?? null}
              sub={
                sys
                  ? `${fmtMB(sys.memory.totalMB - sys.memory.freeMB)} of ${fmtMB(sys.memory.totalMB)}`
                  : undefined
              }
              testId="gauge-host-memory"
            />
          </div>
          <p className="muted small">
            Saturated:{' '}
            <strong data-testid="saturated-flag">{gen ? (gen.saturated ? 'yes' : 'no') : '—'}</strong>
            {sys ? ` · host ${sys.hostname}` : ''}
          </p>
          {system.error ? <p className="warn-text small">host stats: {system.error}</p> : null}
        </section>
      </div>
    </div>
  );
}

function StopButton({ id, status }: { id: string; status: RunListItem['status'] }) {
  const [state, setState] = useState<'idle' | 'stopping'>('idle');
  const [error, setError] = useState<string | null>(null);
  const stop = async (): Promise<void> => {
    setState('stopping');
    try {
      await api(`/api/runs/${encodeURIComponent(id)}/stop`, { method: 'POST' });
      setError(null);
    } catch (err) {
      setState('idle');
      setError(errorText(err));
    }
  };
  return (
    <div className="head-actions">
      <button
        type="button"
        className="danger"
        onClick={() => void stop()}
        disabled={state === 'stopping' || ENDED.has(status)}
        data-testid="stop-button"
      >
        {state === 'stopping' ? 'Stopping…' : 'Stop'}
      </button>
      {error ? <span className="bad-text small">{error}</span> : null}
    </div>
  );
}

function Controls({ id, run, latest }: { id: string; run: RunListItem; latest: Snapshot | null }) {
  return (
    <section className="card controls" data-testid="controls">
      <h2>Live control</h2>
      {run.controllable.map((c) => (
        <ControlRow key={c.scenario} id={id} c={c} latest={latest} single={run.controllable.length === 1} />
      ))}
    </section>
  );
}

function ControlRow({
  id,
  c,
  latest,
  single,
}: {
  id: string;
  c: RunListItem['controllable'][number];
  latest: Snapshot | null;
  single: boolean;
}) {
  const [value, setValue] = useState('');
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const unit = c.mode === 'rate' ? 'requests/s' : 'VUs';
  const apply = async (): Promise<void> => {
    const n = Number(value);
    if (!value.trim() || !Number.isFinite(n) || n < 0) {
      setMsg({ ok: false, text: `enter a number of ${unit}` });
      return;
    }
    setBusy(true);
    try {
      const body = c.mode === 'rate' ? { scenario: c.scenario, rate: n } : { scenario: c.scenario, vus: n };
      await api(`/api/runs/${encodeURIComponent(id)}`, { method: 'PATCH', body });
      setMsg({ ok: true, text: `applied: ${c.mode === 'rate' ? fmtRps(n) : `${n} VUs`}` });
    } catch (err) {
      setMsg({ ok: false, text: errorText(err) });
    } finally {
      setBusy(false);
    }
  };
  const now = c.mode === 'rate' ? fmtRps(latest?.current.rps) : fmtInt(latest?.vus);
  return (
    <form
      className="control-row"
      onSubmit={(e) => {
        e.preventDefault();
        void apply();
      }}
    >
      <label>
        {single ? '' : `${c.scenario}: `}
        {c.mode === 'rate' ? 'Rate' : 'VUs'}{' '}
        <span className="muted small">
          (now {now}; max {c.maxVUs} VUs)
        </span>
      </label>
      <input
        type="number"
        min="0"
        step={c.mode === 'rate' ? 'any' : '1'}
        {...(c.mode === 'vus' ? { max: c.maxVUs } : {})}
        value={value}
        placeholder={unit}
        onChange={(e) => setValue(e.target.value)}
        data-testid="control-input"
        data-mode={c.mode}
      />
      <button type="submit" disabled={busy} data-testid="control-apply">
        Apply
      </button>
      {msg ? (
        <span className={msg.ok ? 'good-text small' : 'bad-text small'} data-testid="control-message">
          {msg.text}
        </span>
      ) : null}
    </form>
  );
}
