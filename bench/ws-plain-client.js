// The baseline of bench section 10: a plain `ws` client loop, as a person would write it without a
// load tester. N connections, each sends a text message and waits for its echo, again and again,
// for SECONDS; no metrics beyond a count. Prints {"messages":…,"seconds":…} on stdout.
// Usage: node ws-plain-client.js URL CONNECTIONS SECONDS [BODY]
/* global process, performance, setTimeout */
import WebSocket from 'ws';
const [url, connsText, secondsText, body = 'hello'] = process.argv.slice(2);
const conns = Number(connsText || 50);
const seconds = Number(secondsText || 10);
let messages = 0;
let stopping = false;
const sockets = [];
await Promise.all(
  Array.from(
    { length: conns },
    () =>
      new Promise((resolve, reject) => {
        const ws = new WebSocket(url, { perMessageDeflate: false });
        sockets.push(ws);
        ws.once('open', resolve);
        ws.once('error', reject);
      }),
  ),
);
const t0 = performance.now();
for (const ws of sockets) {
  ws.on('message', () => {
    messages++;
    if (!stopping) ws.send(body);
  });
  ws.send(body);
}
setTimeout(() => {
  stopping = true;
  const elapsed = (performance.now() - t0) / 1000;
  process.stdout.write(`${JSON.stringify({ messages, seconds: elapsed })}\n`);
  for (const ws of sockets) ws.terminate();
  process.exit(0);
}, seconds * 1000);
