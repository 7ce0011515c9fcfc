// Unit tests of the page's protocol client (src/main/resources/static/js/channels.js) with a
// fake WebSocket and fake timers: readiness, queue bound, resubscribe order, heartbeat,
// backoff, final close codes, request/reply. Run: node --test examples/e2e/
import { test, beforeEach, afterEach, mock } from 'node:test';
import assert from 'node:assert/strict';
import {
  ChannelClient, EventBus, MessageLog, Metrics, State, parseChannel, reconnectDelay,
} from '../src/main/resources/static/js/channels.js';

/** A WebSocket stand-in: records what the client sends; the test plays the server. */
class FakeSocket {
  static all = [];
  constructor(url) {
    this.url = url;
    this.sent = [];
    this.closed = null;
    FakeSocket.all.push(this);
  }
  send(text) { this.sent.push(JSON.parse(text)); }
  close(code, reason) { this.closed = { code, reason }; }
  // server side
  open() { this.onopen?.(); }
  deliver(msg) { this.onmessage?.({ data: JSON.stringify(msg) }); }
  connected(extra = {}) {
    this.open();
    this.deliver({ channel: 'global', type: 'connected', data: { clientId: 'c1', serverTime: 0, heartbeatIntervalMs: 30000, ...extra } });
  }
  drop(code = 1006, reason = '') { this.onclose?.({ code, reason }); }
  static last() { return FakeSocket.all.at(-1); }
}

beforeEach(() => {
  FakeSocket.all = [];
  globalThis.WebSocket = FakeSocket;
  mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'] });
});
afterEach(() => mock.timers.reset());

const client = (opts = {}) => new ChannelClient('ws://h:1/ws', { token: 't', ...opts });

test('reconnect delays double from 1 s and are capped at 30 s', () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map((n) => reconnectDelay(n)), [1000, 2000, 4000, 8000, 16000, 30000, 30000]);
});

test('channel names are parsed, never guessed', () => {
  assert.deepEqual(parseChannel('workflow:run:456'), { resource: 'workflow', id: 'run:456' });
  assert.deepEqual(parseChannel('global'), { resource: 'global', id: null });
  assert.ok(parseChannel('session-123:') .error);
  assert.ok(parseChannel('Session:1').error);
  assert.ok(parseChannel('').error);
});

test('token goes in the query; nothing is sent before connected; then subscribe, then the queue', () => {
  const c = client();
  const events = [];
  c.subscribe('session:a', (e) => events.push(e.type));
  c.send('session:a', 'send_message', { message: 'queued' });
  c.connect();
  const ws = FakeSocket.last();
  assert.match(ws.url, /\?token=t$/);
  ws.open();
  assert.equal(ws.sent.length, 0, 'nothing before connected');
  assert.equal(c.state, State.CONNECTING);
  ws.connected();
  assert.equal(c.state, State.CONNECTED);
  assert.deepEqual(ws.sent.map((m) => m.type), ['subscribe', 'send_message']);
  mock.timers.tick(1000);
  assert.equal(ws.sent.at(-1).type, 'ping', 'first latency sample 1 s after ready');
  assert.equal(ws.sent[0].data.channel, 'session:a');
  assert.ok(ws.sent[0].ref, 'subscribe carries a ref');
  ws.deliver({ channel: 'session:a', type: 'stream_output', data: { message: 'x' } });
  assert.deepEqual(events, ['stream_output']);
});

test('the send queue keeps the newest 100 and counts the dropped', () => {
  const c = client();
  for (let i = 0; i < 105; i++) c.send('session:a', 'send_message', { message: String(i) });
  assert.equal(c.status.queued, 100);
  assert.equal(c.metrics.droppedMessages, 5);
  c.connect();
  FakeSocket.last().connected();
  const messages = FakeSocket.last().sent.filter((m) => m.type === 'send_message');
  assert.equal(messages[0].data.message, '5');
  assert.equal(messages.at(-1).data.message, '104');
});

test('pong gives latency; no pong within 5 s reconnects', () => {
  const c = client();
  c.connect();
  const ws = FakeSocket.last();
  ws.connected();
  mock.timers.tick(1000);
  const ping = ws.sent.find((m) => m.type === 'ping');
  mock.timers.tick(40);
  ws.deliver({ channel: 'global', type: 'pong', data: { timestamp: ping.data.timestamp } });
  assert.equal(c.metrics.averageLatency, 40);
  mock.timers.tick(29000 - 40); // next ping, 30 s after ready
  assert.equal(ws.sent.filter((m) => m.type === 'ping').length, 2);
  mock.timers.tick(5000); // no pong
  assert.equal(c.state, State.RECONNECTING);
  assert.equal(ws.closed.code, 4000);
});

test('lost connection: attempts 1..5 after 1, 2, 4, 8, 16 s, then gives up; resubscribes on success', () => {
  const c = client();
  const states = [];
  c.onState((s) => states.push(`${s.state}:${s.attempt}`));
  c.subscribe('session:a', () => {});
  c.connect();
  FakeSocket.last().connected();
  FakeSocket.last().drop(1001, 'going away');
  for (const [attempt, delay] of [[1, 1000], [2, 2000], [3, 4000], [4, 8000], [5, 16000]]) {
    assert.equal(c.status.state, State.RECONNECTING);
    assert.equal(c.status.attempt, attempt);
    const before = FakeSocket.all.length;
    mock.timers.tick(delay - 1);
    assert.equal(FakeSocket.all.length, before, `attempt ${attempt} not before ${delay} ms`);
    mock.timers.tick(1);
    assert.equal(FakeSocket.all.length, before + 1, `attempt ${attempt} at ${delay} ms`);
    FakeSocket.last().drop(1006);
  }
  assert.equal(c.state, State.DISCONNECTED);
  assert.equal(c.metrics.reconnections, 5);
  c.reconnect(); // manual: count reset, counted as a reconnection
  assert.equal(c.metrics.reconnections, 6);
  const ws = FakeSocket.last();
  ws.connected();
  assert.equal(c.status.attempt, 0);
  assert.equal(ws.sent[0].type, 'subscribe');
  assert.ok(states.includes('reconnecting:3'));
});

test('1000, 1003, 1008 and 1009 are final', () => {
  for (const code of [1000, 1003, 1008, 1009]) {
    const c = client();
    c.connect();
    FakeSocket.last().connected();
    FakeSocket.last().drop(code);
    assert.equal(c.state, State.DISCONNECTED, `after ${code}`);
    const n = FakeSocket.all.length;
    mock.timers.tick(60000);
    assert.equal(FakeSocket.all.length, n, `no retry after ${code}`);
  }
});

test('request resolves with the reply and rejects on an error carrying its ref', async () => {
  const c = client();
  c.connect();
  const ws = FakeSocket.last();
  ws.connected();
  const ok = c.request('session:a', 'send_message', { message: 'hi' });
  const sent = ws.sent.at(-1);
  ws.deliver({ channel: 'session:a', type: 'reply', ref: sent.ref, data: { status: 'ok', response: { messageId: 'm1' } } });
  assert.deepEqual(await ok, { status: 'ok', response: { messageId: 'm1' } });
  const failing = c.request('session:a', 'send_message', { message: 'boom' });
  ws.deliver({ channel: 'global', type: 'error', ref: ws.sent.at(-1).ref, data: { error: 'internal_error', message: 'x' } });
  await assert.rejects(failing, /internal_error/);
});

test('joinWith families join by sending their event on the channel itself', () => {
  const c = client({ joinWith: { shell: () => ({ type: 'init', data: { cols: 80, rows: 24 } }) } });
  c.subscribe('shell:t1', () => {});
  c.connect();
  FakeSocket.last().connected();
  assert.deepEqual(FakeSocket.last().sent[0], { channel: 'shell:t1', type: 'init', data: { cols: 80, rows: 24 } });
});

test('a throwing handler does not stop the others; logs and latency windows are bounded', () => {
  const bus = new EventBus();
  const seen = [];
  const err = console.error;
  console.error = () => {};
  bus.on('session:a', () => { throw new Error('boom'); });
  bus.on('session:a', (e) => seen.push(e));
  assert.equal(bus.emit('session:a', 1), 2);
  console.error = err;
  assert.deepEqual(seen, [1]);

  const log = new MessageLog(50);
  for (let i = 0; i < 60; i++) log.add('in', { channel: i % 2 ? 'a' : 'b', type: 't', data: i });
  assert.equal(log.entries().length, 50);
  assert.equal(log.entries()[0].data, 10);
  assert.ok(log.entries('a').every((e) => e.channel === 'a'));

  const m = new Metrics();
  for (let i = 0; i < 150; i++) m.trackLatency(i);
  assert.equal(m.latencies.length, 100);
  assert.equal(m.averageLatency, 99.5);
});
