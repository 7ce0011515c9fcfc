#!/usr/bin/env node
// A stand-in for the Java demo, written from docs/protocol.md, to work on the page without
// running Java. It covers the happy path only (connected, ping/pong, subscribe/unsubscribe,
// not_subscribed, the session family with presence, a fake terminal), not the error checks of section 7:
//
//   node examples/e2e/mock-server.mjs [--port 8080] [--ws-port 8081] [--token demo-token] [--shell]
//
// It serves the built page from target/classes/static (the page is TypeScript: build it first
// with `mvn -q -pl examples -am process-classes`, or `node node_modules/typescript/bin/tsc -p
// tsconfig.json` after a build) and xterm.js from node_modules, speaks
// the channels protocol on /ws (connected, ping/pong, subscribe, the session family with the
// same fake streaming agent) and, with --shell, a line-based fake terminal on /shell (each
// line runs through `bash -c`; no PTY). It is not the demo: the demo is DemoMain.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const flag = (n, d) => (args.includes(`--${n}`) ? args[args.indexOf(`--${n}`) + 1] : d);
const port = Number(flag('port', 8080));
const wsPort = Number(flag('ws-port', port === 0 ? 0 : port + 1));
const token = flag('token', 'demo-token');
const shell = args.includes('--shell');
const wordDelay = Number(flag('word-delay', 120));

const roots = [
  ['/vendor/xterm/xterm.mjs', join(here, '../node_modules/@xterm/xterm/lib/xterm.mjs')],
  ['/vendor/xterm/xterm.css', join(here, '../node_modules/@xterm/xterm/css/xterm.css')],
];
const staticDir = join(here, '../target/classes/static');
const types = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css' };

const subscribers = new Map(); // channel -> Set<ws>
let seq = 0;

const http = createServer(async (req, res) => {
  const path = new URL(req.url, 'http://x').pathname;
  if (path === '/config.json') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ wsPort: wss.address().port, wsPath: '/ws', shellPath: shell ? '/shell' : null, sessionId: 'demo' }));
    return;
  }
  if (path === '/api/inspector') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ mock: true, channels: Object.fromEntries([...subscribers].map(([c, s]) => [c, s.size])) }));
    return;
  }
  const mapped = roots.find(([p]) => p === path)?.[1] ?? join(staticDir, normalize(path === '/' ? '/index.html' : path));
  if (!mapped.startsWith(staticDir) && !roots.some(([, f]) => f === mapped)) { res.writeHead(404).end(); return; }
  try {
    const body = await readFile(mapped);
    res.writeHead(200, { 'content-type': types[extname(mapped)] ?? 'application/octet-stream' });
    res.end(body);
  } catch {
    res.writeHead(404).end('not found');
  }
});

const wss = new WebSocketServer({ port: wsPort, host: '127.0.0.1' });
const send = (ws, channel, type, data, ref) => ws.send(JSON.stringify(ref ? { channel, type, data, ref } : { channel, type, data }));
const broadcast = (channel, type, data) => {
  const frame = JSON.stringify({ channel, type, data });
  for (const ws of subscribers.get(channel) ?? []) ws.send(frame);
};

// presence on session channels (PROTOCOL.md section 12), uncoalesced: channel -> connId -> entry
const presence = new Map();
const entriesOf = (channel) => {
  const out = {};
  for (const e of presence.get(channel)?.values() ?? []) (out[e.key] ??= []).push(e.entry);
  return out;
};
const presenceDiff = (channel, joins, leaves) => {
  const group = (list) => list.reduce((o, e) => ((o[e.key] ??= []).push(e.entry), o), {});
  broadcast(channel, 'presence_diff', { joins: group(joins), leaves: group(leaves) });
};
const presenceLeave = (channel, connId) => {
  const e = presence.get(channel)?.get(connId);
  if (e === undefined) return;
  presence.get(channel).delete(connId);
  presenceDiff(channel, [], [e]);
};

wss.on('connection', (ws, req) => {
  const url = new URL(req.url, 'http://x');
  if (url.searchParams.get('token') !== token) {
    send(ws, 'global', 'error', { error: 'unauthorized', message: 'bad token' });
    ws.close(1008, 'unauthorized');
    return;
  }
  const joined = new Set();
  const connId = `c${++seq}`;
  const key = url.searchParams.get('name') || 'demo';
  send(ws, 'global', 'connected', { clientId: connId, serverTime: Date.now(), heartbeatIntervalMs: 30000 });
  ws.on('close', () => {
    for (const c of joined) {
      subscribers.get(c)?.delete(ws);
      presenceLeave(c, connId);
    }
  });
  ws.on('message', (raw) => {
    let m;
    try { m = JSON.parse(raw); } catch { send(ws, 'global', 'error', { error: 'invalid_message', message: 'not JSON' }); return; }
    const { channel, type, data, ref } = m;
    if (channel === 'global') {
      if (type === 'ping') send(ws, 'global', 'pong', { timestamp: data.timestamp }, ref);
      else if (type === 'subscribe') {
        joined.add(data.channel);
        if (!subscribers.has(data.channel)) subscribers.set(data.channel, new Set());
        subscribers.get(data.channel).add(ws);
        send(ws, 'global', 'subscription_success', { channel: data.channel }, ref);
        if (data.channel.startsWith('session:')) {
          send(ws, data.channel, 'subscribe_success', { sessionId: data.channel.slice(8) });
          if (!presence.has(data.channel)) presence.set(data.channel, new Map());
          const e = { key, entry: { connId, joinedAt: Date.now(), meta: { name: key } } };
          presence.get(data.channel).set(connId, e);
          send(ws, data.channel, 'presence_state', { entries: entriesOf(data.channel) });
          presenceDiff(data.channel, [e], []); // the joiner's own copy repeats its state: a no-op
        }
      } else if (type === 'unsubscribe') {
        joined.delete(data.channel);
        subscribers.get(data.channel)?.delete(ws);
        presenceLeave(data.channel, connId);
        send(ws, 'global', 'unsubscribed', { channel: data.channel }, ref);
      }
      return;
    }
    if (!joined.has(channel) && !(channel.startsWith('shell:') && type === 'init')) {
      send(ws, 'global', 'error', { error: 'not_subscribed', message: 'join first', channel }, ref);
      return;
    }
    const sessionId = channel.split(':')[1];
    if (type === 'send_message') {
      const messageId = `m${++seq}`;
      send(ws, channel, 'reply', { status: 'ok', response: { messageId } }, ref);
      const words = data.message.trim().split(/ +/);
      words.forEach((w, i) => setTimeout(() => {
        broadcast(channel, 'stream_output', { sessionId, message: i < words.length - 1 ? `${w} ` : w, timestamp: Date.now() });
        broadcast(channel, 'progress_update', { sessionId, progress: i + 1, total: words.length, message: `word ${i + 1}` });
        if (i === words.length - 1) broadcast(channel, 'message_complete', { sessionId, messageId });
      }, wordDelay * (i + 1)));
    } else if (type === 'presence_update') {
      const old = presence.get(channel)?.get(connId);
      if (typeof data?.meta !== 'object' || data.meta === null || Array.isArray(data.meta) || old === undefined) {
        send(ws, 'global', 'error', { error: 'invalid_data', message: "'meta' must be an object", channel }, ref);
        return;
      }
      const next = { key, entry: { ...old.entry, meta: data.meta } };
      presence.get(channel).set(connId, next);
      if (ref) send(ws, channel, 'reply', { status: 'ok', response: {} }, ref);
      presenceDiff(channel, [next], [old]);
    } else if (type === 'typing_indicator') {
      broadcast(channel, 'typing_indicator', data);
    } else if (type === 'init' && shell) {
      joined.add(channel);
      if (!subscribers.has(channel)) subscribers.set(channel, new Set());
      subscribers.get(channel).add(ws);
      ws.line = '';
      send(ws, channel, 'init', { shellId: sessionId, cols: data.cols, rows: data.rows });
      send(ws, channel, 'output', { data: 'mock shell (no PTY)\r\n$ ' });
    } else if (type === 'input') {
      for (const ch of data.data) {
        if (ch === '\r') {
          const line = ws.line;
          ws.line = '';
          send(ws, channel, 'output', { data: '\r\n' });
          execFile('bash', ['-c', line], (err, out, errOut) => {
            send(ws, channel, 'output', { data: `${out}${errOut}`.replace(/\n/g, '\r\n') + '$ ' });
          });
        } else {
          ws.line += ch;
          send(ws, channel, 'output', { data: ch });
        }
      }
    }
  });
});

http.listen(port, '127.0.0.1', () => {
  console.log(`mock demo: http://127.0.0.1:${http.address().port}/?token=${token} (ws ${wss.address().port})`);
});
