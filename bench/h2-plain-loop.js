// A plain node:http2 client loop: C sessions, M streams each, every stream sends the next request
// as soon as its response ends. What Node's own HTTP/2 costs per request, without volley.
// Usage: node h2-plain-loop.js URL C M SECONDS   → prints {"requests":N,"seconds":S,"rps":R,"errors":E}
/* global process, console, performance, setTimeout */
import http2 from 'node:http2';
const [url, c, m, secs] = process.argv.slice(2);
const C = Number(c);
const M = Number(m);
const ms = Number(secs) * 1000;
let requests = 0;
let errors = 0;
const t0 = performance.now();
const end = t0 + ms;
for (let i = 0; i < C; i++) {
  const session = http2.connect(url);
  session.on('error', () => errors++);
  for (let j = 0; j < M; j++) {
    const one = () => {
      if (performance.now() >= end) return;
      const stream = session.request({ ':path': '/' });
      stream.on('response', () => {});
      stream.on('data', () => {});
      stream.on('error', () => errors++);
      stream.on('end', () => {
        requests++;
        one();
      });
    };
    one();
  }
}
setTimeout(() => {
  const seconds = (performance.now() - t0) / 1000;
  console.log(JSON.stringify({ requests, seconds, rps: requests / seconds, errors }));
  process.exit(0);
}, ms + 50);
