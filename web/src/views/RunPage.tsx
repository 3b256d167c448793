/** `#/runs/:id`: the live view while the run starts or runs, the detail once it ended. */
import { useEffect, useState } from 'react';
import type { RunDetail } from '../../../src/server/wire.js';
import { api, ApiRequestError, errorText } from '../api';
import { ErrorBox } from '../components/common';
import { LiveRun } from './LiveRun';
import { RunDetailView } from './RunDetail';

const ACTIVE = new Set(['starting', 'running']);

export function RunPage({ id }: { id: string }) {
  const [run, setRun] = useState<RunDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [version, setVersion] = useState(0);

  useEffect(() => {
    let alive = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let attempts = 0;
    const load = async (): Promise<void> => {
      try {
        const r = await api<RunDetail>(`/api/runs/${encodeURIComponent(id)}`);
        if (!alive) return;
        setError(null);
        // Just finished: the summary may land a moment after the status; ask again briefly.
        if (r.status === 'finished' && r.summary === null && attempts++ < 20) {
          timer = setTimeout(() => void load(), 250);
          return;
        }
        setRun(r);
      } catch (err) {
        if (!alive) return;
        setError(
          err instanceof ApiRequestError && err.status === 404 ? `No run with id ${id}.` : errorText(err),
        );
      }
    };
    void load();
    return () => {
      alive = false;
      if (timer) clearTimeout(timer);
    };
  }, [id, version]);

  if (error)
    return (
      <div className="page">
        <ErrorBox error={error} testId="run-load-error" />
        <p>
          <a href="#/">Back to the runs</a>
        </p>
      </div>
    );
  if (!run || run.id !== id)
    return (
      <div className="page">
        <p className="muted">Loading run {id}…</p>
      </div>
    );
  if (ACTIVE.has(run.status))
    return <LiveRun key={id} initial={run} onEnded={() => setVersion((v) => v + 1)} />;
  return <RunDetailView run={run} />;
}
