/** `#/`: the run history, refreshed every 2 s, sortable, filterable; pick two to compare. */
import { useMemo, useState } from 'react';
import type { RunListItem, RunStatus, Verdict } from '../../../src/server/wire.js';
import { api, errorText } from '../api';
import { ErrorBox, StatusBadge, VerdictBadge } from '../components/common';
import { fmtDate, fmtDuration, fmtMs, fmtNum, fmtPct } from '../format';
import { compareHref, navigate, runHref, usePoll } from '../hooks';

type SortKey =
  'status' | 'verdict' | 'source' | 'name' | 'startedAt' | 'durationMs' | 'rps' | 'p99Ms' | 'errorRate';

const COLUMNS: { key: SortKey; label: string; num?: boolean }[] = [
  { key: 'status', label: 'Status' },
  { key: 'verdict', label: 'Verdict' },
  { key: 'source', label: 'Source' },
  { key: 'name', label: 'Name' },
  { key: 'startedAt', label: 'Started' },
  { key: 'durationMs', label: 'Duration', num: true },
  { key: 'rps', label: 'RPS', num: true },
  { key: 'p99Ms', label: 'p99', num: true },
  { key: 'errorRate', label: 'Error rate', num: true },
];

const STATUSES: RunStatus[] = ['starting', 'running', 'finished', 'error', 'interrupted'];
const VERDICTS: Verdict[] = ['passed', 'failed', 'aborted'];

function sortValue(r: RunListItem, key: SortKey): string | number | null {
  if (key === 'startedAt') return r.startedAt ?? r.createdAt;
  return r[key];
}

function compareRows(a: RunListItem, b: RunListItem, key: SortKey): number {
  const va = sortValue(a, key);
  const vb = sortValue(b, key);
  // Empty values sort last whichever the direction (applied before the direction flip).
  if (va === null && vb === null) return 0;
  if (va === null) return 1;
  if (vb === null) return -1;
  if (typeof va === 'number' && typeof vb === 'number') return va - vb;
  return String(va).localeCompare(String(vb));
}

export function RunsList() {
  const { data: runs, error, reload } = usePoll<RunListItem[]>('/api/runs', 2000);
  const [sort, setSort] = useState<{ key: SortKey; dir: 1 | -1 }>({ key: 'startedAt', dir: -1 });
  const [text, setText] = useState('');
  const [status, setStatus] = useState<'' | RunStatus>('');
  const [verdict, setVerdict] = useState<'' | Verdict>('');
  const [selected, setSelected] = useState<string[]>([]);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);

  const rows = useMemo(() => {
    const needle = text.trim().toLowerCase();
    const list = (runs ?? []).filter(
      (r) =>
        (!needle || r.name.toLowerCase().includes(needle) || r.id.toLowerCase().includes(needle)) &&
        (!status || r.status === status) &&
        (!verdict || r.verdict === verdict),
    );
    return list.sort((a, b) => {
      const va = sortValue(a, sort.key);
      const vb = sortValue(b, sort.key);
      if (va === null || vb === null) return compareRows(a, b, sort.key);
      return compareRows(a, b, sort.key) * sort.dir;
    });
  }, [runs, text, status, verdict, sort]);

  const byId = useMemo(() => new Map((runs ?? []).map((r) => [r.id, r])), [runs]);
  // A deleted run drops out of the selection.
  const picked = selected.filter((id) => byId.has(id));

  const toggle = (id: string): void => {
    setSelected((cur) => {
      const live = cur.filter((x) => byId.has(x));
      if (live.includes(id)) return live.filter((x) => x !== id);
      // Two at most: a third pick replaces the oldest pick.
      return [...live, id].slice(-2);
    });
  };

  const compare = (): void => {
    const [x, y] = picked.map((id) => byId.get(id)).filter((r): r is RunListItem => !!r);
    if (!x || !y) return;
    // The older run is the base.
    const [base, next] = x.createdAt <= y.createdAt ? [x, y] : [y, x];
    navigate(compareHref(base.id, next.id));
  };

  const remove = async (id: string): Promise<void> => {
    if (confirming !== id) {
      setConfirming(id);
      return;
    }
    setConfirming(null);
    try {
      await api(`/api/runs/${encodeURIComponent(id)}`, { method: 'DELETE' });
      setActionError(null);
      reload();
    } catch (err) {
      setActionError(`Delete failed: ${errorText(err)}`);
    }
  };

  const header = (c: (typeof COLUMNS)[number]) => {
    const active = sort.key === c.key;
    return (
      <th
        key={c.key}
        className={`sortable${c.num ? ' num' : ''}${active ? ' active' : ''}`}
        data-sort={c.key}
        aria-sort={active ? (sort.dir === 1 ? 'ascending' : 'descending') : 'none'}
        onClick={() =>
          setSort((s) =>
            s.key === c.key
              ? { key: c.key, dir: s.dir === 1 ? -1 : 1 }
              : { key: c.key, dir: c.num || c.key === 'startedAt' ? -1 : 1 },
          )
        }
      >
        {/* Right-aligned columns carry the arrow on the left so the label stays over the numbers. */}
        {c.num ? <span className="sort-arrow">{active ? (sort.dir === 1 ? '▲' : '▼') : ''}</span> : null}
        {c.label}
        {c.num ? null : <span className="sort-arrow">{active ? (sort.dir === 1 ? '▲' : '▼') : ''}</span>}
      </th>
    );
  };

  return (
    <div className="page">
      <div className="page-head">
        <h1>Runs</h1>
        <div className="toolbar">
          <input
            type="search"
            placeholder="Filter by name or id"
            value={text}
            onChange={(e) => setText(e.target.value)}
            data-testid="filter-text"
            aria-label="Filter by name or id"
          />
          <select
            value={status}
            onChange={(e) => setStatus(e.target.value as '' | RunStatus)}
            data-testid="filter-status"
            aria-label="Status"
          >
            <option value="">any status</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
          <select
            value={verdict}
            onChange={(e) => setVerdict(e.target.value as '' | Verdict)}
            data-testid="filter-verdict"
            aria-label="Verdict"
          >
            <option value="">any verdict</option>
            {VERDICTS.map((v) => (
              <option key={v} value={v}>
                {v}
              </option>
            ))}
          </select>
          <button
            type="button"
            disabled={picked.length !== 2}
            onClick={compare}
            data-testid="compare-button"
            title="Tick two runs to compare them"
          >
            Compare{picked.length ? ` (${picked.length}/2)` : ''}
          </button>
          <a className="button primary" href="#/new">
            New run
          </a>
        </div>
      </div>
      {error ? <ErrorBox error={`Could not load runs: ${error}`} testId="runs-error" /> : null}
      {actionError ? <ErrorBox error={actionError} /> : null}
      <div className="table-wrap">
        <table className="data runs" data-testid="runs-table">
          <thead>
            <tr>
              <th className="check" aria-label="Select" />
              {COLUMNS.map(header)}
              <th />
            </tr>
          </thead>
          <tbody>
            {runs === null && !error ? (
              <tr>
                <td colSpan={COLUMNS.length + 2} className="muted">
                  Loading…
                </td>
              </tr>
            ) : null}
            {runs !== null && rows.length === 0 ? (
              <tr>
                <td colSpan={COLUMNS.length + 2} className="muted" data-testid="runs-empty">
                  {runs.length === 0 ? (
                    <>
                      No runs yet. <a href="#/new">Start one</a>.
                    </>
                  ) : (
                    'No run matches the filters.'
                  )}
                </td>
              </tr>
            ) : null}
            {rows.map((r) => (
              <tr key={r.id} data-testid="run-row" data-run-id={r.id} data-status={r.status}>
                <td className="check">
                  <input
                    type="checkbox"
                    checked={picked.includes(r.id)}
                    onChange={() => toggle(r.id)}
                    aria-label={`Select run ${r.id}`}
                    data-testid="run-select"
                  />
                </td>
                <td>
                  <StatusBadge status={r.status} />
                </td>
                <td>
                  <VerdictBadge verdict={r.verdict} />
                </td>
                <td className="muted">{r.source}</td>
                <td className="name">
                  <a href={runHref(r.id)} title={r.id} data-testid="run-link">
                    {r.name}
                  </a>
                  <div className="muted small mono">{r.id}</div>
                </td>
                <td data-testid="run-started">{fmtDate(r.startedAt ?? r.createdAt)}</td>
                <td className="num">{fmtDuration(r.durationMs)}</td>
                <td className="num">{fmtNum(r.rps)}</td>
                <td className="num">{fmtMs(r.p99Ms)}</td>
                <td className={`num${r.errorRate ? ' bad-text' : ''}`}>{fmtPct(r.errorRate)}</td>
                <td className="actions">
                  <button
                    type="button"
                    className={`small${confirming === r.id ? ' danger' : ''}`}
                    onClick={() => void remove(r.id)}
                    onBlur={() => setConfirming((c) => (c === r.id ? null : c))}
                    disabled={r.status === 'running' || r.status === 'starting'}
                    title={r.status === 'running' || r.status === 'starting' ? 'Stop the run first' : ''}
                    data-testid="delete-button"
                  >
                    {confirming === r.id ? 'Confirm delete' : 'Delete'}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
