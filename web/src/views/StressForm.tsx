/**
 * `#/stress`: start a stress search (`POST /api/stress`, `volley stress --url` from the dashboard).
 * It runs as a run: the form leads to its page, where each probe shows as it ends, then the result.
 */
import { useState, type FormEvent } from 'react';
import type { StressRunBody } from '../../../src/server/wire.js';
import { api, formProblem, type FormProblem } from '../api';
import { ErrorBox } from '../components/common';
import { navigate, runHref } from '../hooks';

interface Field {
  key: keyof StressRunBody;
  label: string;
  hint?: string;
  initial: string;
  kind: 'number' | 'text';
}

/** The form's fields, with `volley stress`'s defaults as placeholders. */
const FIELDS: readonly Field[] = [
  { key: 'startRate', label: 'Start rate', hint: 'arrivals/s', initial: '10', kind: 'number' },
  { key: 'maxRate', label: 'Max rate', hint: 'arrivals/s', initial: '1000', kind: 'number' },
  { key: 'probeDuration', label: 'Probe duration', initial: '10s', kind: 'text' },
  { key: 'cooldown', label: 'Cooldown', initial: '2s', kind: 'text' },
  { key: 'errorThreshold', label: 'Error threshold', hint: 'share', initial: '5%', kind: 'text' },
  { key: 'resolution', label: 'Resolution', initial: '5%', kind: 'text' },
  { key: 'maxProbes', label: 'Max probes', initial: '20', kind: 'number' },
];

export function StressForm() {
  const [url, setUrl] = useState('');
  const [method, setMethod] = useState('GET');
  const [slos, setSlos] = useState('p(99)<500');
  const [values, setValues] = useState<Record<string, string>>(() =>
    Object.fromEntries(FIELDS.map((f) => [f.key, f.initial])),
  );
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<FormProblem | null>(null);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const body: Record<string, unknown> = { url: url.trim(), method };
    for (const f of FIELDS) {
      const v = (values[f.key] ?? '').trim();
      if (v === '') continue;
      body[f.key] = f.kind === 'number' && Number.isFinite(Number(v)) ? Number(v) : v;
    }
    const sloList = slos
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    if (sloList.length > 0) body.slos = sloList;
    setBusy(true);
    setProblem(null);
    try {
      const { id } = await api<{ id: string }>('/api/stress', { method: 'POST', body });
      navigate(runHref(id));
    } catch (err) {
      setProblem(formProblem(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="page" data-testid="stress-page">
      <h1>Stress search</h1>
      <p className="muted">
        Open-loop probes at rising arrival rates: the rate doubles until a probe fails (an SLO, the error
        threshold, or the rate not absorbed), then a binary search narrows the gap. Like{' '}
        <code>volley stress --url</code>, and stored the same way.
      </p>
      <form className="form card" onSubmit={(e) => void submit(e)} data-testid="stress-form" noValidate>
        <div className="field-row">
          <label className="field">
            <span>Method</span>
            <select value={method} onChange={(e) => setMethod(e.target.value)} data-testid="stress-method">
              {['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'].map((m) => (
                <option key={m}>{m}</option>
              ))}
            </select>
          </label>
          <label className="field grow">
            <span>URL</span>
            <input
              type="text"
              value={url}
              placeholder="http://127.0.0.1:8117/api/items"
              onChange={(e) => setUrl(e.target.value)}
              data-testid="stress-url"
            />
          </label>
        </div>
        <div className="field-row">
          {FIELDS.map((f) => (
            <label className="field" key={f.key}>
              <span>
                {f.label} {f.hint ? <span className="muted">({f.hint})</span> : null}
              </span>
              <input
                type="text"
                value={values[f.key] ?? ''}
                onChange={(e) => setValues((v) => ({ ...v, [f.key]: e.target.value }))}
                data-testid={`stress-${f.key}`}
              />
            </label>
          ))}
        </div>
        <label className="field">
          <span>
            SLOs <span className="muted">(one per line; on http_req_duration unless a metric is named)</span>
          </span>
          <textarea
            rows={2}
            value={slos}
            onChange={(e) => setSlos(e.target.value)}
            data-testid="stress-slos"
          />
        </label>
        {problem ? <ErrorBox error={problem.error} details={problem.details} testId="stress-error" /> : null}
        <div className="form-actions">
          <button type="submit" className="primary" disabled={busy} data-testid="stress-submit">
            {busy ? 'Starting…' : 'Start stress search'}
          </button>
        </div>
      </form>
    </div>
  );
}
