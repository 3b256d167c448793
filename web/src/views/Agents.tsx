/**
 * `#/agents`: the agent pool of `volley serve --nats` (`GET /api/agents`, every 2 s). An agent that
 * stops answering stays listed for a minute as "not answering", with when it was last heard.
 */
import { useEffect, useState } from 'react';
import type { AgentInfo, AgentsResponse } from '../../../src/server/wire.js';
import { ErrorBox } from '../components/common';
import { DASH } from '../format';
import { runHref, usePoll } from '../hooks';

const POLL_MS = 2000;
/** How long an agent that stopped answering is still shown. */
const FORGET_MS = 60_000;

interface Seen {
  info: AgentInfo;
  /** Browser time (Date.now()) of the last discovery it answered. */
  heardAt: number;
  answering: boolean;
}

function ago(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 3 ? 'just now' : s < 120 ? `${s} s ago` : `${Math.round(s / 60)} min ago`;
}

const tagText = (tags: Record<string, string>): string =>
  Object.entries(tags)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');

export function Agents() {
  const pool = usePoll<AgentsResponse>('/api/agents', POLL_MS);
  const [seen, setSeen] = useState<Map<string, Seen>>(new Map());
  const [now, setNow] = useState(() => Date.now());

  useEffect(() => {
    const data = pool.data;
    if (!data) return;
    const t = Date.now();
    setNow(t);
    setSeen((prev) => {
      const next = new Map<string, Seen>();
      for (const a of data.agents) next.set(a.id, { info: a, heardAt: t, answering: true });
      for (const [id, s] of prev)
        if (!next.has(id) && t - s.heardAt < FORGET_MS) next.set(id, { ...s, answering: false });
      return next;
    });
  }, [pool.data]);

  const data = pool.data;
  const rows = [...seen.values()].sort(
    (a, b) => a.info.name.localeCompare(b.info.name) || a.info.id.localeCompare(b.info.id),
  );

  return (
    <div className="page" data-testid="agents-page">
      <div className="page-head">
        <div>
          <h1>Agents</h1>
          <div className="muted small" data-testid="agents-pool">
            {data === null
              ? 'Asking the pool…'
              : data.nats === null
                ? 'No agent pool'
                : `NATS ${data.nats}${data.connected ? '' : ' (disconnected: reconnecting)'} · controller volley ${data.controllerVersion} · refreshed every ${POLL_MS / 1000} s`}
          </div>
        </div>
      </div>
      {pool.error ? (
        <ErrorBox error={`Could not list the agents: ${pool.error}`} testId="agents-error" />
      ) : null}
      {data && data.nats === null ? (
        <div className="card" data-testid="agents-no-pool">
          <p>This server has no agent pool: runs here use this machine's worker threads only.</p>
          <p>
            Start it with a NATS server to spread runs over agents:{' '}
            <code>volley serve --nats nats://HOST:4222</code>, then on each load machine{' '}
            <code>volley agent --nats nats://HOST:4222</code>.
          </p>
        </div>
      ) : null}
      {data && data.nats !== null && rows.length === 0 ? (
        <div className="card" data-testid="agents-empty">
          <p>No agent answered.</p>
          <p>
            Start one on each load machine: <code>volley agent --nats {data.nats}</code> (add{' '}
            <code>--name web-1 --tags zone=eu</code> to tell them apart). It shows here within{' '}
            {POLL_MS / 1000} s.
          </p>
        </div>
      ) : null}
      {rows.length > 0 ? (
        <section className="card table-wrap">
          <table className="data" data-testid="agents-table">
            <thead>
              <tr>
                <th>Name</th>
                <th>Tags</th>
                <th>Version</th>
                <th className="num">Cores</th>
                <th className="num">Threads</th>
                <th>State</th>
                <th>Run</th>
                <th>Host</th>
                <th>Last heard</th>
              </tr>
            </thead>
            <tbody>
              {rows.map(({ info: a, heardAt, answering }) => (
                <tr
                  key={a.id}
                  data-testid="agent-row"
                  data-name={a.name}
                  data-state={answering ? a.state : 'gone'}
                  className={answering ? '' : 'muted'}
                >
                  <td className="mono" title={a.id}>
                    {a.name}
                  </td>
                  <td data-testid="agent-tags">{tagText(a.tags) || <span className="muted">{DASH}</span>}</td>
                  <td
                    className={data && a.version !== data.controllerVersion ? 'bad-text' : ''}
                    title={
                      data && a.version !== data.controllerVersion
                        ? `version skew: this controller is volley ${data.controllerVersion}; runs refuse this agent`
                        : undefined
                    }
                  >
                    {a.version}
                  </td>
                  <td className="num">{a.cores}</td>
                  <td className="num">{a.workers}</td>
                  <td>
                    {answering ? (
                      <span
                        className={`badge ${a.state === 'idle' ? 'status-finished' : 'status-running'}`}
                        data-testid="agent-state"
                      >
                        {a.state === 'running' ? <span className="pulse" /> : null}
                        {a.state}
                      </span>
                    ) : (
                      <span className="badge status-error" data-testid="agent-state">
                        not answering
                      </span>
                    )}
                  </td>
                  <td>
                    {a.runId ? (
                      <a className="mono" href={runHref(a.runId)} data-testid="agent-run">
                        {a.runId.slice(0, 8)}
                      </a>
                    ) : (
                      <span className="muted">{DASH}</span>
                    )}
                  </td>
                  <td className="mono">{a.host}</td>
                  <td data-testid="agent-heard">{ago(now - heardAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
    </div>
  );
}
