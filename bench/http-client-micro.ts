/**
 * Micro-benchmark of the per-VU HTTP clients: 50 VUs in closed loop against a local node:http
 * server running in a child process, for 5 s per client. The server is pinned to CPU 1 and this
 * process to CPU 0 with `taskset` when available, so client and server do not share a core.
 *
 *   node dist/bench/http-client-micro.js [--vus 50] [--seconds 5] [--server node|raw]
 *     [--server-cpu 1] [--client-cpu 0]
 *
 * Prints req/s for the raw fast path, the undici client and (for reference) node:http with a
 * keep-alive Agent, then the ratios. Numbers describe this machine only.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { parseArgs } from 'node:util';
import { createHttpConnection } from '../src/protocols/http/connection.js';
import type { HttpConnection, HttpRequestSpec } from '../src/protocols/http/types.js';

const { values } = parseArgs({
  options: {
    vus: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '5' },
    'server-cpu': { type: 'string', default: '1' },
    'client-cpu': { type: 'string', default: '0' },
    /** `node`: node:http server. `raw`: a net server writing one canned response per request head,
     * cheap enough that the client, not the server, is the bottleneck. */
    server: { type: 'string', default: 'node' },
  },
});
const VUS = Number(values.vus);
const SECONDS = Number(values.seconds);

const SERVER_SOURCE = `
const http = require('node:http');
const body = Buffer.from('hello world');
const server = http.createServer({ keepAliveTimeout: 60000 }, (req, res) => {
  res.setHeader('content-type', 'text/plain');
  res.end(body);
});
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
`;

const RAW_SERVER_SOURCE = `
const net = require('node:net');
const response = Buffer.from('HTTP/1.1 200 OK\\r\\ncontent-type: text/plain\\r\\ncontent-length: 11\\r\\n\\r\\nhello world');
const server = net.createServer((socket) => {
  socket.setNoDelay(true);
  let carry = '';
  socket.on('data', (chunk) => {
    // Requests here have no body: one response per head terminator.
    const text = carry + chunk.toString('latin1');
    let at = 0, i;
    while ((i = text.indexOf('\\r\\n\\r\\n', at)) >= 0) { socket.write(response); at = i + 4; }
    carry = text.slice(at);
  });
  socket.on('error', () => socket.destroy());
});
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
`;

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false; // no taskset (or not permitted): run unpinned and say so below
  }
}

async function startServer(pinned: boolean): Promise<{ child: ChildProcess; port: number }> {
  const args = ['-e', values.server === 'raw' ? RAW_SERVER_SOURCE : SERVER_SOURCE];
  const child = pinned
    ? spawn('taskset', ['-c', values['server-cpu'] as string, process.execPath, ...args], {
        stdio: ['ignore', 'pipe', 'inherit'],
      })
    : spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const [chunk] = (await once(child.stdout as NodeJS.ReadableStream, 'data')) as [Buffer];
  return { child, port: Number(chunk.toString().trim()) };
}

interface Result {
  name: string;
  requests: number;
  errors: number;
  seconds: number;
  /** CPU time of this process / wall time, during the measured window. */
  clientCpu: number;
  /** CPU time of the server process / wall time (NaN where /proc is unavailable). */
  serverCpu: number;
}

let serverPid = 0;

/** utime+stime of a process in seconds, from /proc/<pid>/stat (Linux). */
function procCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // clock ticks; USER_HZ is 100 on Linux
  } catch {
    return Number.NaN; // not Linux: CPU of the server is reported as n/a
  }
}

async function runVus(name: string, oneRequest: (vu: number) => Promise<boolean>): Promise<Result> {
  let stop = false;
  let requests = 0;
  let errors = 0;
  let counting = false;
  const loop = async (vu: number): Promise<void> => {
    while (!stop) {
      const ok = await oneRequest(vu);
      if (counting) {
        if (ok) requests++;
        else errors++;
      }
    }
  };
  const loops = Array.from({ length: VUS }, (_, vu) => loop(vu));
  await new Promise((r) => setTimeout(r, 500)); // warm-up: connections open, JIT settles
  counting = true;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const server0 = procCpuSeconds(serverPid);
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  counting = false;
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const serverCpu = (procCpuSeconds(serverPid) - server0) / seconds;
  stop = true;
  await Promise.all(loops);
  return { name, requests, errors, seconds, clientCpu: (cpu.user + cpu.system) / 1e6 / seconds, serverCpu };
}

async function benchConnection(name: string, port: number, fastPath: boolean): Promise<Result> {
  const conns: HttpConnection[] = Array.from({ length: VUS }, () =>
    createHttpConnection({ fastPath, insecureSkipTLSVerify: false }),
  );
  const spec: HttpRequestSpec = {
    method: 'GET',
    url: new URL(`http://127.0.0.1:${port}/api/teams`),
    headers: { 'user-agent': 'volley-bench' },
    timeoutMs: 10_000,
    maxRedirects: 0,
  };
  const result = await runVus(name, async (vu) => {
    const res = await (conns[vu] as HttpConnection).request(spec);
    return res.status === 200;
  });
  for (const c of conns) c.close();
  return result;
}

async function benchNodeHttp(port: number): Promise<Result> {
  const agent = new Agent({ keepAlive: true, maxSockets: VUS });
  const result = await runVus('node:http Agent (reference)', () => {
    return new Promise<boolean>((resolve) => {
      const req = httpRequest(
        { host: '127.0.0.1', port, path: '/api/teams', agent, headers: { 'user-agent': 'volley-bench' } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode === 200));
        },
      );
      req.on('error', () => resolve(false));
      req.end();
    });
  });
  agent.destroy();
  return result;
}

async function main(): Promise<void> {
  const pinned = hasTaskset();
  if (pinned)
    execFileSync('taskset', ['-cp', values['client-cpu'] as string, String(process.pid)], {
      stdio: 'ignore',
    });
  const { child, port } = await startServer(pinned);
  serverPid = child.pid ?? 0;
  console.log(
    `${VUS} VUs, closed loop, ${SECONDS} s per client, ${values.server === 'raw' ? 'raw net' : 'node:http'} server pid ${child.pid}` +
      (pinned
        ? ` on CPU ${values['server-cpu']}, client on CPU ${values['client-cpu']}`
        : ' (unpinned: no taskset)'),
  );
  const results: Result[] = [];
  try {
    results.push(await benchConnection('raw fast path', port, true));
    results.push(await benchConnection('undici client', port, false));
    results.push(await benchNodeHttp(port));
  } finally {
    child.kill();
  }
  const rate = (r: Result): number => r.requests / r.seconds;
  for (const r of results) {
    const pct = (x: number): string => (Number.isNaN(x) ? 'n/a' : `${(x * 100).toFixed(0)}%`);
    console.log(
      `${r.name.padEnd(30)} ${rate(r).toFixed(0).padStart(8)} req/s  (${r.requests} ok, ${r.errors} errors; ` +
        `client CPU ${pct(r.clientCpu)}, server CPU ${pct(r.serverCpu)}; ` +
        `client ${((r.clientCpu * 1e6) / rate(r)).toFixed(1)} µs CPU/req)`,
    );
  }
  const [raw, undici, node] = results as [Result, Result, Result];
  console.log(`ratio raw / undici: ${(rate(raw) / rate(undici)).toFixed(2)}x`);
  console.log(`ratio raw / node:http: ${(rate(raw) / rate(node)).toFixed(2)}x`);
}

await main();
