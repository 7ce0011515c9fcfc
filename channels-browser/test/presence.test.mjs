// Presence (PROTOCOL.md section 12) on the browser client (dist/): the pure syncState /
// syncDiff / list functions, and the client's view with a fake WebSocket and Node's fake
// timers: presence_state and presence_diff folded into the view (never to handlers, never
// through the guard), presence_update as a request, the rebuild after a reconnection.
import { test, beforeEach, afterEach, mock } from 'node:test';
import assert from 'node:assert/strict';
import { ChannelClient, ChannelError, list, syncDiff, syncState } from '../dist/index.js';
import { serverMessageProblem } from '../target/fixtures/guards.js';

class FakeSocket {
  static all = [];
  constructor(url) { this.url = url; this.sent = []; FakeSocket.all.push(this); }
  send(text) { this.sent.push(JSON.parse(text)); }
  close(code, reason) { this.closed = { code, reason }; }
  deliver(msg) { this.onmessage?.({ data: typeof msg === 'string' ? msg : JSON.stringify(msg) }); }
  connected() {
    this.onopen?.({});
    this.deliver({ channel: 'global', type: 'connected', data: { clientId: 'c', serverTime: 0, heartbeatIntervalMs: 30000 } });
  }
  subscribed(channel) {
    this.deliver({ channel: 'global', type: 'subscription_success', data: { channel } });
  }
  drop(code = 1006) { this.onclose?.({ code, reason: '' }); }
  static last() { return FakeSocket.all.at(-1); }
}

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const client = (opts = {}) => new ChannelClient('ws://h:1/ws', {
  webSocket: (url) => new FakeSocket(url), logger: quiet, reconnectJitter: 0,
  guard: serverMessageProblem, ...opts,
});
const e = (connId, joinedAt = 1, meta = {}) => ({ connId, joinedAt, meta });
const state = (entries) => ({ channel: 'session:a', type: 'presence_state', data: { entries } });
const diff = (joins, leaves) => ({ channel: 'session:a', type: 'presence_diff', data: { joins, leaves } });

/** Records onJoin / onLeave / onSync as short lines. */
function record(p) {
  const lines = [];
  const ids = (entries) => entries.map((x) => x.connId).join(',');
  p.onJoin((key, before, joined) => lines.push(`join ${key} +${ids(joined)} (had ${before.length})`));
  p.onLeave((key, remaining, left) => lines.push(`leave ${key} -${ids(left)} (left ${remaining.length})`));
  p.onSync(() => lines.push(`sync ${p.list((k, v) => `${k}=[${ids(v)}]`).join(' ')}`.trim()));
  return lines;
}

/** A connected client subscribed to session:a, with its view and socket. */
function joined(opts) {
  const c = client(opts);
  const events = [];
  const sub = c.on('session:a', (ev) => events.push(ev.type));
  const view = c.presence('session:a');
  const lines = record(view);
  c.connect();
  const ws = FakeSocket.last();
  ws.connected();
  ws.subscribed('session:a');
  return { c, ws, view, lines, events, sub };
}

beforeEach(() => {
  FakeSocket.all = [];
  mock.timers.enable({ apis: ['setTimeout', 'Date'] });
});
afterEach(() => mock.timers.reset());

test('syncDiff applies leaves then joins by connId: an update keeps one entry', () => {
  const calls = [];
  const s0 = { alice: [e('c1', 1, { typing: false })] };
  const s1 = syncDiff(s0, { joins: { alice: [e('c1', 1, { typing: true })] }, leaves: { alice: [e('c1', 1, { typing: false })] } },
    (k, before, j) => calls.push(['join', k, before.length, j[0].meta.typing]),
    (k, rest, l) => calls.push(['leave', k, rest.length, l[0].meta.typing]));
  assert.deepEqual(s1, { alice: [e('c1', 1, { typing: true })] });
  assert.deepEqual(calls, [['leave', 'alice', 0, false], ['join', 'alice', 0, true]]);
  assert.deepEqual(s0, { alice: [e('c1', 1, { typing: false })] }, 'the input is not changed');
  // a repeated join and an unknown leave change nothing and call nothing
  const s2 = syncDiff(s1, { joins: { alice: [e('c1', 1, { typing: true })] }, leaves: { zed: [e('z')] } },
    () => calls.push('join'), () => calls.push('leave'));
  assert.deepEqual(s2, s1);
  assert.equal(calls.length, 2);
});

test('syncState reports only the difference and never duplicates a connId', () => {
  const calls = [];
  const next = syncState({ me: [e('c1')], bob: [e('c2')], carol: [e('c3')] },
    { me: [e('c9')], bob: [e('c2'), e('c2')], dave: [e('c4')] },
    (k, _b, j) => calls.push(`join ${k} ${j.map((x) => x.connId)}`),
    (k, _r, l) => calls.push(`leave ${k} ${l.map((x) => x.connId)}`));
  assert.deepEqual(next, { me: [e('c9')], bob: [e('c2')], dave: [e('c4')] });
  assert.deepEqual(calls, ['leave me c1', 'leave carol c3', 'join me c9', 'join dave c4']);
  assert.deepEqual(list(next, (k, v) => `${k}:${v.length}`), ['me:1', 'bob:1', 'dave:1']);
  assert.deepEqual(list({ a: [e('x')] }), [{ key: 'a', entries: [e('x')] }]);
});

test('presence_state and presence_diff build the view; handlers and the guard never see them', () => {
  const { c, ws, view, lines, events } = joined();
  assert.equal(view.synced, false);
  ws.deliver(state({ alice: [e('c1', 10, { name: 'Alice' })] }));
  assert.equal(view.synced, true);
  assert.deepEqual(view.get('alice'), [e('c1', 10, { name: 'Alice' })]);
  ws.deliver(diff({ bob: [e('c2')] }, {}));
  ws.deliver(diff({}, { alice: [e('c1', 10, { name: 'Alice' })] }));
  assert.deepEqual(lines, ['join alice +c1 (had 0)', 'sync alice=[c1]', 'join bob +c2 (had 0)',
    'sync alice=[c1] bob=[c2]', 'leave alice -c1 (left 0)', 'sync bob=[c2]']);
  assert.deepEqual(events, [], 'presence frames are not handler events');
  assert.equal(c.metrics.snapshot().invalidFrames, 0, 'the generated guard was not asked');
  assert.equal(c.presence('session:a'), view, 'one view per channel');
  const copy = view.state;
  copy.bob.push(e('x'));
  assert.equal(view.get('bob').length, 1, 'state is a copy');
});

test('callbacks see the whole frame applied; one that throws is counted, the others run', () => {
  const { c, ws, view } = joined();
  const seen = [];
  view.onJoin(() => { throw new Error('boom'); });
  view.onJoin((key) => seen.push(`${key}:${view.get(key).length}`));
  ws.deliver(state({ alice: [e('c1'), e('c2')] }));
  assert.deepEqual(seen, ['alice:2']);
  assert.equal(c.metrics.snapshot().handlerErrors, 1);
});

test('update sends presence_update with a ref and settles on the reply', async () => {
  const { ws, view } = joined();
  const ok = view.update({ typing: true });
  const sent = ws.sent.at(-1);
  assert.equal(sent.type, 'presence_update');
  assert.equal(sent.channel, 'session:a');
  assert.deepEqual(sent.data, { meta: { typing: true } });
  assert.ok(sent.ref);
  ws.deliver({ channel: 'session:a', type: 'reply', ref: sent.ref, data: { status: 'ok', response: {} } });
  assert.deepEqual(await ok, {});

  const refused = view.update({ big: 'x'.repeat(2000) });
  const ref = ws.sent.at(-1).ref;
  ws.deliver({ channel: 'session:a', type: 'reply', ref, data: { status: 'error', response: { error: 'invalid_data', message: 'meta over 1024 bytes' } } });
  await assert.rejects(refused, (err) => err instanceof ChannelError && err.code === 'invalid_data');
  assert.throws(() => view.update('typing'), /meta must be an object/);
  assert.throws(() => view.update([1]), /meta must be an object/);
});

test('update while not ready is queued and sent after the subscribe', () => {
  const c = client();
  c.on('session:a', () => {});
  void c.presence('session:a').update({ typing: true });
  c.connect();
  const ws = FakeSocket.last();
  ws.connected();
  assert.deepEqual(ws.sent.map((m) => m.type), ['subscribe', 'presence_update']);
});

test('after a reconnection the new presence_state rebuilds the view with no duplicates', () => {
  const { ws, view, lines } = joined();
  ws.deliver(state({ me: [e('c1')], bob: [e('c2')], carol: [e('c3')] }));
  lines.length = 0;
  ws.drop(1006);
  assert.equal(view.synced, false);
  assert.deepEqual(Object.keys(view.state), ['me', 'bob', 'carol'], 'the last known entries stay');
  mock.timers.tick(1000);
  const ws2 = FakeSocket.last();
  assert.notEqual(ws2, ws);
  ws2.connected();
  ws2.subscribed('session:a');
  ws2.deliver(state({ me: [e('c9')], bob: [e('c2')], dave: [e('c4')] }));
  assert.deepEqual(lines, ['leave me -c1 (left 0)', 'leave carol -c3 (left 0)', 'join me +c9 (had 0)',
    'join dave +c4 (had 0)', 'sync me=[c9] bob=[c2] dave=[c4]']);
  assert.equal(view.synced, true);
  assert.equal(Object.values(view.state).flat().length, 3);
});

test('closing the last handler empties the view; late frames are dropped', () => {
  const { ws, view, lines, sub } = joined();
  ws.deliver(state({ alice: [e('c1')] }));
  lines.length = 0;
  sub.close();
  assert.deepEqual(lines, ['leave alice -c1 (left 0)', 'sync']);
  ws.deliver(diff({ bob: [e('c2')] }, {}));
  assert.deepEqual(view.state, {});
  assert.equal(view.synced, false);
});

test('a malformed presence frame is dropped and counted; the view is unchanged', () => {
  const { c, ws, view } = joined();
  ws.deliver(state({ alice: [e('c1')] }));
  ws.deliver(diff({ bob: [{ joinedAt: 1, meta: {} }] }, {}));
  ws.deliver({ channel: 'session:a', type: 'presence_state', data: { entries: [] } });
  ws.deliver(diff({ bob: [e('c2', 1, 'x')] }, {}));
  assert.deepEqual(Object.keys(view.state), ['alice']);
  assert.equal(c.metrics.snapshot().invalidFrames, 3);
  assert.throws(() => c.presence('global'), /other than global/);
});
