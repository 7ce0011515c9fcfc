// channels.js: a small browser client of the channels wire protocol, version 1
// (docs/protocol.md). Plain ES module, no dependencies.
//
// What it does, in the protocol's words:
// - opens one WebSocket, passing the token as the `token` query parameter (browsers
//   cannot set an Authorization header on a WebSocket);
// - is *ready* only after the server's `global` `connected` event; until then every
//   message goes into a bounded send queue (100 by default, oldest dropped first);
// - on every (re)connection: re-subscribes every channel that has handlers, then
//   flushes the queue in order;
// - pings every `heartbeatIntervalMs` (from `connected`, 30 s by default) and
//   measures latency from the pong; no pong within 5 s closes and reconnects;
// - reconnects with backoff 1, 2, 4, 8, 16 s (capped at 30 s), at most 5 attempts;
//   close codes 1000, 1003, 1008 and 1009 are final; `reconnect()` resets the count;
// - routes every event to the handlers of its channel (one throwing handler never
//   stops the others), keeps the last 50 messages and a few counters.

/** Channel name builders, as in the Java `Channels` class. */
export const Channels = Object.freeze({
  global: () => 'global',
  session: (id) => `session:${id}`,
  shell: (id) => `shell:${id}`,
});

const RESOURCE = /^[a-z][a-z0-9_-]{0,31}$/;
const SEGMENT = /^[A-Za-z0-9_.@-]{1,128}$/;

/**
 * Parses a channel name. Returns `{ resource, id }` (id is null for `global`), or
 * `{ error }` with a reason: never a silent fallback.
 */
export function parseChannel(name) {
  if (typeof name !== 'string' || name.length === 0 || name.length > 256) {
    return { error: 'a channel name is 1-256 characters' };
  }
  const colon = name.indexOf(':');
  const resource = colon < 0 ? name : name.slice(0, colon);
  const id = colon < 0 ? null : name.slice(colon + 1);
  if (!RESOURCE.test(resource)) return { error: `bad resource '${resource}'` };
  if (id !== null && !id.split(':').every((s) => SEGMENT.test(s))) {
    return { error: `bad id '${id}'` };
  }
  return { resource, id };
}

/** Connection states, in the order a healthy connection goes through them. */
export const State = Object.freeze({
  IDLE: 'idle',
  CONNECTING: 'connecting',
  CONNECTED: 'connected',
  RECONNECTING: 'reconnecting',
  DISCONNECTED: 'disconnected',
});

/** Close codes after which the client does not reconnect by itself. */
export const FINAL_CLOSE_CODES = Object.freeze([1000, 1003, 1008, 1009]);

/** Code used locally when the client gives up on a socket (heartbeat, connect timeout). */
const CLIENT_TIMEOUT = 4000;

/**
 * Delay before reconnection attempt `attempt` (1-based): base * 2^(attempt-1), capped.
 * With the defaults: 1000, 2000, 4000, 8000, 16000, then 30000.
 */
export function reconnectDelay(attempt, baseMs = 1000, maxMs = 30000) {
  return Math.min(baseMs * 2 ** Math.max(0, attempt - 1), maxMs);
}

/** Map<channel, Set<handler>>; a throwing handler is logged and the others still run. */
export class EventBus {
  #handlers = new Map();

  /** Adds a handler; returns a function that removes it (call it when done). */
  on(channel, handler) {
    let set = this.#handlers.get(channel);
    if (!set) this.#handlers.set(channel, (set = new Set()));
    const wrapped = { handler };
    set.add(wrapped);
    return () => {
      if (set.delete(wrapped) && set.size === 0) this.#handlers.delete(channel);
    };
  }

  /** Calls every handler of the channel with the event; returns how many ran. */
  emit(channel, event) {
    const set = this.#handlers.get(channel);
    if (!set) return 0;
    for (const { handler } of [...set]) {
      try {
        handler(event);
      } catch (e) {
        console.error(`[channels] handler for ${channel} threw`, e);
      }
    }
    return set.size;
  }

  handlerCount(channel) {
    return this.#handlers.get(channel)?.size ?? 0;
  }

  /** Channels that have at least one handler. */
  activeChannels() {
    return [...this.#handlers.keys()];
  }
}

/** Counters and a rolling latency window (last 100 samples). */
export class Metrics {
  constructor(window = 100) {
    this.window = window;
    this.reset();
  }

  reset() {
    this.messagesSent = 0;
    this.messagesReceived = 0;
    this.reconnections = 0;
    this.droppedMessages = 0;
    this.errors = 0;
    this.latencies = [];
  }

  trackSent() { this.messagesSent++; }
  trackReceived() { this.messagesReceived++; }
  trackReconnection() { this.reconnections++; }
  trackDropped() { this.droppedMessages++; }
  trackError() { this.errors++; }

  trackLatency(ms) {
    this.latencies.push(ms);
    if (this.latencies.length > this.window) this.latencies.shift();
  }

  /** Average of the window in ms, or null before the first pong. */
  get averageLatency() {
    if (this.latencies.length === 0) return null;
    return this.latencies.reduce((a, b) => a + b, 0) / this.latencies.length;
  }

  snapshot() {
    const avg = this.averageLatency;
    return {
      messagesSent: this.messagesSent,
      messagesReceived: this.messagesReceived,
      reconnections: this.reconnections,
      droppedMessages: this.droppedMessages,
      errors: this.errors,
      averageLatency: avg === null ? null : Math.round(avg * 10) / 10,
      latencySamples: this.latencies.length,
    };
  }
}

/** The last `limit` messages in both directions. */
export class MessageLog {
  #entries = [];
  #seq = 0;
  #listeners = new Set();

  constructor(limit = 50) {
    this.limit = limit;
  }

  add(direction, msg) {
    this.#entries.push({
      id: ++this.#seq,
      time: Date.now(),
      direction,
      channel: msg.channel,
      type: msg.type,
      ref: msg.ref,
      data: msg.data,
    });
    if (this.#entries.length > this.limit) this.#entries.shift();
    this.#listeners.forEach((l) => l());
  }

  /** Entries oldest first, optionally only those of one channel. */
  entries(channel) {
    return channel ? this.#entries.filter((e) => e.channel === channel) : [...this.#entries];
  }

  clear() {
    this.#entries = [];
    this.#listeners.forEach((l) => l());
  }

  onChange(listener) {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

const DEFAULTS = Object.freeze({
  token: null,
  heartbeatIntervalMs: null, // null: use the server's value from `connected`
  pongTimeoutMs: 5000,
  connectTimeoutMs: 10000,
  reconnectBaseMs: 1000,
  reconnectMaxMs: 30000,
  maxReconnectAttempts: 5,
  queueLimit: 100,
  logLimit: 50,
  requestTimeoutMs: 10000,
  // resource -> (channel) => ({type, data}): families joined by sending an event on the
  // channel itself instead of `global` `subscribe` (the shell family joins with `init`).
  joinWith: {},
  name: 'channels',
});

/**
 * One connection to a channels endpoint. Not shared between endpoints: the shell
 * terminal gets its own instance on its own socket.
 */
export class ChannelClient {
  #url;
  #opts;
  #ws = null; // the current socket, null between sockets
  #ready = false; // true between `connected` and the socket's close
  #state = State.IDLE;
  #attempt = 0; // reconnection attempts since the last ready connection
  #retryTimer = null;
  #retryAt = null;
  #connectTimer = null;
  #heartbeatTimer = null;
  #firstPingTimer = null;
  #pongTimer = null;
  #queue = [];
  #refSeq = 0;
  #pending = new Map(); // ref -> { resolve, reject, timer, sent }
  #subs = new Map(); // channel -> { status, error }
  #stateListeners = new Set();
  #lastClose = null;
  #clientId = null;
  #heartbeatMs = 30000;
  #manualClose = false;

  constructor(url, options = {}) {
    this.#url = url;
    this.#opts = { ...DEFAULTS, ...options };
    this.bus = new EventBus();
    this.metrics = new Metrics();
    this.log = new MessageLog(this.#opts.logLimit);
  }

  // ---- public API ---------------------------------------------------------------

  get state() { return this.#state; }
  get ready() { return this.#ready; }

  /** Everything a status banner needs. */
  get status() {
    return {
      state: this.#state,
      attempt: this.#attempt,
      maxAttempts: this.#opts.maxReconnectAttempts,
      retryInMs: this.#retryAt === null ? null : Math.max(0, this.#retryAt - Date.now()),
      clientId: this.#clientId,
      lastClose: this.#lastClose,
      averageLatency: this.metrics.averageLatency,
      queued: this.#queue.length,
    };
  }

  /** Opens the connection (once; later calls are no-ops while a socket is live). */
  connect() {
    this.#manualClose = false;
    if (this.#ws || this.#retryTimer) return;
    this.#open();
  }

  /** Manual reconnect: resets the attempt count, drops the current socket, connects now. */
  reconnect() {
    this.#manualClose = false;
    this.#attempt = 0;
    this.#clearRetry();
    this.#dropSocket(1000, 'manual reconnect');
    this.metrics.trackReconnection(); // manual ones count too, as in the Java client
    this.#open();
  }

  /** Closes with 1000 and stays disconnected until `connect()` or `reconnect()`. */
  disconnect() {
    this.#manualClose = true;
    this.#clearRetry();
    this.#dropSocket(1000, 'client disconnect');
    this.#lastClose = { code: 1000, reason: 'client disconnect' };
    this.#setState(State.DISCONNECTED);
  }

  /**
   * Adds a handler for every event on the channel. The first handler of a channel
   * joins it (now if ready, else on the next `connected`); removing the last one
   * leaves it. Returns the removal function.
   */
  subscribe(channel, handler) {
    const parsed = parseChannel(channel);
    if (parsed.error) throw new Error(`invalid channel '${channel}': ${parsed.error}`);
    const first = this.bus.handlerCount(channel) === 0;
    const off = this.bus.on(channel, handler);
    if (first && channel !== 'global') {
      this.#subs.set(channel, { status: 'pending', error: null });
      if (this.#ready) this.#join(channel);
    }
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      off();
      if (channel !== 'global' && this.bus.handlerCount(channel) === 0) {
        this.#subs.delete(channel);
        if (this.#ready && !this.#joinEvent(channel)) {
          this.#sendNow({ channel: 'global', type: 'unsubscribe', data: { channel }, ref: this.#nextRef() });
        }
      }
    };
  }

  /** Sends an event (queued until ready). */
  send(channel, type, data = {}) {
    this.#enqueueOrSend({ channel, type, data });
  }

  /**
   * Sends an event with a fresh `ref` and resolves with the reply's data
   * (`{status, response}`); rejects on a protocol `error` carrying the ref, on
   * timeout, or when the socket closes after the request went out.
   */
  request(channel, type, data = {}) {
    const ref = this.#nextRef();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(ref);
        reject(new Error(`request ${ref} (${type} on ${channel}) timed out`));
      }, this.#opts.requestTimeoutMs);
      this.#pending.set(ref, { resolve, reject, timer, sent: false });
      this.#enqueueOrSend({ channel, type, data, ref });
    });
  }

  /** Channels with handlers and their join status ('pending', 'joined', 'error'). */
  subscriptions() {
    return [...this.#subs.entries()].map(([channel, s]) => ({
      channel,
      status: s.status,
      error: s.error,
      handlers: this.bus.handlerCount(channel),
    }));
  }

  /** Calls `listener(status)` on every state change (and right away). */
  onState(listener) {
    this.#stateListeners.add(listener);
    listener(this.status);
    return () => this.#stateListeners.delete(listener);
  }

  // ---- socket lifecycle ---------------------------------------------------------

  #open() {
    this.#setState(this.#attempt > 0 ? State.RECONNECTING : State.CONNECTING);
    const url = new URL(this.#url, globalThis.location?.href);
    if (this.#opts.token) url.searchParams.set('token', this.#opts.token);
    let ws;
    try {
      ws = new WebSocket(url.toString());
    } catch (e) {
      console.error(`[${this.#opts.name}] cannot open ${url}`, e);
      this.#onClose(null, { code: 1006, reason: String(e) });
      return;
    }
    this.#ws = ws;
    this.#connectTimer = setTimeout(
      () => this.#onClose(ws, { code: CLIENT_TIMEOUT, reason: 'no connected event in time' }),
      this.#opts.connectTimeoutMs,
    );
    ws.onmessage = (e) => this.#onMessage(ws, e.data);
    ws.onclose = (e) => this.#onClose(ws, { code: e.code, reason: e.reason });
    ws.onerror = () => { /* a close event follows */ };
  }

  /** Forgets the current socket (its later events are ignored) and closes it. */
  #dropSocket(code, reason) {
    const ws = this.#ws;
    this.#ws = null;
    this.#becomeUnready();
    if (ws) {
      ws.onmessage = ws.onclose = ws.onerror = null;
      try { ws.close(code, reason); } catch { /* already closing */ }
    }
  }

  #becomeUnready() {
    this.#ready = false;
    clearTimeout(this.#connectTimer);
    clearInterval(this.#heartbeatTimer);
    clearTimeout(this.#firstPingTimer);
    clearTimeout(this.#pongTimer);
    this.#connectTimer = this.#heartbeatTimer = this.#firstPingTimer = this.#pongTimer = null;
    for (const s of this.#subs.values()) s.status = 'pending';
    for (const [ref, p] of this.#pending) {
      if (p.sent) {
        clearTimeout(p.timer);
        this.#pending.delete(ref);
        p.reject(new Error('connection closed before the reply'));
      }
    }
  }

  #onClose(ws, { code, reason }) {
    if (ws !== null && ws !== this.#ws) return; // a socket we already gave up on
    this.#dropSocket(code === CLIENT_TIMEOUT ? 4000 : 1000, reason);
    this.#lastClose = { code, reason };
    if (this.#manualClose) return;
    if (FINAL_CLOSE_CODES.includes(code)) {
      console.warn(`[${this.#opts.name}] closed with ${code} (${reason}); not reconnecting`);
      this.#setState(State.DISCONNECTED);
      return;
    }
    if (this.#attempt >= this.#opts.maxReconnectAttempts) {
      console.warn(`[${this.#opts.name}] gave up after ${this.#attempt} attempts`);
      this.#setState(State.DISCONNECTED);
      return;
    }
    this.#attempt++;
    const delay = reconnectDelay(this.#attempt, this.#opts.reconnectBaseMs, this.#opts.reconnectMaxMs);
    this.#retryAt = Date.now() + delay;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      this.#retryAt = null;
      this.metrics.trackReconnection();
      this.#open();
    }, delay);
    this.#setState(State.RECONNECTING);
  }

  #clearRetry() {
    clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    this.#retryAt = null;
  }

  #onReady(data) {
    clearTimeout(this.#connectTimer);
    this.#ready = true;
    this.#attempt = 0;
    this.#clientId = data?.clientId ?? null;
    this.#heartbeatMs = this.#opts.heartbeatIntervalMs ?? data?.heartbeatIntervalMs ?? 30000;
    this.#setState(State.CONNECTED);
    for (const channel of this.#subs.keys()) this.#join(channel);
    const queued = this.#queue;
    this.#queue = [];
    for (const msg of queued) this.#sendNow(msg);
    // A first latency sample soon (not at once: the (re)subscriptions just sent are served
    // first and would be counted as latency), then one per heartbeat interval.
    this.#firstPingTimer = setTimeout(() => this.#ping(), Math.min(1000, this.#heartbeatMs));
    this.#heartbeatTimer = setInterval(() => this.#ping(), this.#heartbeatMs);
  }

  #ping() {
    if (!this.#ready || this.#pongTimer) return;
    this.#sendNow({ channel: 'global', type: 'ping', data: { timestamp: Date.now() } });
    const ws = this.#ws;
    this.#pongTimer = setTimeout(
      () => this.#onClose(ws, { code: CLIENT_TIMEOUT, reason: 'heartbeat timeout' }),
      this.#opts.pongTimeoutMs,
    );
  }

  // ---- messages -----------------------------------------------------------------

  #onMessage(ws, raw) {
    if (ws !== this.#ws) return;
    let msg;
    try {
      msg = JSON.parse(raw);
    } catch {
      console.warn(`[${this.#opts.name}] dropped a frame that is not JSON`);
      this.metrics.trackError();
      return;
    }
    if (typeof msg !== 'object' || msg === null || typeof msg.channel !== 'string' || typeof msg.type !== 'string') {
      console.warn(`[${this.#opts.name}] dropped a frame that is not an envelope`, msg);
      this.metrics.trackError();
      return;
    }
    this.metrics.trackReceived();
    this.log.add('in', msg);
    if (msg.channel === 'global') this.#onGlobal(msg);
    if (msg.type === 'reply') {
      this.#settle(msg.ref, (p) => p.resolve(msg.data));
      return;
    }
    const sub = this.#subs.get(msg.channel);
    if (sub && sub.status === 'pending' && this.#joinEvent(msg.channel)) sub.status = 'joined';
    this.bus.emit(msg.channel, { channel: msg.channel, type: msg.type, data: msg.data, ref: msg.ref });
  }

  #onGlobal(msg) {
    const data = msg.data ?? {};
    switch (msg.type) {
      case 'connected':
        this.#onReady(data);
        break;
      case 'pong':
        clearTimeout(this.#pongTimer);
        this.#pongTimer = null;
        if (typeof data.timestamp === 'number') this.metrics.trackLatency(Date.now() - data.timestamp);
        break;
      case 'subscription_success': {
        const sub = this.#subs.get(data.channel);
        if (sub) sub.status = 'joined';
        this.#settle(msg.ref, (p) => p.resolve({ status: 'ok', response: data }));
        this.#notify();
        break;
      }
      case 'subscription_error': {
        const sub = this.#subs.get(data.channel);
        if (sub) Object.assign(sub, { status: 'error', error: data.error });
        console.warn(`[${this.#opts.name}] subscription to ${data.channel} failed: ${data.error} (${data.message})`);
        this.#settle(msg.ref, (p) => p.reject(new Error(`${data.error}: ${data.message}`)));
        this.#notify();
        break;
      }
      case 'error':
        this.metrics.trackError();
        console.warn(`[${this.#opts.name}] server error ${data.error}: ${data.message}`);
        this.#settle(msg.ref, (p) => p.reject(Object.assign(new Error(`${data.error}: ${data.message}`), { code: data.error })));
        break;
      default:
        break;
    }
  }

  #settle(ref, fn) {
    if (ref === undefined) return;
    const p = this.#pending.get(ref);
    if (!p) return;
    this.#pending.delete(ref);
    clearTimeout(p.timer);
    fn(p);
  }

  #joinEvent(channel) {
    const resource = channel.split(':', 1)[0];
    const fn = this.#opts.joinWith[resource];
    return fn ? fn(channel) : null;
  }

  #join(channel) {
    const join = this.#joinEvent(channel);
    if (join) this.#sendNow({ channel, type: join.type, data: join.data ?? {} });
    else this.#sendNow({ channel: 'global', type: 'subscribe', data: { channel }, ref: this.#nextRef() });
  }

  #enqueueOrSend(msg) {
    if (this.#ready) {
      this.#sendNow(msg);
      return;
    }
    if (this.#queue.length >= this.#opts.queueLimit) {
      const dropped = this.#queue.shift();
      this.metrics.trackDropped();
      console.warn(`[${this.#opts.name}] send queue full (${this.#opts.queueLimit}); dropped the oldest`, dropped);
      if (dropped.ref) this.#settle(dropped.ref, (p) => p.reject(new Error('dropped from a full send queue')));
    }
    this.#queue.push(msg);
    this.#notify();
  }

  #sendNow(msg) {
    const frame = { channel: msg.channel, type: msg.type, data: msg.data };
    if (msg.ref !== undefined) frame.ref = msg.ref;
    this.#ws.send(JSON.stringify(frame));
    this.metrics.trackSent();
    this.log.add('out', frame);
    const p = msg.ref !== undefined ? this.#pending.get(msg.ref) : null;
    if (p) p.sent = true;
  }

  #nextRef() {
    return String(++this.#refSeq);
  }

  // ---- state --------------------------------------------------------------------

  #setState(state) {
    this.#state = state;
    this.#notify();
  }

  #notify() {
    const status = this.status;
    for (const l of this.#stateListeners) {
      try { l(status); } catch (e) { console.error('[channels] state listener threw', e); }
    }
  }
}
