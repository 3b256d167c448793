/**
 * `#/benches`: start a bench (`POST /api/bench`, `volley bench` from the dashboard) and list the
 * stored ones. `#/benches/:id`: a bench's endpoint table, and each endpoint's history across every
 * stored bench of its base URL — the trend across deployments, not only the previous bench.
 */
import { useState, type FormEvent } from 'react';
import type { BenchDetail, BenchHistoryEntry, BenchListItem } from '../../../src/server/wire.js';
import { api, errorText, formProblem, type FormProblem } from '../api';
import { ErrorBox } from '../components/common';
import { fmtDate, fmtMs, fmtNum, fmtPct, fmtSignedPct } from '../format';
import { benchHref, navigate, usePoll } from '../hooks';

function BenchForm({ onStarted }: { onStarted: (id: string) => void }) {
  const [url, setUrl] = useState('');
  const [endpoints, setEndpoints] = useState('GET /health');
  const [concurrency, setConcurrency] = useState('10');
  const [duration, setDuration] = useState('10s');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<FormProblem | null>(null);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const body: Record<string, unknown> = {
      url: url.trim(),
      endpoints: endpoints
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean),
      duration: duration.trim(),
    };
    const c = concurrency.trim();
    if (c !== '') body.concurrency = Number.isFinite(Number(c)) ? Number(c) : c;
    setBusy(true);
    setProblem(null);
    try {
      const { id } = await api<{ id: string }>('/api/bench', { method: 'POST', body });
      onStarted(id);
    } catch (err) {
      setProblem(formProblem(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="form card" onSubmit={(e) => void submit(e)} data-testid="bench-form" noValidate>
      <h2>New bench</h2>
      <label className="field">
        <span>Base URL</span>
        <input
          type="text"
          value={url}
          placeholder="http://127.0.0.1:8117"
          onChange={(e) => setUrl(e.target.value)}
          data-testid="bench-url"
        />
      </label>
      <label className="field">
        <span>
          Endpoints <span className="muted">('METHOD /path', one per line, relative to the base URL)</span>
        </span>
        <textarea
          rows={4}
          value={endpoints}
          onChange={(e) => setEndpoints(e.target.value)}
          data-testid="bench-endpoints"
        />
      </label>
      <div className="field-row">
        <label className="field">
          <span>Concurrency</span>
          <input
            type="text"
            value={concurrency}
            onChange={(e) => setConcurrency(e.target.value)}
            data-testid="bench-concurrency"
          />
        </label>
        <label className="field">
          <span>
            Duration <span className="muted">(per endpoint)</span>
          </span>
          <input
            type="text"
            value={duration}
            onChange={(e) => setDuration(e.target.value)}
            data-testid="bench-duration"
          />
        </label>
      </div>
      {problem ? <ErrorBox error={problem.error} details={problem.details} testId="bench-error" /> : null}
      <div className="form-actions">
        <button type="submit" className="primary" disabled={busy} data-testid="bench-submit">
          {busy ? 'Starting…' : 'Start bench'}
        </button>
      </div>
    </form>
  );
}

export function BenchesList() {
  const benches = usePoll<BenchListItem[]>('/api/benches', 5000);
  return (
    <div className="page" data-testid="benches-page">
      <h1>Benchmarks</h1>
      <p className="muted">
        Each endpoint measured alone at a fixed concurrency, one after another, like <code>volley bench</code>
        .
      </p>
      <BenchForm onStarted={(id) => navigate(benchHref(id))} />
      <section className="card">
        <h2>Stored benches</h2>
        {benches.error ? <ErrorBox error={benches.error} /> : null}
        {benches.data && benches.data.length === 0 ? (
          <p className="muted" data-testid="benches-empty">
            No benches stored yet.
          </p>
        ) : null}
        {benches.data && benches.data.length > 0 ? (
          <table className="data" data-testid="benches-table">
            <thead>
              <tr>
                <th>Bench</th>
                <th>Created</th>
                <th>Base URL</th>
                <th className="num">Concurrency</th>
                <th className="num">Duration</th>
                <th>Endpoints</th>
              </tr>
            </thead>
            <tbody>
              {benches.data.map((b) => (
                <tr key={b.id} data-testid="bench-row">
                  <td className="mono">
                    <a href={benchHref(b.id)}>{b.id.slice(0, 8)}</a>
                  </td>
                  <td>{fmtDate(b.createdAt)}</td>
                  <td className="mono">{b.baseUrl}</td>
                  <td className="num">{b.concurrency}</td>
                  <td className="num">{b.durationMs / 1000} s</td>
                  <td>{b.endpoints.join(', ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </section>
    </div>
  );
}

const change = (prev: number | undefined, cur: number): number | null =>
  prev === undefined || prev === 0 ? null : Math.round(((cur - prev) / prev) * 1000) / 10;

function History({
  label,
  entries,
  current,
}: {
  label: string;
  entries: BenchHistoryEntry[];
  current: string;
}) {
  return (
    <div className="history" data-testid="bench-history" data-endpoint={label}>
      <h3 className="mono">{label}</h3>
      <table className="data">
        <thead>
          <tr>
            <th>Bench</th>
            <th>Created</th>
            <th className="num">Concurrency</th>
            <th className="num">Req/s</th>
            <th className="num">Δ req/s</th>
            <th className="num">p50</th>
            <th className="num">p99</th>
            <th className="num">Δ p99</th>
            <th className="num">Errors</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e, i) => {
            const prev = entries[i - 1];
            return (
              <tr
                key={e.benchId}
                data-testid="bench-history-row"
                className={e.benchId === current ? 'current' : ''}
              >
                <td className="mono">
                  <a href={benchHref(e.benchId)}>{e.benchId.slice(0, 8)}</a>
                  {e.benchId === current ? ' (this)' : ''}
                </td>
                <td>{fmtDate(e.createdAt)}</td>
                <td className="num">{e.concurrency}</td>
                <td className="num">{fmtNum(e.rps)}</td>
                <td className="num">{fmtSignedPct(change(prev?.rps, e.rps))}</td>
                <td className="num">{fmtMs(e.p50Ms)}</td>
                <td className="num">{fmtMs(e.p99Ms)}</td>
                <td className="num">{fmtSignedPct(change(prev?.p99Ms, e.p99Ms))}</td>
                <td className={`num ${e.failed ? 'bad-text' : ''}`}>{fmtPct(e.errorRate)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

export function BenchPage({ id }: { id: string }) {
  const [stopError, setStopError] = useState<string | null>(null);
  const detail = usePoll<BenchDetail>(`/api/benches/${encodeURIComponent(id)}`, 1000);
  const d = detail.data;
  const stop = async (): Promise<void> => {
    try {
      await api(`/api/benches/${encodeURIComponent(id)}/stop`, { method: 'POST' });
    } catch (err) {
      setStopError(errorText(err));
    }
  };
  return (
    <div className="page" data-testid="bench-page">
      <div className="page-head">
        <div>
          <h1>
            Bench <span className="mono">{id.slice(0, 8)}</span>{' '}
            <span className="badge" data-testid="bench-status">
              {d?.status ?? 'loading'}
            </span>
          </h1>
          {d?.bench ? (
            <div className="muted small">
              {d.bench.baseUrl} · concurrency {d.bench.concurrency} · {d.bench.durationMs / 1000} s per
              endpoint · {fmtDate(d.bench.createdAt)}
            </div>
          ) : null}
        </div>
        {d?.status === 'running' ? (
          <button type="button" onClick={() => void stop()} data-testid="bench-stop">
            Stop
          </button>
        ) : null}
      </div>
      {detail.error && !d ? <ErrorBox error={detail.error} testId="bench-load-error" /> : null}
      {stopError ? <ErrorBox error={stopError} /> : null}
      {d?.error ? <ErrorBox error={d.error} testId="bench-failure" /> : null}
      {d ? (
        <section className="card">
          <h2>
            Endpoints{' '}
            {d.status === 'running' ? (
              <span className="muted small">
                ({d.endpoints.length} of {d.total ?? '?'} measured)
              </span>
            ) : null}
          </h2>
          <table className="data" data-testid="bench-endpoints-table">
            <thead>
              <tr>
                <th>Endpoint</th>
                <th className="num">Requests</th>
                <th className="num">Req/s</th>
                <th className="num">p50</th>
                <th className="num">p95</th>
                <th className="num">p99</th>
                <th className="num">Errors</th>
                <th className="num">Δ req/s</th>
                <th className="num">Δ p99</th>
              </tr>
            </thead>
            <tbody>
              {d.endpoints.map((e) => {
                const delta = d.bench?.deltas.find((x) => x.method === e.method && x.path === e.path);
                return (
                  <tr key={`${e.method} ${e.path}`} data-testid="bench-endpoint-row">
                    <td className="mono">
                      {e.method} {e.path}
                    </td>
                    <td className="num">{e.requests}</td>
                    <td className="num">{fmtNum(e.rps)}</td>
                    <td className="num">{fmtMs(e.latency.p50)}</td>
                    <td className="num">{fmtMs(e.latency.p95)}</td>
                    <td className="num">{fmtMs(e.latency.p99)}</td>
                    <td className={`num ${e.failed ? 'bad-text' : ''}`}>{fmtPct(e.errorRate)}</td>
                    <td className="num">{delta ? fmtSignedPct(delta.rps.changePct) : '—'}</td>
                    <td className="num">{delta ? fmtSignedPct(delta.p99Ms.changePct) : '—'}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </section>
      ) : null}
      {d && Object.keys(d.history).length > 0 ? (
        <section className="card">
          <h2>History across benches</h2>
          <p className="muted small">
            Every stored bench of {d.bench?.baseUrl} that measured the endpoint, oldest first; Δ is against
            the bench before it.
          </p>
          {Object.entries(d.history).map(([label, entries]) => (
            <History key={label} label={label} entries={entries} current={id} />
          ))}
        </section>
      ) : null}
      <p>
        <a href="#/benches">All benches</a>
      </p>
    </div>
  );
}
