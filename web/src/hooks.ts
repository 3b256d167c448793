/** Hash routing and polling, small enough not to need libraries. */
import { useEffect, useState } from 'react';
import { api, errorText } from './api';

export type Route =
  | { view: 'runs' }
  | { view: 'new' }
  | { view: 'agents' }
  | { view: 'stress' }
  | { view: 'benches' }
  | { view: 'bench'; id: string }
  | { view: 'schedules' }
  | { view: 'run'; id: string }
  | { view: 'compare'; a: string; b: string }
  | { view: 'missing'; hash: string };

function parseHash(hash: string): Route {
  const path = hash.replace(/^#/, '') || '/';
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0) return { view: 'runs' };
  if (parts[0] === 'new' && parts.length === 1) return { view: 'new' };
  if (parts[0] === 'agents' && parts.length === 1) return { view: 'agents' };
  if (parts[0] === 'stress' && parts.length === 1) return { view: 'stress' };
  if (parts[0] === 'benches' && parts.length === 1) return { view: 'benches' };
  if (parts[0] === 'benches' && parts.length === 2 && parts[1]) return { view: 'bench', id: parts[1] };
  if (parts[0] === 'schedules' && parts.length === 1) return { view: 'schedules' };
  if (parts[0] === 'runs' && parts.length === 2 && parts[1]) return { view: 'run', id: parts[1] };
  if (parts[0] === 'compare' && parts.length === 3 && parts[1] && parts[2])
    return { view: 'compare', a: parts[1], b: parts[2] };
  return { view: 'missing', hash };
}

export function useRoute(): Route {
  const [hash, setHash] = useState(() => window.location.hash);
  useEffect(() => {
    const on = (): void => setHash(window.location.hash);
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return parseHash(hash);
}

export function navigate(hash: string): void {
  window.location.hash = hash;
}

export const runHref = (id: string): string => `#/runs/${encodeURIComponent(id)}`;
export const benchHref = (id: string): string => `#/benches/${encodeURIComponent(id)}`;
export const compareHref = (a: string, b: string): string =>
  `#/compare/${encodeURIComponent(a)}/${encodeURIComponent(b)}`;

/**
 * GET `path` now and every `everyMs` (never two requests at once; a slow server is not piled on).
 * Keeps the last good value when a refresh fails, and says so in `error`.
 */
export function usePoll<T>(
  path: string | null,
  everyMs: number,
): { data: T | null; error: string | null; reload: () => void } {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (path === null) return;
    // Per effect run: a request still in flight from a previous path must not start a second loop.
    let alive = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async (): Promise<void> => {
      try {
        const v = await api<T>(path);
        if (!alive) return;
        setData(v);
        setError(null);
      } catch (err) {
        if (alive) setError(errorText(err));
      }
      if (alive && everyMs > 0) timer = setTimeout(() => void load(), everyMs);
    };
    void load();
    return () => {
      alive = false;
      if (timer) clearTimeout(timer);
    };
  }, [path, everyMs, tick]);
  return { data, error, reload: () => setTick((t) => t + 1) };
}
