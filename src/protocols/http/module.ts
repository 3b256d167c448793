/**
 * The HTTP protocol module: `ctx.http`, quick mode's request, the http_* metrics (headline:
 * http_reqs / http_req_failed / http_req_duration), the get/post/… declarative steps, a TCP/TLS
 * preflight, and HTTP/2 when its options say so.
 */
import type { QuickRequest } from '../../config/types.js';
import type { ModuleWorker, ProtocolModule } from '../module.js';
import { LanedConnection } from './batch.js';
import { createHttpConnection } from './connection.js';
import { debugConnection } from './debug.js';
import { loadToughCookie } from './cookies.js';
import { DEFAULT_EXPECTED, ExpectedStatuses } from './expected-statuses.js';
import { HTTP_HEADLINE, HTTP_METRICS } from './metrics.js';
import { connectionOptions, HTTP_OPTIONS, type HttpOptions } from './options.js';
import { preflight } from './preflight.js';
import { httpQuickConnect, httpQuickIteration } from './quick.js';
import { httpQuickRehearsal } from './rehearsal.js';
import { HttpRecorder } from './recorder.js';
import { httpScriptApi } from './script-api.js';
import { SharedConnections } from './shared-connections.js';
import { HTTP_STEPS } from './steps.js';
import type { HttpConnection, HttpRequestSpec, HttpResponse } from './types.js';
import { loadUndici } from './undici-client.js';

export const httpModule: ProtocolModule<HttpOptions, HttpConnection> = {
  name: 'http',
  schemes: ['http:', 'https:'],
  metrics: HTTP_METRICS,
  headline: HTTP_HEADLINE,
  options: HTTP_OPTIONS,
  steps: HTTP_STEPS,

  quickRequest: (config) => config.request,

  prepare(options, use) {
    // undici loads lazily: only a quick-mode run over plain HTTP on the fast path never needs it.
    // Anything else (https, --no-fast-path, HTTP/2, scripts) loads it before the run, not in a
    // request's time; likewise the cookie jar of scripts.
    const quick = use.quick as QuickRequest | undefined;
    if (!quick || !connectionOptions(options).fastPath || !quick.url.startsWith('http:')) loadUndici();
    if (use.script) loadToughCookie();
  },

  worker(options, env): ModuleWorker<HttpConnection> {
    const recorder = new HttpRecorder(
      env.sink,
      env.maxEndpoints,
      options.expectedStatuses ? new ExpectedStatuses(options.expectedStatuses) : DEFAULT_EXPECTED,
    );
    const conn = connectionOptions(options);
    const tracked = (): HttpConnection => {
      const made = createHttpConnection(conn);
      // --http-debug: the worker thread's own stderr (Node pipes it to the process's).
      const c = options.debug
        ? debugConnection(made, options.debug === 'full', (t) => void process.stderr.write(t))
        : made;
      return new TrackedConnection(c, env);
    };
    const shared = options.http2 ? new SharedConnections(tracked, options.http2Streams ?? 1) : null;
    return {
      createClient(): HttpConnection {
        // HTTP/2: a VU's concurrent requests (http.batch too) are streams on its connection(s),
        // which `http2Streams` VUs share.
        if (shared !== null) return shared.take();
        // Lane 0 is the VU's connection; http.batch opens further lanes on first use.
        return new LanedConnection(tracked);
      },
      quickIteration: (request, tags) =>
        httpQuickIteration(
          request as QuickRequest,
          recorder,
          tags as Readonly<Record<string, string>> & { scenario: string },
        ),
      // A rehearsal's VU: a connection like any VU's (lanes, in-flight tracking), to the stand-in.
      quickRehearsal: (request) =>
        httpQuickRehearsal(
          request as QuickRequest,
          conn,
          (connectTo) =>
            new LanedConnection(
              () => new TrackedConnection(createHttpConnection({ ...conn, connectTo }), env),
            ),
        ),
      quickConnect: (request, conn) => httpQuickConnect(request as QuickRequest, conn),
      scriptApi: (scenario) => httpScriptApi(recorder, scenario),
    };
  },

  // Through a proxy, the proxy is what must be reachable (the target may be reachable only through it).
  preflight: (target, options, timeoutMs) =>
    options.proxy === undefined
      ? preflight(target, timeoutMs, options.insecureSkipTLSVerify, options.tls)
      : preflight(new URL(options.proxy), timeoutMs),
};

/** A VU's connection whose requests count as in flight: one object per VU instead of two closures. */
class TrackedConnection implements HttpConnection {
  constructor(
    private readonly conn: HttpConnection,
    private readonly env: { track<T>(request: Promise<T>): Promise<T> },
  ) {}
  request(spec: HttpRequestSpec): Promise<HttpResponse> {
    return this.env.track(this.conn.request(spec));
  }
  /** Opens the connection without sending (the open-loop warm-up); not tracked: nothing is in flight. */
  connect(spec: HttpRequestSpec): Promise<void> {
    return this.conn.connect?.(spec) ?? Promise.resolve();
  }
  close(): void {
    this.conn.close();
  }
}
