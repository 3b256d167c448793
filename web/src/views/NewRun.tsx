/**
 * `#/new`: quick mode (one URL) or a test file from the server's --scripts folder. Quick mode's
 * fields come from the server (`GET /api/run-options`): the form shows what the API accepts.
 */
import { useState, type FormEvent, type ReactNode } from 'react';
import type {
  AgentsResponse,
  QuickRunBody,
  RunFormField,
  RunOptionsResponse,
  ScriptRunBody,
  ScriptsResponse,
  SystemInfo,
} from '../../../src/server/wire.js';
import { api, ApiRequestError, formProblem, type FormProblem } from '../api';
import { ErrorBox } from '../components/common';
import { navigate, runHref, usePoll } from '../hooks';

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

/** The form's value of every field, from the fields' initial values. */
export function initialValues(fields: readonly RunFormField[]): Record<string, string | boolean> {
  const values: Record<string, string | boolean> = {};
  for (const f of fields) values[f.field] = f.initial ?? (f.input === 'switch' ? false : '');
  return values;
}

/**
 * The quick-mode body from the form: the fields the server describes (`GET /api/run-options`, the
 * same definition that validates the body), only the picked one of a group (rate or VUs).
 */
export function quickBody(
  fields: readonly RunFormField[],
  values: Record<string, string | boolean>,
  picked: string,
): { body: QuickRunBody } | { problems: string[] } {
  const problems: string[] = [];
  const body: Record<string, unknown> = {};
  for (const f of fields) {
    if (f.group && f.field !== picked) continue;
    const value = values[f.field];
    if (f.input === 'switch') {
      if (value === true) body[f.field] = f.value ?? true;
      continue;
    }
    const text = typeof value === 'string' ? value : '';
    if (f.input === 'count') {
      const t = text.trim();
      const n = Number(t);
      if (t === '') {
        if (f.required) problems.push(`${f.label}: required`);
      } else if ((f.choices ?? []).includes(t)) body[f.field] = t;
      else if (Number.isInteger(n) && n >= 1) body[f.field] = n;
      else
        problems.push(
          `${f.label}: a whole number above 0${f.choices?.length ? ` or ${f.choices.join(', ')}` : ''}, got "${t}"`,
        );
    } else if (f.input === 'number') {
      const n = Number(text);
      if (text.trim() === '') {
        if (f.required || f.group) problems.push(`${f.label}: a number above 0, got ""`);
      } else if (!Number.isFinite(n) || n <= 0) problems.push(`${f.label}: a number above 0, got "${text}"`);
      else body[f.field] = n;
    } else if (f.input === 'pairs') {
      const h = parseHeaders(text);
      problems.push(...h.problems);
      if (Object.keys(h.headers).length) body[f.field] = h.headers;
    } else if (f.input === 'lines') {
      const list = lines(text);
      if (list.length) body[f.field] = list;
    } else if (f.input === 'textarea') {
      if (text) body[f.field] = text;
    } else if (text.trim()) body[f.field] = text.trim();
    else if (f.required) problems.push(`${f.field}: required`);
  }
  if (problems.length) return { problems };
  // The server checks the rest with the same schema, and answers every problem at once.
  return { body: body as unknown as QuickRunBody };
}

/** One quick-mode field as its input. */
function FieldInput({
  f,
  value,
  set,
  disabled = false,
}: {
  f: RunFormField;
  value: string | boolean | undefined;
  set: (v: string | boolean) => void;
  /** A field the server cannot take now (agents without a pool). */
  disabled?: boolean;
}) {
  const text = typeof value === 'string' ? value : '';
  if (f.input === 'switch')
    return (
      <label className="inline check-field">
        <input
          type="checkbox"
          checked={value === true}
          onChange={(e) => set(e.target.checked)}
          data-testid={f.testId}
        />
        {f.label}
      </label>
    );
  const label = (
    <span>
      {f.label}
      {f.hint ? <span className="muted"> ({f.hint})</span> : null}
    </span>
  );
  if (f.input === 'select')
    return (
      <label className="field">
        {label}
        <select value={text} onChange={(e) => set(e.target.value)} data-testid={f.testId}>
          {(f.choices ?? []).map((c) => (
            <option key={c}>{c}</option>
          ))}
        </select>
      </label>
    );
  if (f.input === 'textarea' || f.input === 'lines' || f.input === 'pairs')
    return (
      <label className="field">
        {label}
        <textarea
          rows={3}
          value={text}
          placeholder={f.placeholder}
          onChange={(e) => set(e.target.value)}
          data-testid={f.testId}
        />
      </label>
    );
  return (
    <label className="field">
      {label}
      <input
        type={f.input === 'url' ? 'url' : f.input === 'number' ? 'number' : 'text'}
        inputMode={f.input === 'count' ? 'numeric' : undefined}
        disabled={disabled}
        required={f.required}
        min={f.input === 'number' ? '0' : undefined}
        step={f.input === 'number' ? 'any' : undefined}
        placeholder={f.placeholder}
        value={text}
        onChange={(e) => set(e.target.value)}
        data-testid={f.testId}
      />
    </label>
  );
}

/** Short inputs share a row; the group of alternatives (load model) is a radio plus the picked input. */
const SHORT: ReadonlySet<RunFormField['input']> = new Set(['number', 'count', 'text', 'select']);

/** Fields that need the server's agent pool (`volley serve --nats`). */
export const needsPool = (f: RunFormField): boolean => f.requires === 'agent-pool';

/** Says why the agent fields are off, when the server has no pool. */
function NoPoolNote({ show }: { show: boolean }) {
  if (!show) return null;
  return (
    <p className="muted small" data-testid="new-agents-unavailable">
      Agents need a server with an agent pool: start it with <code>volley serve --nats nats://HOST:4222</code>{' '}
      (the <a href="#/agents">Agents</a> page lists the pool).
    </p>
  );
}

export function QuickFields({
  fields,
  values,
  setValue,
  picked,
  setPicked,
  noPool,
}: {
  fields: readonly RunFormField[];
  values: Record<string, string | boolean>;
  setValue: (field: string, v: string | boolean) => void;
  picked: string;
  setPicked: (field: string) => void;
  noPool: boolean;
}) {
  const rows: { short: boolean; nodes: ReactNode[] }[] = [];
  const add = (short: boolean, node: ReactNode): void => {
    const last = rows.at(-1);
    if (short && last?.short) last.nodes.push(node);
    else rows.push({ short, nodes: [node] });
  };
  const groupsShown = new Set<string>();
  for (const f of fields) {
    if (f.group) {
      if (groupsShown.has(f.group.name)) continue;
      groupsShown.add(f.group.name);
      const members = fields.filter((m) => m.group?.name === f.group?.name);
      const chosen = members.find((m) => m.field === picked) ?? f;
      add(
        true,
        <fieldset className="field" key={`group-${f.group.name}`}>
          <legend>{f.group.label}</legend>
          {members.map((m) => (
            <label className="inline" key={m.field}>
              <input
                type="radio"
                name={f.group?.name}
                checked={m.field === chosen.field}
                onChange={() => setPicked(m.field)}
                data-testid={`new-loop-${m.field}`}
              />
              {m.group?.choice}
            </label>
          ))}
        </fieldset>,
      );
      add(
        true,
        <FieldInput
          key={chosen.field}
          f={chosen}
          value={values[chosen.field]}
          set={(v) => setValue(chosen.field, v)}
        />,
      );
      continue;
    }
    add(
      SHORT.has(f.input),
      <FieldInput
        key={f.field}
        f={f}
        value={values[f.field]}
        set={(v) => setValue(f.field, v)}
        disabled={noPool && needsPool(f)}
      />,
    );
  }
  return (
    <>
      {rows.map((r, i) =>
        r.short && r.nodes.length > 1 ? (
          <div className="field-row" key={i}>
            {r.nodes}
          </div>
        ) : (
          r.nodes
        ),
      )}
    </>
  );
}

export function NewRun() {
  const [mode, setMode] = useState<'quick' | 'script'>('quick');
  const options = usePoll<RunOptionsResponse>('/api/run-options', 0);
  const fields = options.data?.fields ?? [];
  const [values, setValues] = useState<Record<string, string | boolean> | null>(null);
  const [picked, setPicked] = useState<string | null>(null);
  const [script, setScript] = useState('');
  const [env, setEnv] = useState('');
  const [scenarios, setScenarios] = useState('');
  const [problem, setProblem] = useState<FormProblem | null>(null);
  const [activeRun, setActiveRun] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const scripts = usePoll<ScriptsResponse>('/api/scripts', 0);
  const pool = usePoll<AgentsResponse>('/api/agents', 0);
  const noPool = pool.data?.nats === null;
  // Without a pool the agent fields are off, and never sent.
  const sendable = fields.filter((f) => !(noPool && needsPool(f)));
  const poolFields = fields.filter(needsPool);
  const formValues = values ?? initialValues(fields);
  const pickedField = picked ?? fields.find((f) => f.group)?.field ?? '';
  const setValue = (field: string, v: string | boolean): void => setValues({ ...formValues, [field]: v });

  const buildBody = (): { body: QuickRunBody | ScriptRunBody } | { problems: string[] } => {
    const problems: string[] = [];
    if (mode === 'script') {
      if (!script) problems.push('pick a script');
      const e = parseEnv(env);
      problems.push(...e.problems);
      const agentPart = quickBody(sendable.filter(needsPool), formValues, '');
      if ('problems' in agentPart) problems.push(...agentPart.problems);
      if (problems.length || 'problems' in agentPart) return { problems };
      const b: ScriptRunBody = { script, ...(agentPart.body as Pick<ScriptRunBody, 'agents' | 'agentTags'>) };
      if (Object.keys(e.env).length) b.env = e.env;
      const sc = scenarios
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      if (sc.length) b.scenarios = sc;
      return { body: b };
    }
    if (fields.length === 0) return { problems: ['the run options have not loaded yet'] };
    return quickBody(sendable, formValues, pickedField);
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
      setProblem(formProblem(err));
      if (err instanceof ApiRequestError && err.status === 409) {
        const sys = await api<SystemInfo>('/api/system').catch(() => null);
        setActiveRun(sys?.activeRunId ?? null);
      }
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
            {options.error ? <ErrorBox error={`Could not load the run options: ${options.error}`} /> : null}
            <QuickFields
              fields={fields}
              values={formValues}
              setValue={setValue}
              picked={pickedField}
              setPicked={setPicked}
              noPool={noPool}
            />
            <NoPoolNote show={noPool && poolFields.length > 0} />
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
            {poolFields.length > 0 ? (
              <div className="field-row">
                {poolFields.map((f) => (
                  <FieldInput
                    key={f.field}
                    f={f}
                    value={formValues[f.field]}
                    set={(v) => setValue(f.field, v)}
                    disabled={noPool}
                  />
                ))}
              </div>
            ) : null}
            <NoPoolNote show={noPool && poolFields.length > 0} />
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
