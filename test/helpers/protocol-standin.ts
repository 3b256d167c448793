/**
 * A stand-in second protocol, so the per-protocol presentation (summary, store, reports,
 * dashboard) is tested beside HTTP without waiting for gRPC or WebSocket: a tiny line protocol
 * over TCP (`CALL <name>\n` → `OK\n`, or `ERR\n` for a name starting with `fail`) against a real
 * counting server on 127.0.0.1, driven from a script that records the protocol's three headline
 * metrics — `standin_reqs` (counter), `standin_req_failed` (rate), `standin_req_duration` (time
 * trend) — tagged name/method/status, exactly as a protocol module records its own.
 *
 * The script declares them as custom metrics (the workers know nothing else of the stand-in);
 * `registerStandinProtocol()` then registers them in this process as protocol `standin`'s headline
 * — call it after `loadTest` (a custom metric may not take a registered name) and before the run:
 * from there the aggregator, summary, store and reports see a second protocol, through the same
 * code a real module's metrics go through.
 */
import { writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Snapshot } from '../../src/engine/snapshot.js';
import { localTestRun } from '../../src/generators/local-run.js';
import { loadTest } from '../../src/loader/load-test.js';
import { defineMetric, registerHeadline, registerMetrics } from '../../src/metrics/definitions.js';
import '../../src/protocols/registry.js';
import { processRef } from '../../src/store/pid-alive.js';
import { RunRecorder } from '../../src/store/recorder.js';
import type { RunStore } from '../../src/store/run-store.js';
import { buildSummary, type Summary } from '../../src/summary/summary.js';
import { startCountingServer } from './counting-server.js';
import { IN_PROCESS_LOAD } from './run-test.js';

export const STANDIN = {
  protocol: 'standin',
  count: 'standin_reqs',
  failures: 'standin_req_failed',
  duration: 'standin_req_duration',
} as const;

/** Registers the stand-in's metrics and headline in this process (idempotent). */
export function registerStandinProtocol(): void {
  registerMetrics([
    defineMetric(STANDIN.count, 'counter', 'default', 'stand-in calls completed'),
    defineMetric(STANDIN.failures, 'rate', 'default', 'share of stand-in calls that failed'),
    defineMetric(STANDIN.duration, 'trend', 'time', 'stand-in call round trip'),
  ]);
  registerHeadline(
    { count: STANDIN.count, failures: STANDIN.failures, duration: STANDIN.duration },
    STANDIN.protocol,
  );
}

export interface StandinServer {
  port: number;
  /** Calls received, by name. */
  calls(): Map<string, number>;
  total(): number;
  close(): Promise<void>;
}

/** The stand-in's server: answers each `CALL <name>` line, after `delayMs`. */
export async function startStandinServer(delayMs = 2): Promise<StandinServer> {
  const calls = new Map<string, number>();
  const sockets = new Set<Socket>();
  const server: Server = createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => {});
    let buf = '';
    sock.on('data', (chunk) => {
      buf += chunk.toString('utf8');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const name = line.replace(/^CALL /, '');
        calls.set(name, (calls.get(name) ?? 0) + 1);
        setTimeout(() => sock.write(name.startsWith('fail') ? 'ERR\n' : 'OK\n'), delayMs);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    calls: () => calls,
    total: () => [...calls.values()].reduce((a, b) => a + b, 0),
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/**
 * A script whose `iterations` shared iterations each send one HTTP GET to `${httpUrl}/api/items`
 * and one stand-in call: names `queue/Submit` (every 10th iteration `fail/Submit`, which the
 * server answers ERR), on one connection per VU.
 */
export function standinScript(httpUrl: string, port: number, iterations: number, vus = 4): string {
  return `import { connect } from 'node:net';
import { Counter, Rate, Trend, defineTest } from 'volley';

const reqs = new Counter('${STANDIN.count}');
const failed = new Rate('${STANDIN.failures}');
const duration = new Trend('${STANDIN.duration}', true);

type Conn = { write(s: string): void; next(): Promise<string> };
const conns = new Map<number, Promise<Conn>>();
function open(vu: number): Promise<Conn> {
  let c = conns.get(vu);
  if (!c) {
    c = new Promise<Conn>((resolve, reject) => {
      const sock = connect(${port}, '127.0.0.1');
      let buf = '';
      const lines: string[] = [];
      const waiting: ((l: string) => void)[] = [];
      sock.on('data', (d) => {
        buf += d.toString();
        let i;
        while ((i = buf.indexOf('\\n')) >= 0) {
          const l = buf.slice(0, i);
          buf = buf.slice(i + 1);
          const w = waiting.shift();
          if (w) w(l); else lines.push(l);
        }
      });
      sock.once('error', reject);
      sock.once('connect', () => {
        sock.unref();
        resolve({
          write: (s) => void sock.write(s),
          next: () => new Promise<string>((r) => { const l = lines.shift(); if (l !== undefined) r(l); else waiting.push(r); }),
        });
      });
    });
    conns.set(vu, c);
  }
  return c;
}

export default defineTest({
  baseUrl: '${httpUrl}',
  scenarios: {
    mixed: {
      executor: 'shared-iterations',
      vus: ${vus},
      iterations: ${iterations},
      maxDuration: '30s',
      exec: async ({ http, vu, iteration }) => {
        await http.get('/api/items');
        const name = iteration % 10 === 9 ? 'fail/Submit' : 'queue/Submit';
        const conn = await open(vu);
        const t0 = performance.now();
        conn.write('CALL ' + name + '\\n');
        const answer = await conn.next();
        const tags = { name, method: 'CALL', status: answer };
        duration.add(performance.now() - t0, tags);
        failed.add(answer !== 'OK', tags);
        reqs.add(1, tags);
      },
    },
  },
});
`;
}

export interface MixedRun {
  id: string;
  summary: Summary;
  snapshots: Snapshot[];
  /** What each server counted. */
  httpCount: number;
  standinCalls: Map<string, number>;
}

/**
 * One real in-process run of `standinScript` (HTTP beside the stand-in, `iterations` each) against
 * fresh servers, recorded into `store` as run `id`; the servers are closed before it returns.
 * Registers the stand-in protocol in this process.
 */
export async function recordMixedRun(
  dir: string,
  store: RunStore,
  id: string,
  iterations: number,
): Promise<MixedRun> {
  const http = await startCountingServer({ delayMs: 1 });
  const standin = await startStandinServer(3);
  const snapshots: Snapshot[] = [];
  try {
    const file = join(dir, 'mixed.ts');
    writeFileSync(file, standinScript(http.url, standin.port, iterations));
    const test = await loadTest(file, IN_PROCESS_LOAD);
    // After the script declared its metrics: from here they are protocol `standin`'s headline.
    registerStandinProtocol();
    const recorder = new RunRecorder(store, {
      id,
      source: 'cli',
      name: 'mixed',
      config: test.config,
      process: processRef(process.pid),
      warn: (m) => {
        throw new Error(m);
      },
    });
    try {
      const result = await localTestRun(
        test.prepared,
        [recorder, { onSnapshot: (s) => void snapshots.push(s) }],
        id,
      ).run();
      if (result.workerErrors.length > 0) throw new Error(result.workerErrors.join('; '));
      const summary = buildSummary(result, test.config, file);
      recorder.finish(summary, 0);
      return { id, summary, snapshots, httpCount: http.count(), standinCalls: new Map(standin.calls()) };
    } finally {
      test.dispose();
    }
  } finally {
    await http.close();
    await standin.close();
  }
}
