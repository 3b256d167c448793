/**
 * `#/schedules`: the scheduled regression runs of this server (`GET /api/schedules`, every 3 s):
 * name, cron, next fire time, paused, the last firing's outcome with a link to its run; pause,
 * resume and delete; and a form that creates one from quick mode's fields (`GET /api/run-options`,
 * the same fields as the New run form), a cron, a baseline, a tolerance and a webhook.
 */
import { useState, type FormEvent } from 'react';
import type {
  CreateScheduleBody,
  FiringItem,
  QuickRunBody,
  RunOptionsResponse,
  ScheduleListItem,
} from '../../../src/server/wire.js';
import { api, errorText, formProblem, type FormProblem } from '../api';
import { ErrorBox } from '../components/common';
import { DASH } from '../format';
import { compareHref, runHref, usePoll } from '../hooks';
import { initialValues, needsPool, quickBody, QuickFields } from './NewRun';

const POLL_MS = 3000;

const when = (iso: string | null): string => (iso === null ? DASH : new Date(iso).toLocaleString());

function LastFiring({ f }: { f: FiringItem | null }) {
  if (!f) return <span className="muted">never fired</span>;
  const cls =
    f.outcome === 'passed'
      ? 'good-text'
      : f.outcome === 'skipped' || f.outcome === 'running'
        ? 'muted'
        : 'bad-text';
  return (
    <span title={[f.error, ...f.regressions].filter(Boolean).join('\n') || undefined}>
      <span className={cls} data-testid="schedule-outcome">
        {f.outcome}
      </span>{' '}
      {f.runId ? (
        <a href={runHref(f.runId)} data-testid="schedule-run-link">
          run {f.runId.slice(0, 8)}
        </a>
      ) : null}
      {f.runId && f.baselineRunId ? (
        <>
          {' '}
          <a
            href={compareHref(f.baselineRunId, f.runId)}
            className="small"
            data-testid="schedule-compare-link"
          >
            compare
          </a>
        </>
      ) : null}{' '}
      <span className="muted small">{when(f.firedAt)}</span>
    </span>
  );
}

function NewSchedule({ onCreated }: { onCreated: () => void }) {
  const options = usePoll<RunOptionsResponse>('/api/run-options', 0);
  // Agents are a server setting here too, but a schedule is created from the plain quick fields.
  const fields = (options.data?.fields ?? []).filter((f) => !needsPool(f));
  const [values, setValues] = useState<Record<string, string | boolean> | null>(null);
  const [picked, setPicked] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [cron, setCron] = useState('0 2 * * *');
  const [baseline, setBaseline] = useState('previous');
  const [tolerance, setTolerance] = useState('10%');
  const [webhook, setWebhook] = useState('');
  const [format, setFormat] = useState<'json' | 'slack'>('json');
  const [problem, setProblem] = useState<FormProblem | null>(null);
  const [busy, setBusy] = useState(false);
  const formValues = values ?? initialValues(fields);
  const pickedField = picked ?? fields.find((f) => f.group)?.field ?? '';

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (fields.length === 0) return setProblem({ error: 'the run options have not loaded yet', details: [] });
    const built = quickBody(fields, formValues, pickedField);
    if ('problems' in built) return setProblem({ error: 'Fix these first:', details: built.problems });
    const body: CreateScheduleBody = {
      cron,
      run: built.body as QuickRunBody,
      baseline: baseline.trim() || 'previous',
      tolerance: tolerance.trim() || '10%',
      ...(name.trim() ? { name: name.trim() } : {}),
      ...(webhook.trim() ? { webhooks: [{ url: webhook.trim(), format }] } : {}),
    };
    setBusy(true);
    try {
      await api('/api/schedules', { method: 'POST', body });
      setProblem(null);
      onCreated();
    } catch (err) {
      setProblem(formProblem(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="form card" onSubmit={(e) => void submit(e)} data-testid="schedule-form" noValidate>
      <h2>New schedule</h2>
      <div className="field-row">
        <label className="field">
          <span>Name</span>
          <input value={name} onChange={(e) => setName(e.target.value)} data-testid="schedule-name" />
        </label>
        <label className="field">
          <span>
            Cron <span className="muted">(5 fields, or 6 with seconds first)</span>
          </span>
          <input value={cron} onChange={(e) => setCron(e.target.value)} data-testid="schedule-cron" />
        </label>
      </div>
      {options.error ? <ErrorBox error={`Could not load the run options: ${options.error}`} /> : null}
      <QuickFields
        fields={fields}
        values={formValues}
        setValue={(field, v) => setValues({ ...formValues, [field]: v })}
        picked={pickedField}
        setPicked={setPicked}
        noPool={false}
      />
      <div className="field-row">
        <label className="field">
          <span>
            Baseline <span className="muted">(previous, or a run id)</span>
          </span>
          <input
            value={baseline}
            onChange={(e) => setBaseline(e.target.value)}
            data-testid="schedule-baseline"
          />
        </label>
        <label className="field">
          <span>Tolerance</span>
          <input
            value={tolerance}
            onChange={(e) => setTolerance(e.target.value)}
            data-testid="schedule-tolerance"
          />
        </label>
      </div>
      <div className="field-row">
        <label className="field">
          <span>
            Webhook <span className="muted">(optional: posted on an SLO failure or a regression)</span>
          </span>
          <input
            type="url"
            value={webhook}
            placeholder="https://hooks.slack.com/services/…"
            onChange={(e) => setWebhook(e.target.value)}
            data-testid="schedule-webhook"
          />
        </label>
        <label className="field">
          <span>Format</span>
          <select
            value={format}
            onChange={(e) => setFormat(e.target.value as 'json' | 'slack')}
            data-testid="schedule-webhook-format"
          >
            <option value="json">JSON</option>
            <option value="slack">Slack</option>
          </select>
        </label>
      </div>
      {problem ? (
        <ErrorBox error={problem.error} details={problem.details} testId="schedule-form-error" />
      ) : null}
      <div className="form-actions">
        <button type="submit" className="primary" disabled={busy} data-testid="schedule-submit">
          {busy ? 'Saving…' : 'Create schedule'}
        </button>
      </div>
    </form>
  );
}

export function Schedules() {
  const list = usePoll<ScheduleListItem[]>('/api/schedules', POLL_MS);
  const [problem, setProblem] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [showForm, setShowForm] = useState(false);

  const act = async (path: string, init: { method: string; body?: unknown }): Promise<void> => {
    try {
      await api(path, init);
      setProblem(null);
    } catch (err) {
      setProblem(errorText(err));
    }
    list.reload();
  };
  const remove = async (id: string): Promise<void> => {
    if (confirming !== id) return setConfirming(id);
    setConfirming(null);
    await act(`/api/schedules/${encodeURIComponent(id)}`, { method: 'DELETE' });
  };

  const rows = list.data ?? [];
  return (
    <div className="page" data-testid="schedules-page">
      <div className="page-head">
        <div>
          <h1>Schedules</h1>
          <div className="muted small">
            Regression runs on a cron: each run is compared with its baseline; an SLO failure or a regression
            posts the webhooks. A schedule due while another run is active is skipped.
          </div>
        </div>
        <div className="toolbar">
          <button
            type="button"
            className="primary"
            onClick={() => setShowForm((s) => !s)}
            data-testid="schedule-new"
          >
            {showForm ? 'Close the form' : 'New schedule'}
          </button>
        </div>
      </div>
      {list.error ? (
        <ErrorBox error={`Could not list the schedules: ${list.error}`} testId="schedules-error" />
      ) : null}
      {problem ? <ErrorBox error={problem} testId="schedules-action-error" /> : null}
      {showForm ? (
        <NewSchedule
          onCreated={() => {
            setShowForm(false);
            list.reload();
          }}
        />
      ) : null}
      {list.data && rows.length === 0 ? (
        <div className="card" data-testid="schedules-empty">
          No schedules yet.
        </div>
      ) : null}
      {rows.length > 0 ? (
        <section className="card table-wrap">
          <table className="data" data-testid="schedules-table">
            <thead>
              <tr>
                <th>Name</th>
                <th>Cron</th>
                <th>Next fire</th>
                <th>State</th>
                <th>Baseline</th>
                <th>Last firing</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {rows.map((s) => (
                <tr key={s.id} data-testid="schedule-row" data-schedule-id={s.id}>
                  <td data-testid="schedule-name-cell">{s.name}</td>
                  <td className="nowrap">
                    <code>{s.cron}</code>
                  </td>
                  <td data-testid="schedule-next">{s.paused ? DASH : when(s.nextFireAt)}</td>
                  <td data-testid="schedule-state">{s.paused ? 'paused' : 'active'}</td>
                  <td className="small">
                    {s.baseline === 'previous' ? 'previous run' : s.baseline.slice(0, 8)} ·{' '}
                    {Math.round(s.tolerance * 1000) / 10}%
                  </td>
                  <td>
                    <LastFiring f={s.lastFiring} />
                  </td>
                  <td className="actions nowrap">
                    <button
                      type="button"
                      className="small"
                      onClick={() =>
                        void act(`/api/schedules/${encodeURIComponent(s.id)}`, {
                          method: 'PATCH',
                          body: { paused: !s.paused },
                        })
                      }
                      data-testid="schedule-pause"
                    >
                      {s.paused ? 'Resume' : 'Pause'}
                    </button>{' '}
                    <button
                      type="button"
                      className={`small${confirming === s.id ? ' danger' : ''}`}
                      onClick={() => void remove(s.id)}
                      onBlur={() => setConfirming((c) => (c === s.id ? null : c))}
                      data-testid="schedule-delete"
                    >
                      {confirming === s.id ? 'Confirm delete' : 'Delete'}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
    </div>
  );
}
