/**
 * `--out prometheus[=HOST:PORT]`: a scrape endpoint (`GET /metrics`, Prometheus text 0.0.4) served
 * while the run lasts, fed from the run's per-second snapshots. Pull only: Prometheus remote write
 * (snappy-compressed protobuf pushed to the server) is not supported — point Prometheus or Grafana
 * Agent / Alloy at this endpoint instead.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunListener, RunStartInfo } from '../engine/run.js';
import type { Snapshot } from '../engine/snapshot.js';
import { VolleyError } from '../errors.js';
import { prometheusText } from '../report/prometheus-text.js';
import type { ThresholdResult } from '../thresholds/evaluate.js';

export const DEFAULT_PROMETHEUS_HOST = '127.0.0.1';
export const DEFAULT_PROMETHEUS_PORT = 9464;

/** Parses '' (the default) or HOST:PORT ([v6]:PORT); port 0 means any free port. */
export function parsePrometheusSpec(spec: string): { host: string; port: number; explicit: boolean } {
  if (spec === '') return { host: DEFAULT_PROMETHEUS_HOST, port: DEFAULT_PROMETHEUS_PORT, explicit: false };
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(spec);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) {
    throw new VolleyError(
      'INVALID_USAGE',
      `--out prometheus='${spec}' must be HOST:PORT (for example 127.0.0.1:9464, [::1]:9464, 0.0.0.0:0)`,
    );
  }
  return { host: (m[1] ?? m[2]) as string, port, explicit: true };
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

export class PrometheusOutput implements RunListener {
  private runId: string | undefined;
  private latest: Snapshot | null = null;
  private thresholds: ThresholdResult[] = [];
  private iterationsTotal = 0;
  private closed = false;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  /** Binds the endpoint before the run starts (so a scrape never finds nothing listening). */
  static async start(spec: string, log: (line: string) => void): Promise<PrometheusOutput> {
    const { host, port, explicit } = parsePrometheusSpec(spec);
    // Set once listening; a scrape that races the bind sees an idle endpoint.
    const holder: { out?: PrometheusOutput } = {};
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
        return;
      }
      if (path !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('see /metrics\n');
        return;
      }
      const body = holder.out ? holder.out.render() : prometheusText(undefined, null);
      res.writeHead(200, {
        'content-type': 'text/plain; version=0.0.4; charset=utf-8',
        'cache-control': 'no-store',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    });
    server.keepAliveTimeout = 5_000;
    try {
      await listen(server, host, port);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (!explicit && code === 'EADDRINUSE') {
        await listen(server, host, 0);
        log(
          `prometheus: port ${port} is in use; serving on port ${(server.address() as AddressInfo).port} instead`,
        );
      } else {
        throw new VolleyError(
          'INVALID_USAGE',
          `--out prometheus: cannot listen on ${host}:${port}: ${(err as Error).message}`,
          { cause: err },
        );
      }
    }
    const bound = (server.address() as AddressInfo).port;
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${bound}`;
    if (!isLoopback(host)) {
      log(
        `prometheus: warning: listening on ${host}, not loopback — anyone who can reach this port can read the metrics (no authentication)`,
      );
    }
    log(`prometheus: metrics at ${url}/metrics`);
    holder.out = new PrometheusOutput(server, url);
    return holder.out;
  }

  /** The current exposition text (what `GET /metrics` answers). */
  render(): string {
    return prometheusText(this.runId, this.latest, {
      thresholds: this.thresholds,
      iterationsTotal: this.iterationsTotal,
    });
  }

  onStart(info: RunStartInfo): void {
    this.runId = info.runId;
    this.latest = null;
    this.thresholds = [];
    this.iterationsTotal = 0;
  }

  onSnapshot(s: Snapshot): void {
    this.latest = s;
    this.iterationsTotal += s.iterations;
  }

  onThresholds(results: ThresholdResult[]): void {
    this.thresholds = results;
  }

  /** Stops serving and releases the port. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
