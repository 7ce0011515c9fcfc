// Behaviour of the client (dist/, built by `npm run build`) with a fake WebSocket and Node's
// fake timers: readiness, the queue, resubscribe-then-flush, heartbeat, backoff with jitter,
// the close-code policy, request/reply, the guard, metrics and the message log.
import { test, beforeEach, afterEach, mock } from 'node:test';
import assert from 'node:assert/strict';
import {
  ChannelClient, ChannelError, CloseReasons, ConnectionStates, DEFAULTS, HEARTBEAT_TIMEOUT,
  CONNECT_TIMEOUT, UNLIMITED, reconnectDelay,
} from '../dist/index.js';
import { serverMessageProblem } from '../target/fixtures/guards.js';

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
  // the server's side
  open() { this.onopen?.({}); }
  deliver(msg) { this.onmessage?.({ data: typeof msg === 'string' ? msg : JSON.stringify(msg) }); }
  connected(extra = {}) {
    this.open();
    this.ready(extra);
  }
  ready(extra = {}) {
    this.deliver({ channel: 'global', type: 'connected', data: { clientId: 'c1', serverTime: 0, heartbeatIntervalMs: 30000, ...extra } });
  }
  drop(code = 1006, reason = '') { this.onclose?.({ code, reason }); }
  types() { return this.sent.map((m) => m.type); }
  static last() { return FakeSocket.all.at(-1); }
}

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const client = (opts = {}) => new ChannelClient('ws://h:1/ws', {
  token: 't', webSocket: (url) => new FakeSocket(url), logger: quiet, reconnectJitter: 0, ...opts,
});

beforeEach(() => {
  FakeSocket.all = [];
  mock.timers.enable({ apis: ['setTimeout', 'Date'] });
});
afterEach(() => mock.timers.reset());

test('defaults are the Java client\'s (jitter 0.2 in the browser)', () => {
  assert.deepEqual({ ...DEFAULTS }, {
    heartbeatIntervalMs: 30000, useServerHeartbeatInterval: true, firstPingDelayMs: null,
    pongTimeoutMs: 5000, initialReconnectDelayMs: 1000, maxReconnectDelayMs: 30000,
    maxReconnectAttempts: 5, reconnectJitter: 0.2, sendQueueCapacity: 100,
    connectTimeoutMs: 10000, requestTimeoutMs: 10000, messageLogCapacity: 50,
  });
  assert.equal(HEARTBEAT_TIMEOUT, 4000);
  assert.equal(CONNECT_TIMEOUT, 4001);
  assert.equal(new ChannelClient('ws://h/ws').messageLog.capacity, 50);
});

test('bad settings are refused with the value named', () => {
  assert.throws(() => client({ sendQueueCapacity: 0 }), /sendQueueCapacity must be >= 1: 0/);
  assert.throws(() => client({ reconnectJitter: 2 }), /reconnectJitter must be in \[0, 1\]: 2/);
  assert.throws(() => client({ maxReconnectAttempts: -2 }), /maxReconnectAttempts must be >= -1/);
});

test('reconnect delays double from 1 s, are capped at 30 s, and spread by the jitter', () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map((n) => reconnectDelay(n)), [1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  assert.equal(reconnectDelay(3, 1000, 30000, 0.2, () => 0), 3200);
  assert.equal(reconnectDelay(3, 1000, 30000, 0.2, () => 0.999999), 4800);
  assert.equal(reconnectDelay(6, 1000, 30000, 0.2, () => 0.999999), 30000, 'never over the cap');
  assert.throws(() => reconnectDelay(0), /attempt must be >= 1/);
});

test('states: idle, connecting, open, ready; nothing is sent before connected', () => {
  const c = client();
  const states = [];
  c.addStateListener((s) => states.push(s.state));
  assert.equal(c.state.state, ConnectionStates.IDLE);
  const events = [];
  c.on('session:a', (e) => events.push(e.type));
  c.send('session:a', { type: 'send_message', data: { message: 'queued' } });
  c.connect();
  const ws = FakeSocket.last();
  assert.match(ws.url, /\?token=t$/);
  ws.open();
  assert.equal(c.state.state, 'open');
  assert.equal(c.ready, false);
  assert.equal(ws.sent.length, 0, 'nothing before connected');
  ws.ready();
  assert.deepEqual(c.state, { state: 'ready', clientId: 'c1' });
  assert.deepEqual(ws.types(), ['subscribe', 'send_message'], 'subscribe first, then the queue');
  assert.equal(ws.sent[0].data.channel, 'session:a');
  assert.ok(ws.sent[0].ref, 'subscribe carries a ref');
  ws.deliver({ channel: 'session:a', type: 'stream_output', data: { sessionId: 'a', message: 'x', timestamp: 1 } });
  assert.deepEqual(events, ['stream_output']);
  assert.deepEqual(states.slice(0, 3), ['connecting', 'open', 'ready']);
});

test('connect() resolves when ready; a token function is asked on every connect', async () => {
  let n = 0;
  const c = client({ token: () => `t${++n}` });
  const ready = c.connect();
  FakeSocket.last().connected();
  await ready;
  FakeSocket.last().drop(1006);
  mock.timers.tick(1000);
  assert.match(FakeSocket.last().url, /token=t2$/);
});

test('joined resolves on subscription_success and rejects on subscription_error', async () => {
  const c = client();
  const ok = c.on('session:a', () => {});
  const refused = c.on('session:admin', () => {});
  c.connect();
  const ws = FakeSocket.last();
  ws.connected();
  ws.deliver({ channel: 'global', type: 'subscription_success', data: { channel: 'session:a' } });
  ws.deliver({ channel: 'global', type: 'subscription_error', data: { channel: 'session:admin', error: 'unauthorized', message: 'no' } });
  await ok.joined;
  await assert.rejects(refused.joined, (e) => e instanceof ChannelError && e.code === 'unauthorized');
  assert.deepEqual(c.subscriptions(), [
    { channel: 'session:a', handlers: 1, joined: true, error: null },
    { channel: 'session:admin', handlers: 1, joined: false, error: 'unauthorized' },
  ]);
});

test('closing the last handler leaves the channel; the others keep it', () => {
  const c = client();
  c.connect();
  const ws = FakeSocket.last();
  ws.connected();
  const one = c.on('session:a', () => {});
  const two = c.on('session:a', () => {});
  one.close();
  assert.equal(ws.types().filter((t) => t === 'unsubscribe').length, 0);
  two.close();
  two.close();
  assert.deepEqual(ws.sent.at(-1).data, { channel: 'session:a' });
  assert.equal(ws.types().filter((t) => t === 'unsubscribe').length, 1);
  assert.deepEqual(c.subscriptions(), []);
});

test('the send queue keeps the newest 100, counts the dropped and fails their requests', async () => {
  const c = client();
  const first = c.request('session:a', { type: 'send_message', data: { message: 'r' } });
  for (let i = 0; i < 104; i++) c.send('session:a', { type: 'send_message', data: { message: String(i) } });
  assert.equal(c.queuedMessages(), 100);
  assert.equal(c.metrics.snapshot().dropped, 5);
  await assert.rejects(first, (e) => e.code === 'dropped');
  c.connect();
  FakeSocket.last().connected();
  const messages = FakeSocket.last().sent.filter((m) => m.type === 'send_message');
  assert.equal(messages.length, 100);
  assert.equal(messages[0].data.message, '4');
  assert.equal(messages.at(-1).data.message, '103');
});

test('heartbeat: a ping every interval, latency from the pong, no pong within 5 s reconnects', () => {
  const c = client();
  c.connect();
  const ws = FakeSocket.last();
  ws.connected({ heartbeatIntervalMs: 30000 });
  mock.timers.tick(29999);
  assert.equal(ws.types().includes('ping'), false, 'first ping one interval after ready');
  mock.timers.tick(1);
  const ping = ws.sent.at(-1);
  assert.equal(ping.type, 'ping');
  mock.timers.tick(40);
  ws.deliver({ channel: 'global', type: 'pong', data: { timestamp: ping.data.timestamp } });
  assert.equal(c.metrics.snapshot().averageLatencyMillis, 40);
  mock.timers.tick(30000 - 40);
  assert.equal(ws.types().filter((t) => t === 'ping').length, 2);
  mock.timers.tick(4999);
  assert.equal(c.state.state, 'ready');
  mock.timers.tick(1);
  assert.equal(c.state.state, 'reconnecting');
  assert.equal(c.state.code, HEARTBEAT_TIMEOUT);
  assert.equal(ws.closed.code, 4000);
});

test('the server heartbeat interval is used, never below 50 ms; firstPingDelayMs moves the first ping', () => {
  const c = client({ firstPingDelayMs: 1000 });
  c.connect();
  const ws = FakeSocket.last();
  ws.connected({ heartbeatIntervalMs: 10 });
  mock.timers.tick(1000);
  assert.equal(ws.sent.at(-1).type, 'ping');
  ws.deliver({ channel: 'global', type: 'pong', data: { timestamp: ws.sent.at(-1).data.timestamp } });
  mock.timers.tick(49);
  assert.equal(ws.types().filter((t) => t === 'ping').length, 1);
  mock.timers.tick(1);
  assert.equal(ws.types().filter((t) => t === 'ping').length, 2);
});

test('no connected within the connect timeout: closed with 4001 and retried', () => {
  const c = client();
  c.connect();
  const ws = FakeSocket.last();
  ws.open();
  mock.timers.tick(10000);
  assert.equal(ws.closed.code, CONNECT_TIMEOUT);
  assert.equal(c.state.state, 'reconnecting');
});

test('lost connection: attempts 1..5 after 1, 2, 4, 8, 16 s, then GAVE_UP; reconnect() resets', () => {
  const c = client();
  c.on('session:a', () => {});
  c.connect();
  FakeSocket.last().connected();
  FakeSocket.last().drop(1001, 'going away');
  for (const [attempt, delay] of [[1, 1000], [2, 2000], [3, 4000], [4, 8000], [5, 16000]]) {
    assert.equal(c.state.state, 'reconnecting');
    assert.equal(c.state.attempt, attempt);
    assert.equal(c.state.maxAttempts, 5);
    assert.equal(c.state.delayMs, delay);
    const before = FakeSocket.all.length;
    mock.timers.tick(delay - 1);
    assert.equal(FakeSocket.all.length, before, `attempt ${attempt} not before ${delay} ms`);
    mock.timers.tick(1);
    assert.equal(FakeSocket.all.length, before + 1, `attempt ${attempt} at ${delay} ms`);
    assert.deepEqual(c.state, { state: 'connecting', attempt, maxAttempts: 5 });
    FakeSocket.last().drop(1006);
  }
  assert.equal(c.state.state, 'closed');
  assert.equal(c.state.reason, CloseReasons.GAVE_UP);
  assert.equal(c.metrics.snapshot().reconnections, 5);
  c.reconnect();
  assert.equal(c.metrics.snapshot().reconnections, 6);
  assert.deepEqual(c.state, { state: 'connecting', attempt: 0, maxAttempts: 5 });
  const ws = FakeSocket.last();
  ws.connected();
  assert.equal(ws.sent[0].type, 'subscribe', 're-subscribed');
});

test('jitter spreads the delays within ± the fraction', () => {
  const c = client({ reconnectJitter: 0.5, random: () => 0 });
  c.connect();
  FakeSocket.last().drop(1006);
  assert.equal(c.state.delayMs, 500);
  const d = client({ reconnectJitter: 0.5, random: () => 0.75 });
  d.connect();
  FakeSocket.last().drop(1006);
  assert.equal(d.state.delayMs, 1250);
});

test('unlimited attempts never give up', () => {
  const c = client({ maxReconnectAttempts: UNLIMITED, maxReconnectDelayMs: 1000 });
  c.connect();
  for (let i = 0; i < 20; i++) {
    FakeSocket.last().drop(1006);
    assert.equal(c.state.state, 'reconnecting');
    assert.equal(c.state.maxAttempts, -1);
    mock.timers.tick(1000);
  }
});

test('close codes: 1000 NORMAL, 1008 UNAUTHORIZED or RATE_LIMITED, 1003 and 1009 REJECTED, none retried', () => {
  const cases = [[1000, 'NORMAL'], [1008, 'UNAUTHORIZED'], [1003, 'REJECTED'], [1009, 'REJECTED']];
  for (const [code, reason] of cases) {
    const c = client();
    c.connect();
    FakeSocket.last().connected();
    FakeSocket.last().drop(code, 'bye');
    assert.deepEqual(c.state, { state: 'closed', reason, code, detail: 'bye' }, `after ${code}`);
    const n = FakeSocket.all.length;
    mock.timers.tick(60000);
    assert.equal(FakeSocket.all.length, n, `no retry after ${code}`);
  }
  const c = client();
  c.connect();
  const ws = FakeSocket.last();
  ws.connected();
  ws.deliver({ channel: 'global', type: 'error', data: { error: 'rate_limited', message: 'slow down' } });
  ws.drop(1008);
  assert.equal(c.state.reason, CloseReasons.RATE_LIMITED);
  for (const code of [1001, 1006, 1011, 1013]) {
    const d = client();
    d.connect();
    FakeSocket.last().drop(code);
    assert.equal(d.state.state, 'reconnecting', `retry after ${code}`);
  }
});

test('close() is NORMAL, fails pending requests and connect(); connect() starts again', async () => {
  const c = client();
  const ready = c.connect();
  const pending = c.request('session:a', { type: 'send_message', data: { message: 'x' } });
  c.close();
  await assert.rejects(ready, (e) => e.code === 'normal');
  await assert.rejects(pending, (e) => e.code === 'closed');
  assert.equal(c.state.reason, 'NORMAL');
  assert.equal(FakeSocket.last().closed.code, 1000);
  c.connect();
  FakeSocket.last().connected();
  assert.equal(c.state.state, 'ready');
});

test('request resolves with the ok response, rejects on an error reply, a protocol error or a lost connection', async () => {
  const c = client();
  c.connect();
  const ws = FakeSocket.last();
  ws.connected();
  const ok = c.request('session:a', { type: 'send_message', data: { message: 'hi' } });
  ws.deliver({ channel: 'session:a', type: 'reply', ref: ws.sent.at(-1).ref, data: { status: 'ok', response: { id: 'm1' } } });
  assert.deepEqual(await ok, { id: 'm1' });
  const refused = c.request('session:a', { type: 'send_message', data: { message: 'no' } });
  ws.deliver({ channel: 'session:a', type: 'reply', ref: ws.sent.at(-1).ref, data: { status: 'error', response: { error: 'forbidden', message: 'Not yours' } } });
  await assert.rejects(refused, (e) => e instanceof ChannelError && e.code === 'forbidden' && /Not yours/.test(e.message));
  const failing = c.request('session:a', { type: 'send_message', data: { message: 'boom' } });
  ws.deliver({ channel: 'global', type: 'error', ref: ws.sent.at(-1).ref, data: { error: 'internal_error', message: 'x' } });
  await assert.rejects(failing, /internal_error/);
  const lost = c.request('session:a', { type: 'send_message', data: { message: 'lost' } });
  ws.drop(1006);
  await assert.rejects(lost, (e) => e.code === 'connection_lost');
  const late = client({ requestTimeoutMs: 500 });
  const timedOut = late.request('session:a', { type: 'send_message', data: { message: 'late' } });
  mock.timers.tick(500);
  await assert.rejects(timedOut, (e) => e.code === 'timeout');
});

test('protocol errors reach the error listeners and are counted', () => {
  const c = client();
  const errors = [];
  c.addErrorListener((e) => errors.push(e));
  c.connect();
  const ws = FakeSocket.last();
  ws.connected();
  ws.deliver({ channel: 'global', type: 'error', data: { error: 'not_subscribed', message: 'join first', channel: 'session:b' } });
  assert.deepEqual(errors, [{ code: 'not_subscribed', message: 'join first', channel: 'session:b', ref: null }]);
  assert.equal(c.metrics.snapshot().protocolErrors, 1);
});

test('joinWith families join by sending their event on the channel itself', async () => {
  const c = client({ joinWith: { shell: () => ({ type: 'init', data: { cols: 80, rows: 24 } }) } });
  const sub = c.on('shell:t1', () => {});
  c.connect();
  const ws = FakeSocket.last();
  ws.connected();
  assert.deepEqual(ws.sent[0], { channel: 'shell:t1', type: 'init', data: { cols: 80, rows: 24 } });
  ws.deliver({ channel: 'shell:t1', type: 'init', data: { shellId: 't1', cols: 80, rows: 24 } });
  await sub.joined;
});

test('the guard drops frames that do not fit their family, and garbage is counted', () => {
  const c = client({ guard: serverMessageProblem });
  const seen = [];
  c.on('session:a', (e, meta) => seen.push([e.type, meta.seq]));
  c.connect();
  const ws = FakeSocket.last();
  ws.connected();
  ws.deliver({ channel: 'session:a', type: 'stream_output', data: { sessionId: 'a', message: 'ok', timestamp: 1 }, seq: 7, epoch: 'e' });
  ws.deliver({ channel: 'session:a', type: 'stream_output', data: { sessionId: 'a', timestamp: 1 } });
  ws.deliver({ channel: 'session:a', type: 'send_message', data: { message: 'client-only' } });
  ws.deliver('not json');
  ws.deliver({ channel: 'session:a' });
  assert.deepEqual(seen, [['stream_output', 7]]);
  assert.equal(c.metrics.snapshot().invalidFrames, 4);
});

test('a throwing handler does not stop the others, and is counted', () => {
  const c = client();
  const seen = [];
  c.on('session:a', () => { throw new Error('boom'); });
  c.on('session:a', (e) => seen.push(e.data.message));
  c.connect();
  const ws = FakeSocket.last();
  ws.connected();
  ws.deliver({ channel: 'session:a', type: 'stream_output', data: { sessionId: 'a', message: 'x', timestamp: 1 } });
  assert.deepEqual(seen, ['x']);
  assert.equal(c.metrics.snapshot().handlerErrors, 1);
});

test('the message log keeps the last 50 frames with their text; the latency window 100', () => {
  const c = client();
  c.connect();
  const ws = FakeSocket.last();
  ws.connected();
  for (let i = 0; i < 60; i++) ws.deliver({ channel: i % 2 ? 'session:a' : 'session:b', type: 'stream_output', data: { sessionId: 'a', message: String(i), timestamp: 1 } });
  const entries = c.messageLog.entries();
  assert.equal(entries.length, 50);
  assert.equal(JSON.parse(entries[0].payload).data.message, '10');
  assert.equal(entries[0].direction, 'RECEIVED');
  assert.ok(c.messageLog.entries('session:a').every((e) => e.channel === 'session:a'));
  c.send('session:a', { type: 'send_message', data: { message: 'out' } });
  assert.equal(c.messageLog.entries().at(-1).direction, 'SENT');
  for (let i = 0; i < 150; i++) c.metrics.latency(i);
  const m = c.metrics.snapshot();
  assert.equal(m.latencySamples, 100);
  assert.equal(m.averageLatencyMillis, 99.5);
  c.metrics.reset();
  assert.equal(c.metrics.snapshot().messagesReceived, 0);
});
