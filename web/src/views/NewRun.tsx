/** `#/new`: quick mode (one URL) or a test file from the server's --scripts folder. */
import { useState, type FormEvent } from 'react';
import type { QuickRunBody, ScriptRunBody, ScriptsResponse, SystemInfo } from '../../../src/server/wire.js';
import { api, ApiRequestError, errorText } from '../api';
import { ErrorBox } from '../components/common';
import { navigate, runHref, usePoll } from '../hooks';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

/** `Name: value` per line; every bad line is reported at once. */
function parseHeaders(text: string): { headers: Record<string, string>; problems: string[] } {
  const headers: Record<string, string> = {};
  const problems: string[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    const at = line.indexOf(':');
    const name = at > 0 ? line.slice(0, at).trim() : '';
    if (!name || /\s/.test(name)) {
      problems.push(`headers, line ${i + 1}: expected "Name: value", got "${line.trim()}"`);
      return;
    }
    headers[name] = line.slice(at + 1).trim();
  });
  return { headers, problems };
}

/** `KEY=VALUE` per line. */
function parseEnv(text: string): { env: Record<string, string>; problems: string[] } {
  const env: Record<string, string> = {};
  const problems: string[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim() || line.trim().startsWith('#')) return;
    const at = line.indexOf('=');
    const key = at > 0 ? line.slice(0, at).trim() : '';
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
      problems.push(`env, line ${i + 1}: expected "KEY=VALUE", got "${line.trim()}"`);
      return;
    }
    env[key] = line.slice(at + 1);
  });
  return { env, problems };
}

const lines = (text: string): string[] =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

export function NewRun() {
  const [mode, setMode] = useState<'quick' | 'script'>('quick');
  const [url, setUrl] = useState('');
  const [loop, setLoop] = useState<'rate' | 'vus'>('rate');
  const [rate, setRate] = useState('50');
  const [vus, setVus] = useState('10');
  const [maxVus, setMaxVus] = useState('');
  const [duration, setDuration] = useState('30s');
  const [method, setMethod] = useState('GET');
  const [headers, setHeaders] = useState('');
  const [body, setBody] = useState('');
  const [thresholds, setThresholds] = useState('http_req_duration:p(99)<500\nhttp_req_failed:rate<0.01');
  const [external, setExternal] = useState(false);
  const [script, setScript] = useState('');
  const [env, setEnv] = useState('');
  const [scenarios, setScenarios] = useState('');
  const [problem, setProblem] = useState<{ error: string; details: string[] } | null>(null);
  const [activeRun, setActiveRun] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const scripts = usePoll<ScriptsResponse>('/api/scripts', 0);

  const buildBody = (): { body: QuickRunBody | ScriptRunBody } | { problems: string[] } => {
    const problems: string[] = [];
    if (mode === 'script') {
      if (!script) problems.push('pick a script');
      const e = parseEnv(env);
      problems.push(...e.problems);
      if (problems.length) return { problems };
      const b: ScriptRunBody = { script };
      if (Object.keys(e.env).length) b.env = e.env;
      const sc = scenarios
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      if (sc.length) b.scenarios = sc;
      return { body: b };
    }
    if (!url.trim()) problems.push('url: required');
    const h = parseHeaders(headers);
    problems.push(...h.problems);
    const n = Number(loop === 'rate' ? rate : vus);
    if (!Number.isFinite(n) || n <= 0)
      problems.push(
        `${loop === 'rate' ? 'rate' : 'VUs'}: a number above 0, got "${loop === 'rate' ? rate : vus}"`,
      );
    if (problems.length) return { problems };
    const b: QuickRunBody = { url: url.trim(), method };
    if (loop === 'rate') b.rate = n;
    else b.vus = n;
    if (maxVus.trim()) b.maxVus = Number(maxVus);
    if (duration.trim()) b.duration = duration.trim();
    if (Object.keys(h.headers).length) b.headers = h.headers;
    if (body) b.body = body;
    const th = lines(thresholds);
    if (th.length) b.thresholds = th;
    if (external) b.executor = 'externally-controlled';
    return { body: b };
  };

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setActiveRun(null);
    const built = buildBody();
    if ('problems' in built) {
      setProblem({ error: 'Fix these before starting:', details: built.problems });
      return;
    }
    setBusy(true);
    try {
      const res = await api<{ id: string }>('/api/runs', { method: 'POST', body: built.body });
      setProblem(null);
      navigate(runHref(res.id));
    } catch (err) {
      if (err instanceof ApiRequestError) {
        setProblem({ error: err.message, details: err.details });
        if (err.status === 409) {
          const sys = await api<SystemInfo>('/api/system').catch(() => null);
          setActiveRun(sys?.activeRunId ?? null);
        }
      } else setProblem({ error: errorText(err), details: [] });
    } finally {
      setBusy(false);
    }
  };

  const noScripts = scripts.data !== null && scripts.data.dir === null;

  return (
    <div className="page narrow">
      <div className="page-head">
        <h1>New run</h1>
      </div>
      <div className="tabs" role="tablist">
        <button
          type="button"
          role="tab"
          aria-selected={mode === 'quick'}
          className={mode === 'quick' ? 'active' : ''}
          onClick={() => setMode('quick')}
          data-testid="mode-quick"
        >
          Quick (one URL)
        </button>
        <button
          type="button"
          role="tab"
          aria-selected={mode === 'script'}
          className={mode === 'script' ? 'active' : ''}
          onClick={() => setMode('script')}
          data-testid="mode-script"
        >
          Script
        </button>
      </div>
      <form className="form card" onSubmit={(e) => void submit(e)} data-testid="new-run-form" noValidate>
        {mode === 'quick' ? (
          <>
            <label className="field">
              <span>URL</span>
              <input
                type="url"
                required
                placeholder="http://127.0.0.1:8117/api/teams"
                value={url}
                onChange={(e) => setUrl(e.target.value)}
                data-testid="new-url"
              />
            </label>
            <div className="field-row">
              <fieldset className="field">
                <legend>Load model</legend>
                <label className="inline">
                  <input
                    type="radio"
                    name="loop"
                    checked={loop === 'rate'}
                    onChange={() => setLoop('rate')}
                    data-testid="new-loop-rate"
                  />
                  Open loop (arrivals/s)
                </label>
                <label className="inline">
                  <input
                    type="radio"
                    name="loop"
                    checked={loop === 'vus'}
                    onChange={() => setLoop('vus')}
                    data-testid="new-loop-vus"
                  />
                  Closed loop (VUs)
                </label>
              </fieldset>
              {loop === 'rate' ? (
                <label className="field">
                  <span>Rate (requests/s)</span>
                  <input
                    type="number"
                    min="0"
                    step="any"
                    value={rate}
                    onChange={(e) => setRate(e.target.value)}
                    data-testid="new-rate"
                  />
                </label>
              ) : (
                <label className="field">
                  <span>VUs</span>
                  <input
                    type="number"
                    min="1"
                    step="1"
                    value={vus}
                    onChange={(e) => setVus(e.target.value)}
                    data-testid="new-vus"
                  />
                </label>
              )}
              <label className="field">
                <span>Max VUs (optional)</span>
                <input
                  type="number"
                  min="1"
                  step="1"
                  value={maxVus}
                  placeholder="auto"
                  onChange={(e) => setMaxVus(e.target.value)}
                  data-testid="new-max-vus"
                />
              </label>
              <label className="field">
                <span>Duration</span>
                <input
                  type="text"
                  value={duration}
                  placeholder="30s, 2m"
                  onChange={(e) => setDuration(e.target.value)}
                  data-testid="new-duration"
                />
              </label>
              <label className="field">
                <span>Method</span>
                <select value={method} onChange={(e) => setMethod(e.target.value)} data-testid="new-method">
                  {METHODS.map((m) => (
                    <option key={m}>{m}</option>
                  ))}
                </select>
              </label>
            </div>
            <label className="inline check-field">
              <input
                type="checkbox"
                checked={external}
                onChange={(e) => setExternal(e.target.checked)}
                data-testid="new-external"
              />
              Externally controlled (change {loop === 'rate' ? 'the rate' : 'the VUs'} live from the run view)
            </label>
            <label className="field">
              <span>
                Headers <span className="muted">(Name: value, one per line)</span>
              </span>
              <textarea
                rows={3}
                value={headers}
                placeholder={'Authorization: Bearer abc\nAccept: application/json'}
                onChange={(e) => setHeaders(e.target.value)}
                data-testid="new-headers"
              />
            </label>
            <label className="field">
              <span>Body</span>
              <textarea
                rows={3}
                value={body}
                placeholder='{"name": "volley"}'
                onChange={(e) => setBody(e.target.value)}
                data-testid="new-body"
              />
            </label>
            <label className="field">
              <span>
                Thresholds <span className="muted">(metric:expression, one per line)</span>
              </span>
              <textarea
                rows={3}
                value={thresholds}
                onChange={(e) => setThresholds(e.target.value)}
                data-testid="new-thresholds"
              />
            </label>
          </>
        ) : (
          <>
            {scripts.error ? <ErrorBox error={`Could not list scripts: ${scripts.error}`} /> : null}
            {noScripts ? (
              <p className="muted" data-testid="no-scripts">
                The server has no scripts folder: start it with <code>volley serve --scripts DIR</code>.
              </p>
            ) : null}
            <label className="field">
              <span>
                Script{' '}
                {scripts.data?.dir ? <span className="muted mono">(in {scripts.data.dir})</span> : null}
              </span>
              <select
                value={script}
                onChange={(e) => setScript(e.target.value)}
                disabled={!scripts.data || scripts.data.scripts.length === 0}
                data-testid="new-script"
              >
                <option value="">
                  {scripts.data && scripts.data.scripts.length === 0
                    ? 'no test files found'
                    : 'pick a test file'}
                </option>
                {(scripts.data?.scripts ?? []).map((s) => (
                  <option key={s} value={s}>
                    {s}
                  </option>
                ))}
              </select>
            </label>
            <label className="field">
              <span>
                Environment <span className="muted">(KEY=VALUE, one per line)</span>
              </span>
              <textarea
                rows={4}
                value={env}
                placeholder={'BASE_URL=http://127.0.0.1:8117\nUSERS=50'}
                onChange={(e) => setEnv(e.target.value)}
                data-testid="new-env"
              />
            </label>
            <label className="field">
              <span>
                Scenarios <span className="muted">(optional, comma separated; default all)</span>
              </span>
              <input
                type="text"
                value={scenarios}
                onChange={(e) => setScenarios(e.target.value)}
                data-testid="new-scenarios"
              />
            </label>
          </>
        )}
        {problem ? <ErrorBox error={problem.error} details={problem.details} testId="form-error" /> : null}
        {activeRun ? (
          <p>
            <a href={runHref(activeRun)}>Go to the active run</a>
          </p>
        ) : null}
        <div className="form-actions">
          <button type="submit" className="primary" disabled={busy} data-testid="new-submit">
            {busy ? 'Starting…' : 'Start run'}
          </button>
        </div>
      </form>
    </div>
  );
}
