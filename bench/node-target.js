// Minimal Node http target: 200 "ok" with keep-alive (Node default).
// Usage: node node-target.js [port]   (binds 127.0.0.1 only)
// Copied from shared/bench/node-target.js; ported to ESM (this package is "type": "module").
/* global process, console */
import http from 'node:http';
const port = Number(process.argv[2] || 8081);
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': '2' });
  res.end('ok');
});
server.keepAliveTimeout = 65000;
server.listen(port, '127.0.0.1', () => console.log(`node-target listening on 127.0.0.1:${port}`));
for (const s of ['SIGTERM', 'SIGINT']) process.on(s, () => process.exit(0));
