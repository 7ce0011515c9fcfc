// Recovery in the browser client (PROTOCOL.md section 11), with a fake WebSocket and Node's
// fake timers: `since` on every rejoin, each (epoch, seq) delivered once, a live gap or a new
// epoch resubscribes, `recovered` on the subscription, the stale listener on recovered:false.
import { test, beforeEach, afterEach, mock } from 'node:test';
import assert from 'node:assert/strict';
import { ChannelClient, readPosition } from '../dist/index.js';

class FakeSocket {
  static all = [];
  constructor(url) {
    this.url = url;
    this.sent = [];
    FakeSocket.all.push(this);
  }
  send(text) { this.sent.push(JSON.parse(text)); }
  close() {}
  deliver(msg) { this.onmessage?.({ data: JSON.stringify(msg) }); }
  connected() {
    this.onopen?.({});
    this.deliver({ channel: 'global', type: 'connected', data: { clientId: 'c1', serverTime: 0, heartbeatIntervalMs: 30000 } });
  }
  drop(code = 1006) { this.onclose?.({ code, reason: '' }); }
  subscribes() { return this.sent.filter((m) => m.type === 'subscribe'); }
  static last() { return FakeSocket.all.at(-1); }
}

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const client = () => new ChannelClient('ws://h:1/ws', {
  webSocket: (url) => new FakeSocket(url), logger: quiet, reconnectJitter: 0,
});

const success = (ref, extra) => ({
  channel: 'global', type: 'subscription_success', ref,
  data: { channel: 'session:a', recoverable: true, ...extra },
});
const word = (seq, epoch = 'e1') => ({
  channel: 'session:a', type: 'stream_output', seq, epoch,
  data: { sessionId: 'a', message: `w${seq}`, timestamp: seq },
});

/** A client subscribed to session:a, confirmed at `top`, recording words and confirmations. */
function subscribed(top = 0) {
  const c = client();
  const words = [];
  const confirmations = [];
  const stale = [];
  const sub = c.on('session:a', (e) => { if (e.type === 'stream_output') words.push(e.data.message); });
  sub.onSubscribed((s) => confirmations.push(s));
  sub.onStale((s) => stale.push(s));
  c.connect();
  const ws = FakeSocket.last();
  ws.connected();
  const [first] = ws.subscribes();
  assert.equal(first.data.since, undefined, 'a first subscribe has no since');
  ws.deliver(success(first.ref, { epoch: 'e1', seq: top }));
  return { c, ws, sub, words, confirmations, stale };
}

beforeEach(() => {
  FakeSocket.all = [];
  mock.timers.enable({ apis: ['setTimeout', 'Date'] });
});
afterEach(() => mock.timers.reset());

test('a reconnect rejoins with since = the last position and gets the missed events once', () => {
  const { ws, sub, words, confirmations, stale } = subscribed(0);
  assert.deepEqual(sub.subscribed, {
    channel: 'session:a', recoverable: true, wasRecovering: false, recovered: false, stale: false,
    position: { epoch: 'e1', seq: 0 },
  });
  [1, 2, 3].forEach((n) => ws.deliver(word(n)));
  ws.drop(1006);
  mock.timers.tick(1000);
  const ws2 = FakeSocket.last();
  assert.notEqual(ws2, ws);
  ws2.connected();
  const [again] = ws2.subscribes();
  assert.deepEqual(again.data, { channel: 'session:a', since: { epoch: 'e1', seq: 3 } });
  ws2.deliver(success(again.ref, { recovered: true, epoch: 'e1', seq: 5 }));
  [3, 4, 5, 6].forEach((n) => ws2.deliver(word(n))); // 3 is already there; 4-5 replayed; 6 live
  assert.deepEqual(words, ['w1', 'w2', 'w3', 'w4', 'w5', 'w6']);
  assert.equal(confirmations.length, 2);
  assert.equal(sub.subscribed.wasRecovering, true);
  assert.equal(sub.subscribed.recovered, true);
  assert.deepEqual(stale, []);
});

test('duplicates never reach the handlers', () => {
  const { ws, words } = subscribed(0);
  [1, 2, 2, 1, 3, 3].forEach((n) => ws.deliver(word(n)));
  assert.deepEqual(words, ['w1', 'w2', 'w3']);
});

test('a live gap is not delivered; the client resubscribes once with its last position', () => {
  const { ws, words, confirmations } = subscribed(0);
  [1, 2].forEach((n) => ws.deliver(word(n)));
  ws.deliver(word(4)); // 3 is missing
  ws.deliver(word(5)); // in flight before the answer: dropped too, no second subscribe
  const subs = ws.subscribes();
  assert.equal(subs.length, 2);
  assert.deepEqual(subs[1].data.since, { epoch: 'e1', seq: 2 });
  ws.deliver(success(subs[1].ref, { recovered: true, epoch: 'e1', seq: 5 }));
  [3, 4, 5, 6].forEach((n) => ws.deliver(word(n)));
  assert.deepEqual(words, ['w1', 'w2', 'w3', 'w4', 'w5', 'w6']);
  assert.equal(confirmations.at(-1).recovered, true);
});

test('recovered:false calls the stale listener and goes on from the server\'s top', () => {
  const { ws, sub, words, stale } = subscribed(0);
  ws.deliver(word(1));
  ws.deliver(word(1, 'e2')); // a new epoch seen live
  const subs = ws.subscribes();
  assert.deepEqual(subs[1].data.since, { epoch: 'e1', seq: 1 });
  ws.deliver(success(subs[1].ref, { recovered: false, epoch: 'e2', seq: 4 }));
  assert.equal(stale.length, 1);
  assert.equal(stale[0].stale, true);
  assert.deepEqual(stale[0].position, { epoch: 'e2', seq: 4 });
  assert.equal(sub.subscribed, stale[0]);
  [4, 5].forEach((n) => ws.deliver(word(n, 'e2')));
  assert.deepEqual(words, ['w1', 'w5'], 'never partial: only what follows the new top');
  ws.drop(1006);
  mock.timers.tick(1000);
  FakeSocket.last().connected();
  assert.deepEqual(FakeSocket.last().subscribes()[0].data.since, { epoch: 'e2', seq: 5 });
});

test('events without a position and channels without history are delivered as before', () => {
  const c = client();
  const got = [];
  const sub = c.on('session:a', (e) => got.push(e.type));
  c.connect();
  const ws = FakeSocket.last();
  ws.connected();
  ws.deliver({ channel: 'global', type: 'subscription_success', ref: ws.subscribes()[0].ref, data: { channel: 'session:a' } });
  assert.equal(sub.subscribed.recoverable, false);
  assert.equal(sub.subscribed.position, null);
  ws.deliver({ channel: 'session:a', type: 'subscribe_success', data: { sessionId: 'a' } });
  ws.deliver({ channel: 'session:a', type: 'stream_output', data: { sessionId: 'a', message: 'x', timestamp: 1 } });
  assert.deepEqual(got, ['subscribe_success', 'stream_output']);
  ws.drop(1006);
  mock.timers.tick(1000);
  FakeSocket.last().connected();
  assert.equal(FakeSocket.last().subscribes()[0].data.since, undefined, 'nothing to recover');
});

test('closing the last handler forgets the position; a listener that throws is contained', () => {
  const { c, ws, sub } = subscribed(0);
  ws.deliver(word(1));
  sub.close();
  const next = c.on('session:a', () => {});
  next.onSubscribed(() => { throw new Error('listener failure (expected)'); });
  const s = ws.subscribes().at(-1);
  assert.equal(s.data.since, undefined);
  ws.deliver(success(s.ref, { epoch: 'e1', seq: 1 }));
  assert.equal(next.subscribed.wasRecovering, false);
  assert.equal(c.metrics.snapshot().handlerErrors, 1);
});

test('readPosition accepts only an integer seq and an epoch of 1-64 characters', () => {
  assert.deepEqual(readPosition(3, 'e'), { epoch: 'e', seq: 3 });
  for (const [seq, epoch] of [[0, 'e'], [1.5, 'e'], ['3', 'e'], [3, ''], [3, 'x'.repeat(65)], [3, 7]]) {
    assert.equal(readPosition(seq, epoch), null, `${seq} ${epoch}`);
  }
});
