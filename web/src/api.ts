/**
 * Talking to `volley serve`: REST with the bearer token when there is one, the live socket URL,
 * and the summary download (a plain link cannot carry an Authorization header).
 */
import type { ApiError } from '../../src/server/wire.js';

const TOKEN_KEY = 'volley.token';

/**
 * `?token=T` in the page URL is read once, kept in sessionStorage (this tab only) and removed from
 * the address bar so it does not end up in bookmarks, screenshots or the history.
 */
function initToken(): string | null {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl !== null) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete('token');
    window.history.replaceState(null, '', url.pathname + url.search + url.hash);
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

const token = initToken();

export class ApiRequestError extends Error {
  readonly status: number;
  readonly details: string[];
  constructor(status: number, message: string, details: string[] = []) {
    super(message);
    this.name = 'ApiRequestError';
    this.status = status;
    this.details = details;
  }
}

function authHeaders(): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}

async function errorFrom(res: Response): Promise<ApiRequestError> {
  let message = `${res.status} ${res.statusText}`;
  let details: string[] = [];
  try {
    const body = (await res.json()) as Partial<ApiError>;
    if (typeof body.error === 'string') message = body.error;
    if (Array.isArray(body.details)) details = body.details.map(String);
  } catch {
    // Not JSON (a proxy's error page): the status line is all there is to say.
    message = `${res.status} ${res.statusText || 'error'}`;
  }
  if (res.status === 401 && !token) message += ' — open the dashboard with ?token=YOUR_TOKEN';
  return new ApiRequestError(res.status, message, details);
}

/** JSON request; throws ApiRequestError with the server's message on any non-2xx answer. */
export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const headers: Record<string, string> = { ...authHeaders() };
  const req: RequestInit = { method: init.method ?? 'GET', headers };
  if (init.body !== undefined) {
    headers['content-type'] = 'application/json';
    req.body = JSON.stringify(init.body);
  }
  const res = await fetch(path.startsWith('/') ? `.${path}` : path, req);
  if (!res.ok) throw await errorFrom(res);
  // 202/204 may come without a body.
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** The live stream of one run; the token travels in the query (browsers cannot set socket headers). */
export function liveUrl(runId: string): string {
  const u = new URL(`./api/runs/${encodeURIComponent(runId)}/live`, window.location.href);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  u.hash = '';
  u.search = '';
  if (token) u.searchParams.set('access_token', token);
  return u.toString();
}

export function summaryPath(runId: string): string {
  return `./api/runs/${encodeURIComponent(runId)}/summary`;
}

/**
 * Downloads the summary JSON. Without a token the link's own navigation does it; with one, the
 * file is fetched with the header and handed to the browser as a blob.
 */
export async function downloadSummary(runId: string): Promise<void> {
  const res = await fetch(summaryPath(runId), { headers: authHeaders() });
  if (!res.ok) throw await errorFrom(res);
  const blob = await res.blob();
  const href = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = href;
  a.download = `volley-${runId}.json`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
}

export const hasToken = (): boolean => token !== null;

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** What a form shows when its request failed: the API's message and its per-field details. */
export interface FormProblem {
  error: string;
  details: string[];
}

export function formProblem(err: unknown): FormProblem {
  return err instanceof ApiRequestError
    ? { error: err.message, details: err.details }
    : { error: errorText(err), details: [] };
}
