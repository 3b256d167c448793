// Coordinated-omission probe target: answers 200 "ok" instantly, except that it
// blocks its event loop with a busy loop for STALL_MS (default 1000 ms) once every
// PERIOD_MS (default 5000 ms). The schedule starts at the first request received:
// first stall at FIRST_MS (default 2000 ms) after it, then every PERIOD_MS, so a
// 10 s run contains exactly two full stalls (t=2..3 s and t=7..8 s).
// Usage: node stall-target.js [port]   (binds 127.0.0.1 only)
// Copied from shared/bench/stall-target.js; ported to ESM (this package is "type": "module").
/* global process, console, setTimeout, setInterval */
import http from 'node:http';
const port = Number(process.argv[2] || 8082);
const STALL_MS = Number(process.env.STALL_MS || 1000);
const PERIOD_MS = Number(process.env.PERIOD_MS || 5000);
const FIRST_MS = Number(process.env.FIRST_MS || 2000);
let started = false;
let stalls = 0;
function stall() {
  const t0 = Date.now();
  while (Date.now() - t0 < STALL_MS) {
    /* busy: event loop blocked */
  }
  stalls++;
}
const server = http.createServer((req, res) => {
  if (!started) {
    started = true;
    setTimeout(() => {
      setInterval(stall, PERIOD_MS).unref();
      stall();
    }, FIRST_MS).unref();
  }
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': '2' });
  res.end('ok');
});
server.keepAliveTimeout = 65000;
server.listen(port, '127.0.0.1', () => console.log(`stall-target listening on 127.0.0.1:${port}`));
for (const s of ['SIGTERM', 'SIGINT'])
  process.on(s, () => {
    console.log(`stalls=${stalls}`);
    process.exit(0);
  });
