import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { VolleyError } from '../errors.js';
import {
  BoundedMap,
  buildPopulation,
  mulberry32,
  TaskStore,
  USER_COUNT,
  type Task,
  type User,
} from './data.js';
import { startGrpcTarget, type GrpcTargetStats, type RunningGrpcTarget } from './grpc/service.js';
import { TargetMetrics, type RouteMetrics, type TargetStats } from './metrics.js';
import { resolveKnobs, type ResolvedKnobs, type TargetOptions } from './options.js';
import { WsTarget, type WsTargetStats } from './ws.js';

export interface RunningTarget {
  /** Base URL, e.g. `http://127.0.0.1:8117`. */
  url: string;
  port: number;
  /** The gRPC task queue's port and `host:port`, when it runs (`grpcPort` given). */
  grpcPort?: number;
  grpcTarget?: string;
  /** What the gRPC service saw: calls by method, distinct tasks, duplicates. */
  grpcStats?(): GrpcTargetStats;
  stats(): TargetStats & { ws: WsTargetStats };
  resetStats(): void;
  /** Stops listening, drops open connections and stops the stall timer. */
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;
const PAGE_LIMIT_DEFAULT = 20;
const PAGE_LIMIT_MAX = 100;
const PAGE_MAX = 999_999_999;
/** A task reads `queued` for its first 50 ms, `running` until 150 ms, then `done`. */
const TASK_RUNNING_AFTER_MS = 50;
const TASK_DONE_AFTER_MS = 150;

/** One request on its way through the knobs and a handler. */
interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  startMs: number;
  /** Undefined for observation endpoints, which are not counted. */
  metrics: RouteMetrics | undefined;
  param: string;
  query: string;
  /** Counted in in-flight (observation endpoints are not). */
  admitted: boolean;
  done: boolean;
}

type Handler = (ctx: Ctx) => void;

interface Route {
  method: string;
  pattern: string;
  handler: Handler;
  /** `/metrics` and `/__volley/*`: not counted, not slowed, never failed by the knobs. */
  observation: boolean;
  metrics: RouteMetrics | undefined;
}

const JSON_HEADERS = 'application/json; charset=utf-8';

/**
 * Starts the demo target. Resolves once it listens; rejects with a `VolleyError` when the
 * options are invalid or the port is taken.
 */
export async function startTarget(options: TargetOptions): Promise<RunningTarget> {
  const knobs = resolveKnobs(options);
  const app = new TargetApp(knobs);
  const server = createServer(app.onRequest);
  server.keepAliveTimeout = 65_000;
  // Above keepAliveTimeout, so an idle keep-alive socket is never cut while a client starts a request.
  server.headersTimeout = 66_000;
  server.on('connection', app.onConnection);
  server.on('upgrade', app.ws.onUpgrade);

  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      reject(listenError(err, options));
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(options.port, options.host);
  });

  const port = (server.address() as AddressInfo).port;
  // The gRPC task queue shares the knobs; a stall blocks the whole process, so it stalls too.
  let grpc: RunningGrpcTarget | undefined;
  if (options.grpcPort !== undefined) {
    try {
      grpc = await startGrpcTarget({
        host: options.host,
        port: options.grpcPort,
        latencyMinMs: knobs.latencyMinMs,
        latencyMaxMs: knobs.latencyMaxMs,
        errorRate: knobs.errorRate,
        seed: knobs.seed,
        maxTasks: knobs.maxTasks,
      });
    } catch (err) {
      await closeServer(server, app);
      throw listenError(err as NodeJS.ErrnoException, { ...options, port: options.grpcPort });
    }
    app.grpcStats = grpc.stats;
    app.grpcReset = grpc.resetStats;
  }
  app.startStalls();
  const running: RunningTarget = {
    url: `http://${urlHost(options.host)}:${port}`,
    port,
    stats: () => app.stats(),
    resetStats: () => app.resetStats(),
    close: async () => {
      await Promise.all([closeServer(server, app), grpc?.close()]);
    },
  };
  if (grpc) {
    running.grpcPort = grpc.port;
    running.grpcTarget = `${urlHost(options.host)}:${grpc.port}`;
    running.grpcStats = grpc.stats;
  }
  return running;
}

function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

function listenError(err: NodeJS.ErrnoException, options: TargetOptions): VolleyError {
  const where = `${options.host}`;
  if (err.code === 'EADDRINUSE') {
    return new VolleyError('INVALID_USAGE', `port ${options.port} is already in use on ${where}`, {
      hint: 'stop the other process, pick another --port, or use --port 0 for a free one',
      cause: err,
    });
  }
  if (err.code === 'EACCES') {
    return new VolleyError('INVALID_USAGE', `no permission to listen on port ${options.port} on ${where}`, {
      hint: 'ports below 1024 need privileges; pick a port above 1023',
      cause: err,
    });
  }
  if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') {
    return new VolleyError(
      'INVALID_USAGE',
      `cannot listen on host ${where}: not an address of this machine`,
      {
        hint: 'use 127.0.0.1 (the default) or 0.0.0.0 for every interface',
        cause: err,
      },
    );
  }
  return new VolleyError('RUNTIME', `target could not listen on ${where}:${options.port}: ${err.message}`, {
    cause: err,
  });
}

function closeServer(server: Server, app: TargetApp): Promise<void> {
  app.stopStalls();
  app.ws.close();
  return new Promise((resolve, reject) => {
    server.close((err) => (err === undefined ? resolve() : reject(err)));
    server.closeAllConnections();
  });
}

class TargetApp {
  readonly metrics = new TargetMetrics(() => performance.now());
  readonly ws: WsTarget;
  private readonly users: User[];
  /** JSON text of each user, kept in step with profile updates so list pages are cheap. */
  private readonly userJson: string[];
  private readonly teamsBody: Buffer;
  private readonly teamJson: string[];
  private readonly healthBody = Buffer.from('{"status":"ok"}');
  private readonly tasks: TaskStore;
  private readonly tokens: BoundedMap<string, number>;
  private readonly errorRand: () => number;
  private readonly latencyRand: () => number;
  private readonly exact = new Map<string, Map<string, Route>>();
  private readonly prefixed: { prefix: string; routes: Map<string, Route> }[] = [];
  private stallTimer: NodeJS.Timeout | undefined;
  /** The gRPC task queue's counts, served at /__volley/grpc/stats when it runs. */
  grpcStats: (() => GrpcTargetStats) | undefined;
  grpcReset: (() => void) | undefined;

  constructor(private readonly knobs: ResolvedKnobs) {
    const { users, teams } = buildPopulation();
    this.users = users;
    this.userJson = users.map((u) => JSON.stringify(u));
    this.teamsBody = Buffer.from(JSON.stringify({ total: teams.length, items: teams }));
    this.teamJson = teams.map((t) => JSON.stringify(t));
    this.tasks = new TaskStore(knobs.maxTasks);
    this.tokens = new BoundedMap(knobs.maxTokens);
    // Separate streams: turning latency on does not change which requests fail.
    this.errorRand = mulberry32(knobs.seed);
    this.latencyRand = mulberry32(knobs.seed ^ 0x9e37_79b9);
    this.ws = new WsTarget(knobs);

    this.add('GET', '/', this.index);
    this.add('GET', '/health', (ctx) => this.send(ctx, 200, this.healthBody));
    this.add('GET', '/api/users', this.listUsers);
    this.add('GET', '/api/users/me', this.getMe);
    this.add('PUT', '/api/users/me', this.putMe);
    this.add('GET', '/api/users/:id', this.getUser);
    this.add('GET', '/api/teams', (ctx) => this.send(ctx, 200, this.teamsBody));
    this.add('GET', '/api/teams/:id', this.getTeam);
    this.add('POST', '/api/login', this.login);
    this.add('POST', '/api/tasks', this.submitTask);
    this.add('GET', '/api/tasks/:id', this.getTask);
    this.add('GET', '/metrics', this.prometheus, true);
    this.add('GET', '/__volley/stats', (ctx) => this.sendJson(ctx, 200, this.stats()), true);
    this.add(
      'GET',
      '/__volley/grpc/stats',
      (ctx) =>
        this.sendJson(ctx, this.grpcStats ? 200 : 404, this.grpcStats?.() ?? { error: 'no gRPC service' }),
      true,
    );
    this.add(
      'POST',
      '/__volley/stats/reset',
      (ctx) => {
        this.resetStats();
        this.sendJson(ctx, 200, this.stats());
      },
      true,
    );
  }

  /** The HTTP API's counts, with the WebSocket endpoints' under `ws`. */
  stats(): TargetStats & { ws: WsTargetStats } {
    return { ...this.metrics.stats(), ws: this.ws.stats() };
  }

  resetStats(): void {
    this.metrics.resetStats();
    this.ws.resetStats();
    this.grpcReset?.();
  }

  private add(method: string, pattern: string, handler: Handler, observation = false): void {
    const route: Route = {
      method,
      pattern,
      handler: handler.bind(this),
      observation,
      metrics: observation ? undefined : this.metrics.route(method, pattern),
    };
    let byMethod: Map<string, Route> | undefined;
    if (pattern.endsWith('/:id')) {
      const prefix = pattern.slice(0, -3);
      byMethod = this.prefixed.find((p) => p.prefix === prefix)?.routes;
      if (byMethod === undefined) {
        byMethod = new Map();
        this.prefixed.push({ prefix, routes: byMethod });
      }
    } else {
      byMethod = this.exact.get(pattern);
      if (byMethod === undefined) {
        byMethod = new Map();
        this.exact.set(pattern, byMethod);
      }
    }
    byMethod.set(method, route);
  }

  readonly onConnection = (socket: Socket): void => {
    this.metrics.connectionsAccepted++;
    this.metrics.connectionsOpen++;
    socket.once('close', () => this.metrics.connectionsOpen--);
  };

  readonly onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const startMs = performance.now();
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const method = req.method ?? 'GET';

    let byMethod = this.exact.get(path);
    let param = '';
    if (byMethod === undefined) {
      for (const p of this.prefixed) {
        if (path.startsWith(p.prefix)) {
          const rest = path.slice(p.prefix.length);
          if (rest !== '' && !rest.includes('/')) {
            byMethod = p.routes;
            param = rest;
          }
          break;
        }
      }
    }
    const route = byMethod?.get(method);
    const ctx: Ctx = {
      req,
      res,
      startMs,
      metrics: undefined,
      param,
      query: q === -1 ? '' : url.slice(q + 1),
      admitted: false,
      done: false,
    };

    if (route?.observation === true) {
      route.handler(ctx);
      return;
    }
    // Unknown paths and wrong methods are counted too, under a bounded set of keys.
    const routeMetrics =
      route?.metrics ??
      (byMethod === undefined
        ? this.metrics.route(method, '(unmatched)')
        : this.metrics.route(method, [...byMethod.values()][0]?.pattern ?? '(unmatched)'));
    routeMetrics.requests++;
    ctx.metrics = routeMetrics;

    const knobs = this.knobs;
    const metrics = this.metrics;
    if (knobs.maxInflight > 0 && metrics.inFlight >= knobs.maxInflight) {
      metrics.rejectedInflight++;
      this.sendError(ctx, 503, 'overloaded', `more than ${knobs.maxInflight} requests in flight`, [
        'retry-after',
        '1',
      ]);
      return;
    }
    metrics.inFlight++;
    ctx.admitted = true;

    const fail = knobs.errorRate > 0 && this.errorRand() < knobs.errorRate;
    const delayMs =
      knobs.latencyMaxMs > 0
        ? knobs.latencyMinMs + this.latencyRand() * (knobs.latencyMaxMs - knobs.latencyMinMs)
        : 0;
    const handler: Handler =
      route === undefined
        ? byMethod === undefined
          ? this.notFound
          : (c) => this.methodNotAllowed(c, byMethod)
        : route.handler;

    if (delayMs > 0 || method !== 'GET') {
      // The answer comes later: a client that leaves first must still leave the in-flight gauge.
      res.once('close', () => this.abandon(ctx));
    }
    if (delayMs > 0) {
      // unref: pending delays must not keep a closed target's process alive.
      setTimeout(() => this.proceed(ctx, fail, handler), delayMs).unref();
    } else {
      this.proceed(ctx, fail, handler);
    }
  };

  private proceed(ctx: Ctx, fail: boolean, handler: Handler): void {
    if (ctx.done) return;
    if (fail) {
      this.metrics.injectedErrors++;
      this.sendError(ctx, 500, 'internal', 'injected failure (error-rate knob)');
      return;
    }
    handler(ctx);
  }

  private abandon(ctx: Ctx): void {
    if (ctx.done) return;
    // nginx's 499: the client closed the connection before the answer.
    this.finish(ctx, 499);
  }

  private finish(ctx: Ctx, status: number): void {
    ctx.done = true;
    if (ctx.admitted) this.metrics.inFlight--;
    ctx.metrics?.record(status, performance.now() - ctx.startMs);
  }

  private send(
    ctx: Ctx,
    status: number,
    body: Buffer | string,
    extraHeaders?: string[],
    contentType = JSON_HEADERS,
  ): void {
    if (ctx.done) return;
    this.finish(ctx, status);
    const headers = ['content-type', contentType, 'content-length', String(Buffer.byteLength(body))];
    if (extraHeaders !== undefined) headers.push(...extraHeaders);
    ctx.res.writeHead(status, headers);
    ctx.res.end(body);
  }

  private sendJson(ctx: Ctx, status: number, value: unknown, extraHeaders?: string[]): void {
    this.send(ctx, status, JSON.stringify(value), extraHeaders);
  }

  private sendError(
    ctx: Ctx,
    status: number,
    error: string,
    message: string,
    extraHeaders?: string[],
    details?: string[],
  ): void {
    this.sendJson(
      ctx,
      status,
      details === undefined ? { error, message } : { error, message, details },
      extraHeaders,
    );
  }

  private readonly notFound = (ctx: Ctx): void => {
    this.sendError(ctx, 404, 'not_found', `no route for ${ctx.req.method ?? 'GET'} ${ctx.req.url ?? '/'}`);
  };

  private methodNotAllowed(ctx: Ctx, byMethod: Map<string, Route>): void {
    const allow = [...byMethod.keys()].join(', ');
    this.sendError(
      ctx,
      405,
      'method_not_allowed',
      `${ctx.req.method ?? ''} is not allowed here; use ${allow}`,
      ['allow', allow],
    );
  }

  /** Reads a JSON body, answering 413 or 400 itself when it cannot. */
  private readJson(ctx: Ctx, then: (body: unknown) => void): void {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    ctx.req.on('data', (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        tooLarge = true;
        this.sendError(
          ctx,
          413,
          'payload_too_large',
          `request bodies are limited to ${MAX_BODY_BYTES} bytes`,
          ['connection', 'close'],
        );
        return;
      }
      chunks.push(chunk);
    });
    ctx.req.on('end', () => {
      if (tooLarge || ctx.done) return;
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks, size).toString('utf8'));
      } catch (err) {
        this.sendError(ctx, 400, 'invalid_json', `the body is not valid JSON: ${(err as Error).message}`);
        return;
      }
      then(body);
    });
  }

  private readObject(ctx: Ctx, then: (body: Record<string, unknown>) => void): void {
    this.readJson(ctx, (body) => {
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        this.sendError(ctx, 400, 'invalid_body', 'the body must be a JSON object');
        return;
      }
      then(body as Record<string, unknown>);
    });
  }

  private userOf(ctx: Ctx): User | undefined {
    const auth = ctx.req.headers.authorization;
    if (auth === undefined || !/^bearer /i.test(auth)) return undefined;
    const userId = this.tokens.touch(auth.slice(7).trim());
    return userId === undefined ? undefined : this.users[userId - 1];
  }

  private unauthorized(ctx: Ctx): void {
    this.sendError(ctx, 401, 'unauthorized', 'send Authorization: Bearer <token> from POST /api/login', [
      'www-authenticate',
      'Bearer',
    ]);
  }

  private index(ctx: Ctx): void {
    const routes = [...this.exact.values(), ...this.prefixed.map((p) => p.routes)]
      .flatMap((m) => [...m.values()])
      .map((r) => `${r.method} ${r.pattern}`);
    this.sendJson(ctx, 200, { name: 'volley target', docs: 'docs/target.md', routes });
  }

  private listUsers(ctx: Ctx): void {
    const params = new URLSearchParams(ctx.query);
    const problems: string[] = [];
    const intParam = (name: string, fallback: number, max: number): number => {
      const raw = params.get(name);
      if (raw === null) return fallback;
      const n = /^\d{1,9}$/.test(raw) ? Number(raw) : NaN;
      if (!(n >= 1 && n <= max)) {
        const range = max === PAGE_MAX ? 'of at least 1' : `from 1 to ${max}`;
        problems.push(`${name} must be a whole number ${range}, got '${raw}'`);
      }
      return n;
    };
    const page = intParam('page', 1, PAGE_MAX);
    const limit = intParam('limit', PAGE_LIMIT_DEFAULT, PAGE_LIMIT_MAX);
    if (problems.length > 0) {
      this.sendError(ctx, 400, 'invalid_query', problems.join('; '), undefined, problems);
      return;
    }
    const total = this.users.length;
    const pages = Math.ceil(total / limit);
    const from = Math.min((page - 1) * limit, total);
    const to = Math.min(from + limit, total);
    const link = (p: number): string => `"/api/users?page=${p}&limit=${limit}"`;
    const body =
      `{"total":${total},"page":${page},"limit":${limit},"pages":${pages},` +
      `"next":${page < pages ? link(page + 1) : 'null'},"prev":${page > 1 ? link(Math.min(page - 1, pages)) : 'null'},` +
      `"items":[${this.userJson.slice(from, to).join(',')}]}`;
    this.send(ctx, 200, body);
  }

  private userIndex(param: string, count: number): number | undefined {
    if (!/^\d{1,9}$/.test(param)) return undefined;
    const id = Number(param);
    return id >= 1 && id <= count ? id - 1 : undefined;
  }

  private getUser(ctx: Ctx): void {
    const i = this.userIndex(ctx.param, this.users.length);
    if (i === undefined) this.sendError(ctx, 404, 'not_found', `no user with id '${ctx.param}'`);
    else this.send(ctx, 200, this.userJson[i] as string);
  }

  private getMe(ctx: Ctx): void {
    const user = this.userOf(ctx);
    if (user === undefined) this.unauthorized(ctx);
    else this.send(ctx, 200, this.userJson[user.id - 1] as string);
  }

  private putMe(ctx: Ctx): void {
    const user = this.userOf(ctx);
    if (user === undefined) {
      this.unauthorized(ctx);
      return;
    }
    this.readObject(ctx, (body) => {
      const problems: string[] = [];
      const { name, email } = body;
      if (name !== undefined && (typeof name !== 'string' || name.trim() === '' || name.length > 100)) {
        problems.push('name must be a non-empty string of at most 100 characters');
      }
      if (email !== undefined && (typeof email !== 'string' || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email))) {
        problems.push('email must be an email address');
      }
      if (problems.length > 0) {
        this.sendError(ctx, 400, 'invalid_body', problems.join('; '), undefined, problems);
        return;
      }
      if (typeof name === 'string') user.name = name.trim();
      if (typeof email === 'string') user.email = email;
      const json = JSON.stringify(user);
      this.userJson[user.id - 1] = json;
      this.send(ctx, 200, json);
    });
  }

  private getTeam(ctx: Ctx): void {
    const i = this.userIndex(ctx.param, this.teamJson.length);
    if (i === undefined) {
      this.sendError(ctx, 404, 'not_found', `no team with id '${ctx.param}'`);
      return;
    }
    const teamId = i + 1;
    const members = this.users
      .filter((u) => u.teamId === teamId)
      .map((u) => ({ id: u.id, name: u.name, role: u.role }));
    this.send(ctx, 200, `${(this.teamJson[i] as string).slice(0, -1)},"members":${JSON.stringify(members)}}`);
  }

  private login(ctx: Ctx): void {
    this.readObject(ctx, (body) => {
      const { user, password } = body;
      const problems: string[] = [];
      if (typeof user !== 'string' || user.trim() === '') problems.push('user must be a non-empty string');
      if (password !== undefined && typeof password !== 'string') problems.push('password must be a string');
      if (problems.length > 0) {
        this.sendError(ctx, 400, 'invalid_body', problems.join('; '), undefined, problems);
        return;
      }
      const userId = resolveLogin((user as string).trim(), this.users);
      const token = randomUUID().replace(/-/g, '');
      this.tokens.set(token, userId);
      this.sendJson(ctx, 200, { token, userId });
    });
  }

  private submitTask(ctx: Ctx): void {
    this.readObject(ctx, (body) => {
      const headerKey = ctx.req.headers['idempotency-key'];
      const key = body.idempotencyKey ?? (typeof headerKey === 'string' ? headerKey : undefined);
      const { taskType } = body;
      const problems: string[] = [];
      if (key === undefined)
        problems.push('idempotencyKey is required (in the body or an Idempotency-Key header)');
      else if (typeof key !== 'string' || key === '' || key.length > 255) {
        problems.push('idempotencyKey must be a string of 1 to 255 characters');
      }
      if (typeof taskType !== 'string' || taskType === '' || taskType.length > 100) {
        problems.push('taskType must be a string of 1 to 100 characters');
      }
      if (problems.length > 0) {
        const code = key === undefined ? 'missing_idempotency_key' : 'invalid_body';
        this.sendError(ctx, 400, code, problems.join('; '), undefined, problems);
        return;
      }
      const { task, replay } = this.tasks.submit(key as string, taskType as string, Date.now());
      if (replay && task.taskType !== taskType) {
        this.sendError(
          ctx,
          422,
          'idempotency_key_reused',
          `idempotencyKey '${task.idempotencyKey}' was used for taskType '${task.taskType}'`,
        );
        return;
      }
      const json = JSON.stringify(taskView(task, 'queued'));
      if (replay) {
        this.metrics.idempotentReplays++;
        this.send(ctx, 200, json, ['idempotent-replay', 'true']);
      } else {
        this.metrics.tasksCreated++;
        this.send(ctx, 201, json, ['location', `/api/tasks/${task.id}`]);
      }
    });
  }

  private getTask(ctx: Ctx): void {
    const task = /^\d{1,15}$/.test(ctx.param) ? this.tasks.get(Number(ctx.param)) : undefined;
    if (task === undefined) {
      this.sendError(ctx, 404, 'not_found', `no task with id '${ctx.param}' (or it was forgotten)`);
      return;
    }
    const ageMs = Date.now() - task.createdAtMs;
    const status = ageMs < TASK_RUNNING_AFTER_MS ? 'queued' : ageMs < TASK_DONE_AFTER_MS ? 'running' : 'done';
    this.sendJson(ctx, 200, taskView(task, status));
  }

  private prometheus(ctx: Ctx): void {
    const cpu = process.cpuUsage();
    const text = this.metrics.prometheus(process.memoryUsage.rss(), (cpu.user + cpu.system) / 1e6);
    this.send(ctx, 200, text, undefined, 'text/plain; version=0.0.4; charset=utf-8');
  }

  /**
   * The first stall begins one period after the target starts listening, then one begins every
   * period (start to start, anchored to that first instant so stalls do not drift).
   */
  startStalls(): void {
    const { stallMs, stallPeriodMs } = this.knobs;
    if (stallMs <= 0) return;
    const t0 = performance.now();
    const schedule = (): void => {
      const now = performance.now();
      const next = t0 + (Math.floor((now - t0) / stallPeriodMs) + 1) * stallPeriodMs;
      this.stallTimer = setTimeout(stall, next - now);
      this.stallTimer.unref();
    };
    const stall = (): void => {
      const begin = performance.now();
      const end = begin + stallMs;
      this.metrics.stalls++;
      // Block the event loop on purpose, like a stop-the-world GC pause or a held lock: nothing
      // else in the process runs, accepts or answers until the loop ends.
      while (performance.now() < end) {
        // spin
      }
      this.metrics.stalledMs += performance.now() - begin;
      schedule();
    };
    schedule();
  }

  stopStalls(): void {
    if (this.stallTimer !== undefined) clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
  }
}

function taskView(task: Task, status: string): Record<string, unknown> {
  return {
    id: task.id,
    status,
    taskType: task.taskType,
    idempotencyKey: task.idempotencyKey,
    createdAt: new Date(task.createdAtMs).toISOString(),
  };
}

/**
 * Any user name logs in. `u17`, `user17`, `17` or user 17's email log in as user 17; any other
 * name maps to a fixed user by hash, so `PUT /api/users/me` always has someone to update.
 */
function resolveLogin(name: string, users: readonly User[]): number {
  const m = /^(?:u|user)?(\d{1,9})$/i.exec(name);
  if (m !== null) {
    const id = Number(m[1]);
    if (id >= 1 && id <= USER_COUNT) return id;
  }
  if (name.includes('@')) {
    const found = users.find((u) => u.email === name.toLowerCase());
    if (found !== undefined) return found.id;
  }
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193);
  return ((hash >>> 0) % USER_COUNT) + 1;
}
