// Minimal WebSocket echo target for bench section 10: every message comes back as it was sent.
// Usage: node ws-echo-target.js [port]   (binds 127.0.0.1 only)
/* global process, console */
import { WebSocketServer } from 'ws';
const port = Number(process.argv[2] || 8082);
const wss = new WebSocketServer({ port, host: '127.0.0.1', perMessageDeflate: false });
wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
wss.on('listening', () => console.log(`ws-echo-target listening on 127.0.0.1:${port}`));
for (const s of ['SIGTERM', 'SIGINT']) process.on(s, () => process.exit(0));
