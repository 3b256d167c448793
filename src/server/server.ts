/**
 * `volley serve`: the REST API, the live WebSocket stream, Prometheus `/metrics` and the built
 * dashboard, over one run store. Binds 127.0.0.1 unless told otherwise; any other address needs a
 * token. Runs it starts execute in their own processes (RunManager).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { VolleyError } from '../errors.js';
import { processAlive } from '../store/pid-alive.js';
import { DamagedStoreError } from '../store/damaged.js';
import type { RunStore } from '../store/run-store.js';
import { isActiveStatus, type RunStatus } from '../store/types.js';
import { prometheusText } from '../report/prometheus-text.js';
import { summaryHeadline } from '../summary/headline.js';
import type { AgentPool } from '../generators/agent/agent-pool.js';
import { safeUrl } from '../generators/agent/nats-connect.js';
import { ApiProblem, RunManager, type AgentPoolSettings } from './run-manager.js';
import { CSP, dashboardBuilt, serveStatic } from './static-files.js';
import { SystemSampler } from './system-info.js';
import { compareStoredRuns } from './compare-runs.js';
import { listTestFiles } from './test-files.js';
import {
  validateBench,
  validateControl,
  validateCreateRun,
  validateSchedule,
  validateStress,
  type ScheduleFields,
} from './validate.js';
import { benchDetail } from './benches.js';
import { BenchStore } from '../store/bench-store.js';
import { Scheduler } from './scheduler.js';
import { runOptionsResponse } from '../session/run-options.js';
import type {
  AgentsResponse,
  ApiError,
  CreateRunBody,
  LiveMessage,
  RunDetail,
  ScriptsResponse,
  SeriesResponse,
  SystemInfo,
} from './wire.js';

export interface ServeOptions {
  store: RunStore;
  host: string;
  port: number;
  token: string | undefined;
  scriptsDir: string | undefined;
  /** The built dashboard (dist/web). */
  webDir: string;
  jobEntry: string;
  env: NodeJS.ProcessEnv;
  /**
   * The agent pool (`--nats`): connected before the server listens, so a wrong URL or credentials
   * is an error at start; runs asking for agents reserve them from it.
   */
  nats?: AgentPoolSettings | undefined;
  /** The dashboard's address as others reach it (behind a proxy): the run links in webhooks. Default: the listening address. */
  publicUrl?: string | undefined;
  version: string;
  log: (line: string) => void;
}

/** How long `GET /api/agents` listens for discovery answers. */
const DISCOVER_MS = 500;

export interface RunningServer {
  url: string;
  port: number;
  manager: RunManager;
  scheduler: Scheduler;
  close(): Promise<void>;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);
const MAX_BODY_BYTES = 1_048_576;
/** The most runs one list answers (SQLite takes LIMIT as a 64-bit integer: 1e20 is not one). */
const MAX_LIST = 10_000;
const STATUSES: readonly RunStatus[] = ['starting', 'running', 'finished', 'error', 'interrupted'];

export function isLoopback(host: string): boolean {
  return LOOPBACK_HOSTS.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** decodeURIComponent that answers 400 instead of throwing URIError on a malformed escape. */
export function decodePath(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new ApiProblem(400, `malformed percent-encoding in '${raw}'`);
  }
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

function send(
  res: ServerResponse,
  status: number,
  body?: unknown,
  headers: Record<string, string> = {},
): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    ...(body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...headers,
  });
  res.end(text);
}

function problem(res: ServerResponse, status: number, error: string, details?: string[]): void {
  const body: ApiError = details && details.length > 0 ? { error, details } : { error };
  send(res, status, body);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(type))
    throw new ApiProblem(415, 'send the body as JSON (content-type: application/json)');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_BODY_BYTES) throw new ApiProblem(413, `the body is larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(c);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ApiProblem(400, `the body is not valid JSON: ${(err as Error).message}`);
  }
}

export async function startServer(opts: ServeOptions): Promise<RunningServer> {
  if (!isLoopback(opts.host) && !opts.token)
    throw new VolleyError(
      'INVALID_USAGE',
      `--host ${opts.host} exposes the API beyond this machine: give --token (or VOLLEY_TOKEN) too`,
      { hint: 'clients then send Authorization: Bearer TOKEN; the dashboard is opened with ?token=TOKEN' },
    );
  const tokenDigest = opts.token ? digest(opts.token) : undefined;
  let pool: AgentPool | undefined;
  if (opts.nats) {
    // Loaded only with --nats: a server without a pool never loads the NATS client.
    const { AgentPool } = await import('../generators/agent/agent-pool.js');
    pool = await AgentPool.connect(
      { url: opts.nats.url, ...opts.nats.auth, name: `volley serve ${opts.host}` },
      opts.version,
    );
  }
  const manager = new RunManager({
    store: opts.store,
    jobEntry: opts.jobEntry,
    scriptsDir: opts.scriptsDir,
    env: opts.env,
    nats: opts.nats,
    log: opts.log,
  });
  let publicUrl = '';
  const scheduler = new Scheduler({
    store: opts.store,
    manager,
    dashboardUrl: () => publicUrl,
    log: opts.log,
  });
  /** A schedule's run body is checked like a run's: its script must exist in --scripts now. */
  const checkScheduleRun = (f: ScheduleFields): void => {
    if (f.run) manager.check(f.run);
  };

  /** One discovery at a time: concurrent GET /api/agents (tabs, polls) share its answer. */
  let discovering: Promise<AgentsResponse> | undefined;
  const agents = (): Promise<AgentsResponse> => {
    if (!pool || !opts.nats)
      return Promise.resolve({ nats: null, connected: false, controllerVersion: opts.version, agents: [] });
    const p = pool;
    const url = safeUrl(opts.nats.url);
    discovering ??= p
      .discover(DISCOVER_MS)
      .then((found) => ({
        nats: url,
        connected: p.connectedSince() !== undefined,
        controllerVersion: opts.version,
        agents: found,
      }))
      .finally(() => (discovering = undefined));
    return discovering;
  };
  const system = new SystemSampler();
  const hasDashboard = dashboardBuilt(opts.webDir);

  /** Bearer header; `?access_token=` only where a browser cannot set headers (the WebSocket). */
  const authorized = (req: IncomingMessage, url: URL, queryToken = false): boolean => {
    if (!tokenDigest) return true;
    const header = req.headers.authorization ?? '';
    const fromQuery = queryToken ? (url.searchParams.get('access_token') ?? '') : '';
    const given = header.startsWith('Bearer ') ? header.slice(7) : fromQuery;
    return given !== '' && timingSafeEqual(digest(given), tokenDigest);
  };

  /**
   * Without a token the server trusts loopback only, so a web page elsewhere must not reach it
   * through the browser: the Host must be a loopback name (DNS rebinding), an absolute-form
   * request target must name this server too, and a cross-site Origin — or `null`, what a
   * sandboxed frame or a file: page sends — is refused on anything that changes state or streams.
   */
  const sameSite = (req: IncomingMessage): string | undefined => {
    const host = req.headers.host ?? '';
    if (!tokenDigest && isLoopback(opts.host)) {
      const name = host.replace(/:\d+$/, '');
      if (!isLoopback(name)) return `Host '${host}' is not this loopback server`;
    }
    const target = req.url ?? '/';
    if (!target.startsWith('/')) {
      let t: URL | undefined;
      try {
        t = new URL(target);
      } catch {
        t = undefined;
      }
      if (!t || t.host !== host) return `request target '${target.slice(0, 200)}' is not this server`;
    }
    const origin = req.headers.origin;
    if (origin === 'null') return 'requests from an opaque origin (Origin: null) are refused';
    if (origin !== undefined) {
      let o: URL;
      try {
        o = new URL(origin);
      } catch {
        return `Origin '${origin}' is malformed`;
      }
      if (o.host !== host) return `cross-origin request from ${origin} refused`;
    }
    return undefined;
  };

  /**
   * Without a token anyone on this machine may read runs, but not by guessing: an id prefix must
   * have 8 characters (what the CLI prints), not 4.
   */
  const minPrefix = tokenDigest ? 4 : 8;

  const runDetail = (id: string): RunDetail | undefined => {
    const r = opts.store.get(id);
    if (!r) return undefined;
    const { pid: _pid, config: _config, request, ...rest } = r;
    return { ...rest, request: (request ?? null) as RunDetail['request'] };
  };

  /** A run id (or unique prefix) from the path: malformed or ambiguous is a 400, unknown a 404. */
  const resolveRun = (raw: string): string => {
    let id: string | undefined;
    try {
      id = opts.store.resolveId(decodePath(raw), minPrefix);
    } catch (err) {
      if (err instanceof VolleyError) throw new ApiProblem(400, err.message);
      throw err;
    }
    if (!id) throw new ApiProblem(404, `no run ${raw}`);
    return id;
  };

  async function api(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = req.method ?? 'GET';
    const parts = url.pathname.split('/').filter(Boolean); // ['api', 'runs', id, sub]
    if (parts[1] === 'runs' && parts.length === 2) {
      if (method === 'GET') {
        const limitText = url.searchParams.get('limit');
        const limit = limitText === null ? 200 : Number(limitText);
        if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST)
          throw new ApiProblem(400, `limit: must be an integer from 1 to ${MAX_LIST}`);
        const status = url.searchParams.get('status');
        if (status !== null && !STATUSES.includes(status as RunStatus))
          throw new ApiProblem(400, `status: must be one of ${STATUSES.join(', ')}`);
        opts.store.reconcile(processAlive);
        return send(res, 200, opts.store.list({ limit, ...(status ? { status: status as RunStatus } : {}) }));
      }
      if (method === 'POST') {
        const v = validateCreateRun(await readJson(req));
        if (!v.ok) throw new ApiProblem(400, v.errors[0] as string, v.errors);
        const id = manager.start(v.value);
        return send(res, 201, { id }, { location: `/api/runs/${id}` });
      }
      throw new ApiProblem(405, `${method} is not allowed on /api/runs`);
    }
    if (parts[1] === 'runs' && parts.length >= 3) {
      const id = resolveRun(parts[2] as string);
      const sub = parts.slice(3).join('/');
      if (sub === '') {
        if (method === 'GET') return send(res, 200, runDetail(id));
        if (method === 'DELETE') {
          const status = opts.store.get(id)?.status;
          if (manager.activeId === id || (status !== undefined && isActiveStatus(status)))
            throw new ApiProblem(409, `run ${id} is active: stop it (or let it end) first`);
          opts.store.delete(id);
          return send(res, 204);
        }
        if (method === 'PATCH') {
          const v = validateControl(await readJson(req));
          if (!v.ok) throw new ApiProblem(400, v.errors[0] as string, v.errors);
          return send(res, 200, { id, applied: await manager.control(id, v.value) });
        }
      } else if (sub === 'series' && method === 'GET') {
        const body: SeriesResponse = { runId: id, points: opts.store.series(id) };
        return send(res, 200, body);
      } else if (sub === 'summary' && method === 'GET') {
        const r = opts.store.get(id);
        if (!r?.summary) throw new ApiProblem(404, `run ${id} has no summary (status ${r?.status})`);
        return send(res, 200, r.summary, {
          'content-disposition': `attachment; filename="volley-${id.slice(0, 8)}.json"`,
        });
      } else if (sub === 'endpoints/series' && method === 'GET') {
        return send(res, 200, { runId: id, points: opts.store.endpointSeries(id) });
      } else if (parts[3] === 'metrics' && parts.length === 5 && method === 'GET') {
        const metric = decodePath(parts[4] as string);
        const points = opts.store.metricSeries(id, metric);
        if (points.length === 0 && !opts.store.metricNames(id).includes(metric))
          throw new ApiProblem(404, `run ${id} has no metric ${metric}`);
        return send(res, 200, { runId: id, metric, points });
      } else if (sub === 'metrics' && method === 'GET') {
        return send(res, 200, { runId: id, metrics: opts.store.metricNames(id) });
      } else if (sub === 'percentiles' && method === 'GET') {
        // Default: the run's headline duration (its main protocol's), read from its summary.
        const stored = url.searchParams.get('metric') === null ? opts.store.get(id)?.summary : undefined;
        const metric = url.searchParams.get('metric') ?? summaryHeadline(stored ?? { metrics: {} }).duration;
        const ps = (url.searchParams.get('p') ?? '50,90,95,99,99.9').split(',').map(Number);
        if (ps.some((p) => !Number.isFinite(p) || p <= 0 || p > 100))
          throw new ApiProblem(400, 'p: a comma-separated list of percentiles in (0, 100]');
        const values = opts.store.percentiles(id, metric, ps);
        if (!values) throw new ApiProblem(404, `run ${id} has no stored histogram of ${metric}`);
        return send(res, 200, { runId: id, metric, values });
      } else if (sub === 'stop' && method === 'POST') {
        manager.stop(id);
        return send(res, 202, { id, stopping: true });
      }
      const known = ['', 'series', 'summary', 'endpoints/series', 'metrics', 'percentiles', 'stop'];
      if (known.includes(sub) || parts[3] === 'metrics')
        throw new ApiProblem(405, `${method} is not allowed on ${url.pathname}`);
      throw new ApiProblem(404, `no route ${method} ${url.pathname}`);
    }
    if (url.pathname === '/api/stress') {
      if (method !== 'POST') throw new ApiProblem(405, `${method} is not allowed on /api/stress`);
      const v = validateStress(await readJson(req));
      if (!v.ok) throw new ApiProblem(400, v.errors[0] as string, v.errors);
      const id = manager.startStress(v.value);
      return send(res, 201, { id }, { location: `/api/runs/${id}` });
    }
    if (url.pathname === '/api/bench') {
      if (method !== 'POST') throw new ApiProblem(405, `${method} is not allowed on /api/bench`);
      const v = validateBench(await readJson(req));
      if (!v.ok) throw new ApiProblem(400, v.errors[0] as string, v.errors);
      const id = manager.startBench(v.value);
      return send(res, 202, { id }, { location: `/api/benches/${id}` });
    }
    if (parts[1] === 'benches' && parts.length === 2 && method === 'GET') {
      const limitText = url.searchParams.get('limit');
      const limit = limitText === null ? 50 : Number(limitText);
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST)
        throw new ApiProblem(400, `limit: must be an integer from 1 to ${MAX_LIST}`);
      return send(res, 200, new BenchStore(opts.store.database).list(limit));
    }
    if (parts[1] === 'benches' && parts.length === 3 && method === 'GET') {
      const id = decodePath(parts[2] as string);
      const detail = benchDetail(new BenchStore(opts.store.database), manager.benchState(id), id);
      if (!detail) throw new ApiProblem(404, `no bench ${id}`);
      return send(res, 200, detail);
    }
    if (parts[1] === 'benches' && parts.length === 4 && parts[3] === 'stop' && method === 'POST') {
      const id = decodePath(parts[2] as string);
      if (manager.benchState(id)?.status !== 'running')
        throw new ApiProblem(409, `bench ${id} is not running on this server`);
      manager.stop(id);
      return send(res, 202, { id, stopping: true });
    }
    if (parts[1] === 'schedules') return schedules(req, res, url, parts, method);
    if (url.pathname === '/api/compare' && method === 'GET')
      return send(res, 200, compareStoredRuns(opts.store, resolveRun, url.searchParams));
    if (url.pathname === '/api/system' && method === 'GET') {
      const body: SystemInfo = {
        ...system.read(),
        activeRunId: manager.activeId ?? null,
        version: opts.version,
      };
      return send(res, 200, body);
    }
    if (url.pathname === '/api/run-options' && method === 'GET') return send(res, 200, runOptionsResponse());
    if (url.pathname === '/api/agents' && method === 'GET') return send(res, 200, await agents());
    if (url.pathname === '/api/scripts' && method === 'GET') {
      const body: ScriptsResponse = {
        dir: manager.scriptsDir ?? null,
        scripts: listTestFiles(manager.scriptsDir),
      };
      return send(res, 200, body);
    }
    throw new ApiProblem(404, `no route ${method} ${url.pathname}`);
  }

  async function schedules(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    parts: string[],
    method: string,
  ): Promise<void> {
    if (parts.length === 2) {
      if (method === 'GET') return send(res, 200, scheduler.list());
      if (method === 'POST') {
        const v = validateSchedule(await readJson(req));
        if (!v.ok) throw new ApiProblem(400, v.errors[0] as string, v.errors);
        checkScheduleRun(v.value);
        const f = v.value;
        const run = f.run as CreateRunBody;
        const created = scheduler.create({
          name: f.name ?? ('url' in run ? run.url : 'script' in run ? run.script : 'config'),
          cron: f.cron as string,
          run: run as unknown as Record<string, unknown>,
          baseline: f.baseline ?? 'previous',
          tolerance: f.tolerance ?? 0.1,
          webhooks: f.webhooks ?? [],
          paused: f.paused ?? false,
        });
        return send(res, 201, created, { location: `/api/schedules/${created.id}` });
      }
      throw new ApiProblem(405, `${method} is not allowed on /api/schedules`);
    }
    const id = decodePath(parts[2] as string);
    if (parts.length === 3) {
      if (method === 'GET') return send(res, 200, scheduler.get(id));
      if (method === 'PATCH') {
        scheduler.get(id); // 404 before 400
        const v = validateSchedule(await readJson(req), true);
        if (!v.ok) throw new ApiProblem(400, v.errors[0] as string, v.errors);
        checkScheduleRun(v.value);
        const { run, ...rest } = v.value;
        return send(
          res,
          200,
          scheduler.update(id, {
            ...rest,
            ...(run ? { run: run as unknown as Record<string, unknown> } : {}),
          }),
        );
      }
      if (method === 'DELETE') {
        scheduler.delete(id);
        return send(res, 204);
      }
      throw new ApiProblem(405, `${method} is not allowed on ${url.pathname}`);
    }
    if (parts.length === 4 && parts[3] === 'firings') {
      if (method !== 'GET') throw new ApiProblem(405, `${method} is not allowed on ${url.pathname}`);
      const limitText = url.searchParams.get('limit');
      const limit = limitText === null ? 100 : Number(limitText);
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST)
        throw new ApiProblem(400, `limit: must be an integer from 1 to ${MAX_LIST}`);
      return send(res, 200, scheduler.firings(id, limit));
    }
    throw new ApiProblem(404, `no route ${method} ${url.pathname}`);
  }

  /**
   * Any error to its answer: an ApiProblem as itself, a damaged store as 503 with what to do (the
   * file is the problem, not the request), anything else as 500; never a stack in the body.
   */
  const fail = (req: IncomingMessage, res: ServerResponse, err: unknown): void => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (err instanceof ApiProblem) return problem(res, err.status, err.message, err.details);
    if (err instanceof DamagedStoreError) {
      opts.log(`error on ${req.method} ${req.url}: ${err.message}`);
      return problem(res, 503, err.message);
    }
    opts.log(`internal error on ${req.method} ${req.url}: ${(err as Error).stack ?? String(err)}`);
    problem(res, 500, `internal error: ${(err as Error).message}`);
  };

  const server = createServer((req, res) => {
    try {
      handle(req, res);
    } catch (err) {
      fail(req, res, err);
    }
  });

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const isApi = url.pathname.startsWith('/api/') || url.pathname === '/metrics';
    const refusal = sameSite(req);
    if (refusal && (isApi || req.method !== 'GET')) return problem(res, 403, refusal);
    if (isApi && !authorized(req, url)) {
      res.setHeader('www-authenticate', 'Bearer');
      return problem(res, 401, 'this server needs a token: send Authorization: Bearer TOKEN');
    }
    if (url.pathname === '/metrics' && req.method === 'GET') {
      res.writeHead(200, {
        'content-type': 'text/plain; version=0.0.4; charset=utf-8',
        'cache-control': 'no-store',
      });
      res.end(prometheusText(manager.activeId, manager.latest));
      return;
    }
    if (url.pathname.startsWith('/api/')) {
      api(req, res, url).catch((err: unknown) => fail(req, res, err));
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return problem(res, 405, `${req.method} is not allowed here`);
    if (hasDashboard && serveStatic(opts.webDir, url.pathname, res, req.method === 'HEAD')) return;
    if (!hasDashboard && url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-security-policy': CSP });
      res.end(
        `volley ${opts.version}: the dashboard is not built (npm run build); the API is at /api/runs\n`,
      );
      return;
    }
    problem(res, 404, `no such file ${url.pathname}`);
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const m = /^\/api\/runs\/([^/]+)\/live$/.exec(url.pathname);
    const refuse = (status: number, text: string): void => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    };
    if (!m) return refuse(404, 'Not Found');
    if (sameSite(req)) return refuse(403, 'Forbidden');
    if (!authorized(req, url, true)) return refuse(401, 'Unauthorized');
    let id: string | undefined;
    try {
      id = opts.store.resolveId(decodePath(m[1] as string), minPrefix);
    } catch (err) {
      if (err instanceof DamagedStoreError) {
        opts.log(`error on the live stream of ${m[1]}: ${err.message}`);
        return refuse(503, 'Service Unavailable');
      }
      return refuse(400, 'Bad Request'); // malformed escape or an ambiguous id prefix
    }
    if (!id) return refuse(404, 'Not Found');
    wss.handleUpgrade(req, socket, head, (ws) => attachLive(ws, id));
  });

  const sockets = new Set<WebSocket>();
  function attachLive(ws: WebSocket, id: string): void {
    sockets.add(ws);
    const push = (m: LiveMessage): void => {
      if (ws.readyState !== ws.OPEN) return;
      // A client that cannot keep up skips seconds instead of growing the server's memory.
      if (m.type === 'snapshot' && ws.bufferedAmount > 4 * 1048576) return;
      ws.send(JSON.stringify(m));
      if (m.type === 'status' && !isActiveStatus(m.run.status)) ws.close(1000, 'run ended');
    };
    const off = manager.subscribe(id, push);
    ws.on('close', () => {
      off?.();
      sockets.delete(ws);
    });
    ws.on('error', () => ws.terminate());
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new VolleyError(
          'INVALID_USAGE',
          `cannot listen on ${opts.host}:${opts.port}: ${err.code === 'EADDRINUSE' ? 'the port is in use' : err.message}`,
          { hint: '--port 0 picks a free port' },
        ),
      ),
    );
    server.listen(opts.port, opts.host, () => resolve());
  }).catch(async (err: unknown) => {
    await pool?.close();
    throw err;
  });
  const port = (server.address() as AddressInfo).port;
  const hostInUrl = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  const listening = `http://${hostInUrl}:${port}`;
  publicUrl = opts.publicUrl ?? listening;
  scheduler.start();
  return {
    url: listening,
    port,
    manager,
    scheduler,
    async close() {
      const firings = scheduler.stop();
      await manager.shutdown(15_000);
      await firings;
      for (const ws of sockets) ws.close(1001, 'server shutting down');
      wss.close();
      system.close();
      await pool?.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
