/** A target that stays slow for a while after a surge of requests (the five-phase tests). */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export /**
 * Answers in `baseMs`; once it has seen more than `spikeRps` requests within one second, answers
 * in `slowMs` for the next `slowForMs` (a service that stays degraded after a surge).
 */
async function startRecoveringServer(o: {
  baseMs: number;
  slowMs: number;
  spikeRps: number;
  slowForMs: number;
}): Promise<{ url: string; close: () => Promise<void>; slowedAt: () => number | null }> {
  const recent: number[] = [];
  let slowUntil = 0;
  let slowedAt: number | null = null;
  const server: Server = createServer((req, res) => {
    const now = Date.now();
    recent.push(now);
    while (recent.length > 0 && (recent[0] as number) < now - 1000) recent.shift();
    if (o.slowForMs > 0 && recent.length > o.spikeRps) {
      slowUntil = now + o.slowForMs;
      slowedAt ??= now;
    }
    const delay = now < slowUntil ? o.slowMs : o.baseMs;
    setTimeout(() => res.end('ok'), delay);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    slowedAt: () => slowedAt,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
