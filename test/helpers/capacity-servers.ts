/** Servers with a known capacity, for the analysis tests: a token bucket, and one that slows past a rate. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CapacityServer {
  url: string;
  /** Requests answered 200 and refused (429). */
  counts(): { ok: number; refused: number };
  close(): Promise<void>;
}

async function listen(server: Server): Promise<string> {
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function closer(server: Server): () => Promise<void> {
  return () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
}

/** Answers 200 while tokens last (refilled at `ratePerSec`, burst `ratePerSec / 10`), else 429. */
export async function startTokenBucketServer(ratePerSec: number): Promise<CapacityServer> {
  const burst = Math.max(1, ratePerSec / 10);
  let tokens = burst;
  let last = performance.now();
  let ok = 0;
  let refused = 0;
  const server = createServer((req, res) => {
    const now = performance.now();
    tokens = Math.min(burst, tokens + ((now - last) / 1000) * ratePerSec);
    last = now;
    req.resume();
    if (tokens >= 1) {
      tokens -= 1;
      ok++;
      res.writeHead(200, { 'content-length': '2' });
      res.end('ok');
    } else {
      refused++;
      res.writeHead(429, { 'content-length': '4' });
      res.end('slow');
    }
  });
  return { url: await listen(server), counts: () => ({ ok, refused }), close: closer(server) };
}

/**
 * Answers after 2 ms while the arrival rate over the last second is under `kneeRate`; above it,
 * 1 ms more for every 2 requests/s beyond (at kneeRate + 100/s: 52 ms).
 */
export async function startKneeServer(kneeRate: number): Promise<CapacityServer> {
  const arrivals: number[] = [];
  let ok = 0;
  const server = createServer((req, res) => {
    const now = performance.now();
    arrivals.push(now);
    while ((arrivals[0] as number) < now - 1000) arrivals.shift();
    const rate = arrivals.length;
    const delay = 2 + Math.max(0, rate - kneeRate) * 0.5;
    req.resume();
    setTimeout(() => {
      ok++;
      res.writeHead(200, { 'content-length': '2' });
      res.end('ok');
    }, delay);
  });
  return { url: await listen(server), counts: () => ({ ok, refused: 0 }), close: closer(server) };
}

/**
 * Answers 200 after `delayMs` while fewer than `maxInflight` requests are in flight, and 503 at
 * once beyond (what `volley target --max-inflight N` does): a service that fails fast instead of
 * slowing down. `first503Ms()` is when it first refused, `firstMs()` when the first request came.
 */
export async function startInflightLimitServer(
  maxInflight: number,
  delayMs: number,
): Promise<CapacityServer & { firstMs(): number | undefined; first503Ms(): number | undefined }> {
  let inflight = 0;
  let ok = 0;
  let refused = 0;
  let first: number | undefined;
  let first503: number | undefined;
  const server = createServer((req, res) => {
    first ??= performance.now();
    req.resume();
    if (inflight >= maxInflight) {
      refused++;
      first503 ??= performance.now();
      res.writeHead(503, { 'content-length': '4' });
      res.end('busy');
      return;
    }
    inflight++;
    setTimeout(() => {
      inflight--;
      ok++;
      res.writeHead(200, { 'content-length': '2' });
      res.end('ok');
    }, delayMs);
  });
  return {
    url: await listen(server),
    counts: () => ({ ok, refused }),
    firstMs: () => first,
    first503Ms: () => first503,
    close: closer(server),
  };
}
