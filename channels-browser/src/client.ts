// The browser client of the channels protocol, version 1 (PROTOCOL.md), with the Java
// client's behaviour and names: ready only after `connected`; a send queue of 100 that drops
// the oldest; re-subscribe then flush on every connection; heartbeat 30 s / 5 s; reconnection
// with doubling delays, jitter and a bounded number of attempts; the close-code policy of
// section 8; metrics and a message log.
import type {
  ChannelOf, ClientEventOn, EventShape, FamilyMap, MessageMeta, ServerEventOn, UntypedFamilies,
  WireMessage,
} from './families.js';
import { ClientMetrics, MessageLog } from './debug.js';
import { Recovery, readPosition, type StreamPosition, type Subscribed } from './recovery.js';
import { Presence, readEntries, type PresenceMeta } from './presence.js';
import {
  CloseReasons, CONNECT_TIMEOUT, HEARTBEAT_TIMEOUT, UNLIMITED, reconnectDelay,
  type CloseReason, type ConnectionState,
} from './state.js';

/** The part of the DOM's WebSocket the client uses. */
export interface WebSocketLike {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => unknown) | null;
  onmessage: ((ev: { data: unknown }) => unknown) | null;
  onclose: ((ev: { code: number; reason: string }) => unknown) | null;
  onerror: ((ev: unknown) => unknown) | null;
}

/** Opens a socket; the default is `new WebSocket(url)`. */
export type WebSocketFactory = (url: string) => WebSocketLike;

/** Where the client reports what it does; `console` by default. */
export interface Logger {
  debug(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

/** Settings; every one has the Java client's default unless said otherwise. */
export interface ClientOptions {
  /** Bearer token, sent as the `token` query parameter; a function is asked on every connect. */
  token?: string | null | (() => string | null | undefined);
  /** Ping interval once ready (30000). */
  heartbeatIntervalMs?: number;
  /** Whether `connected`'s `heartbeatIntervalMs` replaces the interval, never below 50 ms (true). */
  useServerHeartbeatInterval?: boolean;
  /** Delay of the first ping after `connected` (one interval, as in Java). */
  firstPingDelayMs?: number | null;
  /** How long a pong may take before the connection is treated as dead (5000). */
  pongTimeoutMs?: number;
  /** First reconnection delay, doubled per attempt (1000). */
  initialReconnectDelayMs?: number;
  /** Cap on reconnection delays (30000). */
  maxReconnectDelayMs?: number;
  /** Reconnection attempts before giving up (5); `UNLIMITED` (-1) for no limit. */
  maxReconnectAttempts?: number;
  /**
   * Spread of each reconnection delay, ± this fraction (0.2 here; 0 in Java): tabs that lost
   * the same server do not all come back at the same millisecond.
   */
  reconnectJitter?: number;
  /** Messages kept while not ready (100); when full the oldest is dropped and counted. */
  sendQueueCapacity?: number;
  /** Time for the socket to open and `connected` to arrive (10000). */
  connectTimeoutMs?: number;
  /** Time for a request's reply (10000). */
  requestTimeoutMs?: number;
  /** Frames kept by the message log (50). */
  messageLogCapacity?: number;
  /**
   * Families joined by sending an event on the channel itself instead of `global`
   * `subscribe` (the shell family joins with `init`, PROTOCOL.md section 9).
   */
  joinWith?: Record<string, (channel: string) => EventShape>;
  /**
   * Checks every received frame (the generated `serverMessageProblem`): a frame it returns a
   * reason for is dropped, logged and counted as invalid, never handed to a handler.
   */
  guard?: (message: WireMessage) => string | null;
  /** Opens sockets (tests pass a fake). */
  webSocket?: WebSocketFactory;
  /** Random numbers in [0, 1) for the jitter (`Math.random`). */
  random?: () => number;
  /** Logging (`console`). */
  logger?: Logger;
  /** Prefix of log lines ('channels'). */
  name?: string;
}

/** The defaults, as values. */
export const DEFAULTS = Object.freeze({
  heartbeatIntervalMs: 30000,
  useServerHeartbeatInterval: true,
  firstPingDelayMs: null as number | null,
  pongTimeoutMs: 5000,
  initialReconnectDelayMs: 1000,
  maxReconnectDelayMs: 30000,
  maxReconnectAttempts: 5,
  reconnectJitter: 0.2,
  sendQueueCapacity: 100,
  connectTimeoutMs: 10000,
  requestTimeoutMs: 10000,
  messageLogCapacity: 50,
});

const MIN_SERVER_HEARTBEAT_MS = 50;
const NORMAL = 1000;
const ABNORMAL = 1006;

/** A failed request, join or connection: `code` is the protocol's error code. */
export class ChannelError extends Error {
  readonly code: string;
  readonly channel: string | null;
  readonly ref: string | null;

  constructor(code: string, message: string, channel: string | null = null, ref: string | null = null) {
    super(`${code}: ${message}`);
    this.name = 'ChannelError';
    this.code = code;
    this.channel = channel;
    this.ref = ref;
  }
}

/** A protocol error the server reported (`global` `error`), for error listeners. */
export interface ClientError {
  code: string;
  message: string;
  channel: string | null;
  ref: string | null;
}

/** A channel with handlers: Java's `ActiveSubscription`, plus the last join error. */
export interface ActiveSubscription {
  channel: string;
  handlers: number;
  joined: boolean;
  error: string | null;
}

/**
 * What `on` returns: `close()` removes the handler (the last one leaves the channel).
 *
 * Recovery (PROTOCOL.md section 11): on a channel whose family keeps history the client
 * remembers the last `(epoch, seq)` it delivered, rejoins with it after every reconnect,
 * delivers each event once and resubscribes by itself when a live event skips a seq;
 * `subscribed`, `onSubscribed` and `onStale` say whether the missed events came back.
 */
export interface Subscription {
  readonly channel: string;
  /** Resolves on the first join of the channel; rejects with a ChannelError if refused. */
  readonly joined: Promise<void>;
  /** The channel's latest confirmation (`recovered`, `stale`...), null before the first. */
  readonly subscribed: Subscribed | null;
  /**
   * Calls `listener` at every confirmation while this handle is open (first join, each
   * rejoin, each gap filled), before the recovered events reach the handlers. Not replayed:
   * read `subscribed` first. Returns its remover.
   */
  onSubscribed(listener: (s: Subscribed) => void): () => void;
  /**
   * Calls `listener` when a rejoin could not recover the missed events (`stale`): reload what
   * the application built from the channel. Runs after the `onSubscribed` listeners.
   */
  onStale(listener: (s: Subscribed) => void): () => void;
  close(): void;
}

type Resolved = Required<Omit<ClientOptions, 'token' | 'guard' | 'firstPingDelayMs'>>
  & Pick<ClientOptions, 'token' | 'guard' | 'firstPingDelayMs'>;

type Handler = (event: EventShape, meta: MessageMeta) => void;

interface Join {
  joined: boolean;
  error: string | null;
  waiters: { resolve: () => void; reject: (e: Error) => void }[];
  /** A `subscribe` waits for its answer on this connection (recovery: no second one). */
  pending?: boolean;
  /** The `since` that subscribe carried. */
  since?: StreamPosition | null;
}

interface Outgoing {
  channel: string;
  type: string;
  data: unknown;
  ref?: string;
}

interface Pending {
  resolve: (response: unknown) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
  sent: boolean;
}

const settled = <T>(p: Promise<T>): Promise<T> => {
  p.catch(() => { /* the caller may ignore it: no unhandled rejection */ });
  return p;
};

/**
 * One connection to a channels endpoint, typed by the families `F` (the generated
 * `ChannelFamilies`): `on` narrows each channel's events to its family, `send` accepts only
 * what a client may send on that channel.
 *
 * ```ts
 * const client = new ChannelClient<ChannelFamilies>('wss://app.example.com/ws', { token });
 * client.on(Channels.session(id), (event) => {
 *   switch (event.type) {
 *     case SessionEventTypes.STREAM_OUTPUT: append(event.data.message); break;
 *     // ...
 *     default: { const missing: never = event; }
 *   }
 * });
 * client.connect();
 * ```
 *
 * Single-threaded like everything in a page: handlers and listeners run in the event loop,
 * in arrival order. A handler that throws is logged and counted; the others still run.
 */
export class ChannelClient<F extends FamilyMap = UntypedFamilies> {
  readonly url: string;
  readonly metrics = new ClientMetrics();
  readonly messageLog: MessageLog;

  readonly #o: Resolved;
  #state: ConnectionState = { state: 'idle' };
  /** The current socket; null between sockets. */
  #ws: WebSocketLike | null = null;
  /** True between `connected` and the end of its socket. */
  #ready = false;
  #clientId: string | null = null;
  /** Reconnection attempts since the last ready connection. */
  #attempt = 0;
  #lastErrorCode: string | null = null;
  #retryTimer: ReturnType<typeof setTimeout> | null = null;
  #connectTimer: ReturnType<typeof setTimeout> | null = null;
  #pingTimer: ReturnType<typeof setTimeout> | null = null;
  #pongTimer: ReturnType<typeof setTimeout> | null = null;
  /** Timestamp of the ping waiting for its pong; -1 when none. */
  #awaiting = -1;
  #queue: Outgoing[] = [];
  #refSeq = 0;
  #pending = new Map<string, Pending>();
  #handlers = new Map<string, Set<{ handler: Handler }>>();
  #joins = new Map<string, Join>();
  #stateListeners = new Set<(s: ConnectionState) => void>();
  #errorListeners = new Set<(e: ClientError) => void>();
  #connectWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  /** Stream positions per channel (recovery.ts) and the handles that hear of confirmations. */
  #recovery = new Recovery();
  #observers = new Map<string, Set<(s: Subscribed) => void>>();
  /** Presence views by channel (presence.ts), made on demand or by the first presence frame. */
  #presences = new Map<string, Presence<PresenceMeta>>();

  constructor(url: string, options: ClientOptions = {}) {
    this.url = url;
    const factory: WebSocketFactory = options.webSocket
      ?? ((u) => new WebSocket(u) as unknown as WebSocketLike);
    this.#o = {
      ...DEFAULTS,
      joinWith: {},
      random: Math.random,
      logger: console,
      name: 'channels',
      ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
      webSocket: factory,
    } as Resolved;
    check('heartbeatIntervalMs', this.#o.heartbeatIntervalMs, 1);
    check('pongTimeoutMs', this.#o.pongTimeoutMs, 1);
    check('initialReconnectDelayMs', this.#o.initialReconnectDelayMs, 0);
    check('maxReconnectDelayMs', this.#o.maxReconnectDelayMs, this.#o.initialReconnectDelayMs);
    check('maxReconnectAttempts', this.#o.maxReconnectAttempts, UNLIMITED);
    check('sendQueueCapacity', this.#o.sendQueueCapacity, 1);
    check('connectTimeoutMs', this.#o.connectTimeoutMs, 1);
    check('requestTimeoutMs', this.#o.requestTimeoutMs, 1);
    if (!(this.#o.reconnectJitter >= 0 && this.#o.reconnectJitter <= 1)) {
      throw new RangeError(`reconnectJitter must be in [0, 1]: ${this.#o.reconnectJitter}`);
    }
    this.messageLog = new MessageLog(this.#o.messageLogCapacity);
  }

  // ------------------------------------------------------------------ public API

  /** Where the connection stands. */
  get state(): ConnectionState { return this.#state; }

  /** Whether channel traffic flows now (state `ready`). */
  get ready(): boolean { return this.#ready; }

  /** The id the server gave this connection in `connected`, once ready. */
  get clientId(): string | null { return this.#clientId; }

  /** The settings in force, defaults included. */
  get options(): Readonly<ClientOptions> { return this.#o; }

  /**
   * Starts connecting (a no-op while connecting or connected) and resolves when ready;
   * rejects with a ChannelError if the client closes first. Sends queue until ready.
   */
  connect(): Promise<void> {
    const p = settled(new Promise<void>((resolve, reject) => {
      if (this.#ready) resolve();
      else this.#connectWaiters.push({ resolve, reject });
    }));
    if (this.#ws === null && this.#retryTimer === null) {
      this.#attempt = 0;
      this.#open();
    }
    return p;
  }

  /** Drops the current socket and connects now, with the attempt count reset. */
  reconnect(): void {
    this.#clearRetry();
    if (this.#ws !== null) this.#retire(NORMAL, 'reconnecting');
    this.#connectionLost();
    this.#attempt = 0;
    this.metrics.reconnection();
    this.#open();
  }

  /**
   * Closes with 1000, fails pending requests, empties the queue: state `closed` (`NORMAL`).
   * Unlike Java's, a browser client can be connected again with `connect()` or `reconnect()`.
   */
  close(): void {
    this.#clearRetry();
    if (this.#ws !== null) this.#retire(NORMAL, 'client closed');
    this.#connectionLost();
    for (const [ref, p] of this.#pending) {
      clearTimeout(p.timer);
      this.#pending.delete(ref);
      p.reject(new ChannelError('closed', 'client closed'));
    }
    this.#queue = [];
    this.#closedFor(CloseReasons.NORMAL, NORMAL, 'client closed');
  }

  /**
   * Adds `handler` for every event a server sends on `channel`, narrowed to the channel's
   * family. The first handler joins the channel (now if ready, else on `connected`); closing
   * the last one leaves it. A handler on `global` joins nothing.
   */
  on<C extends ChannelOf<F>>(channel: C,
    handler: (event: ServerEventOn<F, C>, meta: MessageMeta<C>) => void): Subscription {
    if (typeof channel !== 'string' || channel.length === 0) throw new TypeError('a channel name is required');
    let set = this.#handlers.get(channel);
    const first = set === undefined;
    if (set === undefined) this.#handlers.set(channel, (set = new Set()));
    const entry = { handler: handler as unknown as Handler };
    set.add(entry);
    let join = this.#joins.get(channel);
    if (first && channel !== 'global') {
      join = { joined: false, error: null, waiters: [] };
      this.#joins.set(channel, join);
      if (this.#ready) this.#join(channel);
    }
    const joined = settled(new Promise<void>((resolve, reject) => {
      if (channel === 'global' || join?.joined) resolve();
      else join?.waiters.push({ resolve, reject });
    }));
    let closed = false;
    const onSubscribed = new Set<(s: Subscribed) => void>();
    const onStale = new Set<(s: Subscribed) => void>();
    const observer = (s: Subscribed): void => {
      for (const l of [...onSubscribed, ...(s.stale ? onStale : [])]) {
        try { l(s); } catch (e) {
          this.metrics.handlerError();
          this.#o.logger.error(`[${this.#o.name}] a subscribed/stale listener of ${channel} threw`, e);
        }
      }
    };
    this.#observe(channel, observer, true);
    const recovery = this.#recovery;
    return {
      channel,
      joined,
      get subscribed() { return recovery.latest(channel); },
      onSubscribed: (l) => { onSubscribed.add(l); return () => { onSubscribed.delete(l); }; },
      onStale: (l) => { onStale.add(l); return () => { onStale.delete(l); }; },
      close: () => {
        if (closed) return;
        closed = true;
        this.#observe(channel, observer, false);
        const handlers = this.#handlers.get(channel);
        if (!handlers?.delete(entry) || handlers.size > 0) return;
        this.#handlers.delete(channel);
        if (channel === 'global') return;
        this.#joins.delete(channel);
        this.#recovery.forget(channel);
        this.#presences.get(channel)?._clear();
        if (this.#ready && this.#joinEvent(channel) === null) {
          this.#transmit({ channel: 'global', type: 'unsubscribe', data: { channel }, ref: this.#nextRef() });
        }
      },
    };
  }

  /** Sends a client event of the channel's family; queued until ready (at most 100). */
  send<C extends ChannelOf<F>>(channel: C, event: NoInfer<ClientEventOn<F, C>>): void {
    this.#sendOrQueue({ channel, type: event.type, data: event.data });
  }

  /**
   * Sends with a fresh `ref` and resolves with the reply's `response` when its status is
   * `ok`; rejects with a ChannelError on an error reply, a protocol error carrying the ref,
   * a timeout, a drop from the full queue, or the loss of the connection after sending.
   */
  request<C extends ChannelOf<F>>(channel: C, event: NoInfer<ClientEventOn<F, C>>): Promise<unknown> {
    const ref = this.#nextRef();
    return settled(new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(ref);
        reject(new ChannelError('timeout', `no reply to ${event.type} on ${channel} within `
          + `${this.#o.requestTimeoutMs} ms`, channel, ref));
      }, this.#o.requestTimeoutMs);
      this.#pending.set(ref, { resolve, reject, timer, sent: false });
      this.#sendOrQueue({ channel, type: event.type, data: event.data, ref });
    }));
  }

  /**
   * The live presence view of `channel` (PROTOCOL.md section 12; see `Presence`): who is
   * subscribed to it, filled from `presence_state` and `presence_diff` while the channel has
   * handlers. The same view on every call.
   */
  presence<M extends PresenceMeta = PresenceMeta>(channel: Exclude<ChannelOf<F>, 'global'>): Presence<M> {
    if (typeof channel !== 'string' || channel.length === 0 || channel === 'global') {
      throw new TypeError('presence needs a channel other than global');
    }
    return this.#presenceOf(channel) as unknown as Presence<M>;
  }

  /** The channels with handlers, their handler count and join state. */
  subscriptions(): ActiveSubscription[] {
    return [...this.#handlers.entries()].filter(([c]) => c !== 'global').map(([channel, set]) => {
      const j = this.#joins.get(channel);
      return { channel, handlers: set.size, joined: j?.joined ?? false, error: j?.error ?? null };
    });
  }

  /** How many messages wait in the send queue. */
  queuedMessages(): number { return this.#queue.length; }

  /** Calls `listener` on every state change; returns the function that removes it. */
  addStateListener(listener: (state: ConnectionState) => void): () => void {
    this.#stateListeners.add(listener);
    return () => { this.#stateListeners.delete(listener); };
  }

  /** Calls `listener` for every protocol error the server reports; returns its remover. */
  addErrorListener(listener: (error: ClientError) => void): () => void {
    this.#errorListeners.add(listener);
    return () => { this.#errorListeners.delete(listener); };
  }

  // --------------------------------------------------- seams for recovery and presence

  /**
   * The `data` of the `subscribe` for `channel`: with `since: {epoch, seq}` (recovery,
   * PROTOCOL.md section 11) when the client knows the channel's position.
   */
  protected subscribeData(channel: string): Record<string, unknown> {
    const since = this.#recovery.since(channel);
    return since === null ? { channel } : { channel, since: { epoch: since.epoch, seq: since.seq } };
  }

  /**
   * Called with `subscription_success`'s data (after recovery read `recoverable`,
   * `recovered`, `epoch` and `seq`); presence starts expecting `presence_state`.
   */
  protected subscribed(_channel: string, _data: Record<string, unknown>): void {}

  /**
   * Hands one event to the channel's handlers; returns how many ran. Recovery has already
   * dropped duplicates and events after a gap; presence folds `presence_state` and
   * `presence_diff` into its view before handlers see them.
   */
  protected deliver(event: EventShape, meta: MessageMeta): number {
    const set = this.#handlers.get(meta.channel);
    if (set === undefined) return 0;
    for (const { handler } of [...set]) {
      try {
        handler(event, meta);
      } catch (e) {
        this.metrics.handlerError();
        this.#o.logger.error(`[${this.#o.name}] a handler of ${meta.channel} threw`, e);
      }
    }
    return set.size;
  }

  // ------------------------------------------------------------------ lifecycle

  #open(): void {
    this.#clearRetry();
    this.#lastErrorCode = null;
    this.#setState({ state: 'connecting', attempt: this.#attempt, maxAttempts: this.#o.maxReconnectAttempts });
    let url: string;
    let ws: WebSocketLike;
    try {
      url = this.#socketUrl();
      ws = this.#o.webSocket(url);
    } catch (e) {
      this.#o.logger.error(`[${this.#o.name}] cannot open ${this.url}`, e);
      this.#connectionLost();
      this.#scheduleReconnect(ABNORMAL, String(e));
      return;
    }
    this.#ws = ws;
    this.#connectTimer = setTimeout(() => {
      if (this.#ws === ws && !this.#ready) {
        this.#abandon(CONNECT_TIMEOUT, `not ready within ${this.#o.connectTimeoutMs} ms`);
      }
    }, this.#o.connectTimeoutMs);
    ws.onopen = () => { if (this.#ws === ws) this.#setState({ state: 'open' }); };
    ws.onmessage = (e) => { if (this.#ws === ws) this.#onMessage(e.data); };
    ws.onclose = (e) => { if (this.#ws === ws) this.#onClose(e.code, e.reason); };
    ws.onerror = () => { /* a close event follows */ };
  }

  #socketUrl(): string {
    const t = this.#o.token;
    const token = typeof t === 'function' ? t() : t;
    const base = (globalThis as { location?: { href: string } }).location?.href;
    const url = base === undefined ? new URL(this.url) : new URL(this.url, base);
    if (token) url.searchParams.set('token', token);
    return url.toString();
  }

  /** The close-code policy of PROTOCOL.md section 8. */
  #onClose(code: number, reason: string): void {
    this.#ws = null;
    this.#connectionLost();
    this.#o.logger.info(`[${this.#o.name}] connection closed: ${code} ${reason}`);
    switch (code) {
      case 1000:
        this.#closedFor(CloseReasons.NORMAL, code, reason);
        break;
      case 1008:
        this.#closedFor(this.#lastErrorCode === 'rate_limited' ? CloseReasons.RATE_LIMITED
          : CloseReasons.UNAUTHORIZED, code, reason);
        break;
      case 1003:
      case 1009:
        this.#closedFor(CloseReasons.REJECTED, code, reason);
        break;
      default:
        this.#scheduleReconnect(code, reason);
    }
  }

  /** Gives up on the current socket (heartbeat or connect timeout) and reconnects. */
  #abandon(code: number, why: string): void {
    this.#o.logger.warn(`[${this.#o.name}] closing the connection: ${why}`);
    this.#retire(code, why);
    this.#connectionLost();
    this.#scheduleReconnect(code, why);
  }

  /** Closes the current socket; its later events are ignored. */
  #retire(code: number, why: string): void {
    const ws = this.#ws;
    this.#ws = null;
    if (ws === null) return;
    ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
    try { ws.close(code, why); } catch { /* already closing */ }
  }

  /** Resets per-connection state after the connection ended. */
  #connectionLost(): void {
    this.#ready = false;
    this.#clientId = null;
    this.#stopHeartbeat();
    if (this.#connectTimer !== null) clearTimeout(this.#connectTimer);
    this.#connectTimer = null;
    for (const j of this.#joins.values()) j.joined = j.pending = false;
    for (const p of this.#presences.values()) p._unsync();
    for (const [ref, p] of this.#pending) {
      if (!p.sent) continue;
      clearTimeout(p.timer);
      this.#pending.delete(ref);
      p.reject(new ChannelError('connection_lost', 'the connection closed before the reply', null, ref));
    }
  }

  #scheduleReconnect(code: number, detail: string): void {
    const max = this.#o.maxReconnectAttempts;
    if (max !== UNLIMITED && this.#attempt >= max) {
      this.#o.logger.warn(`[${this.#o.name}] gave up after ${this.#attempt} reconnection attempts`);
      this.#closedFor(CloseReasons.GAVE_UP, code, detail);
      return;
    }
    this.#attempt++;
    const delayMs = reconnectDelay(this.#attempt, this.#o.initialReconnectDelayMs,
      this.#o.maxReconnectDelayMs, this.#o.reconnectJitter, this.#o.random);
    this.#setState({
      state: 'reconnecting', attempt: this.#attempt, maxAttempts: max, delayMs,
      retryAt: Date.now() + delayMs, code, detail,
    });
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      this.metrics.reconnection();
      this.#open();
    }, delayMs);
  }

  #clearRetry(): void {
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
  }

  #closedFor(reason: CloseReason, code: number, detail: string | null): void {
    const waiters = this.#connectWaiters;
    this.#connectWaiters = [];
    const e = new ChannelError(reason.toLowerCase(), `connection closed (${code}${detail ? ` ${detail}` : ''})`);
    waiters.forEach((w) => w.reject(e));
    this.#setState({ state: 'closed', reason, code, detail });
  }

  /** `connected`: ready; join every channel, then flush the queue, then ping. */
  #becameReady(data: Record<string, unknown>): void {
    if (this.#ready) {
      this.#o.logger.warn(`[${this.#o.name}] ignored a second 'connected'`);
      return;
    }
    this.#ready = true;
    this.#attempt = 0;
    this.#clientId = typeof data.clientId === 'string' ? data.clientId : '';
    if (this.#connectTimer !== null) clearTimeout(this.#connectTimer);
    this.#connectTimer = null;
    this.#setState({ state: 'ready', clientId: this.#clientId });
    for (const channel of this.#joins.keys()) this.#join(channel);
    const queued = this.#queue;
    this.#queue = [];
    for (const o of queued) this.#transmit(o);
    let interval = this.#o.heartbeatIntervalMs;
    const server = data.heartbeatIntervalMs;
    if (this.#o.useServerHeartbeatInterval && typeof server === 'number' && server > 0) {
      interval = Math.max(MIN_SERVER_HEARTBEAT_MS, server);
    }
    this.#startHeartbeat(interval, this.#o.firstPingDelayMs ?? interval);
    const waiters = this.#connectWaiters;
    this.#connectWaiters = [];
    waiters.forEach((w) => w.resolve());
  }

  // ------------------------------------------------------------------ heartbeat

  #startHeartbeat(interval: number, first: number): void {
    this.#stopHeartbeat();
    const tick = (): void => {
      this.#ping();
      this.#pingTimer = setTimeout(tick, interval);
    };
    this.#pingTimer = setTimeout(tick, first);
  }

  #stopHeartbeat(): void {
    if (this.#pingTimer !== null) clearTimeout(this.#pingTimer);
    if (this.#pongTimer !== null) clearTimeout(this.#pongTimer);
    this.#pingTimer = this.#pongTimer = null;
    this.#awaiting = -1;
  }

  #ping(): void {
    if (!this.#ready || this.#awaiting >= 0) return; // at most one ping waits for its pong
    const timestamp = Date.now();
    this.#awaiting = timestamp;
    this.#transmit({ channel: 'global', type: 'ping', data: { timestamp } });
    this.#pongTimer = setTimeout(() => {
      this.#pongTimer = null;
      this.#abandon(HEARTBEAT_TIMEOUT, `no pong within ${this.#o.pongTimeoutMs} ms`);
    }, this.#o.pongTimeoutMs);
  }

  #pong(timestamp: unknown): void {
    if (typeof timestamp !== 'number') return;
    this.metrics.latency(Date.now() - timestamp);
    if (this.#awaiting >= 0 && timestamp >= this.#awaiting) {
      this.#awaiting = -1;
      if (this.#pongTimer !== null) clearTimeout(this.#pongTimer);
      this.#pongTimer = null;
    }
  }

  // ------------------------------------------------------------------ receiving

  #onMessage(raw: unknown): void {
    let msg: unknown;
    try {
      if (typeof raw !== 'string') throw new TypeError('binary frame');
      msg = JSON.parse(raw);
    } catch {
      this.#invalid(String(raw).slice(0, 200), 'not a JSON text frame');
      return;
    }
    if (typeof msg !== 'object' || msg === null || typeof (msg as WireMessage).channel !== 'string'
      || typeof (msg as WireMessage).type !== 'string' || !('data' in msg)) {
      this.#invalid(raw as string, 'not an envelope');
      return;
    }
    const m = msg as WireMessage;
    this.metrics.received();
    this.messageLog.add('RECEIVED', raw as string, m);
    if (m.type === 'reply') {
      this.#onReply(m);
      return;
    }
    if (m.channel !== 'global' && (m.type === 'presence_state' || m.type === 'presence_diff')) {
      this.#onPresence(m, raw as string);
      return;
    }
    const problem = this.#o.guard?.(m) ?? null;
    if (problem !== null) {
      this.#invalid(raw as string, problem);
      return;
    }
    const data = (typeof m.data === 'object' && m.data !== null ? m.data : {}) as Record<string, unknown>;
    if (m.channel === 'global') this.#onGlobal(m, data);
    else if (!this.#admit(m)) return;
    else this.#onChannel(m);
    const meta: MessageMeta = { channel: m.channel };
    if (m.ref !== undefined) meta.ref = m.ref;
    if (m.seq !== undefined) meta.seq = m.seq;
    if (m.epoch !== undefined) meta.epoch = m.epoch;
    this.deliver({ type: m.type, data: m.data }, meta);
  }

  #invalid(raw: string, why: string): void {
    this.metrics.invalidFrame();
    this.#o.logger.warn(`[${this.#o.name}] dropped a frame (${why}): ${raw.slice(0, 200)}`);
  }

  #onReply(m: WireMessage): void {
    const data = (m.data ?? {}) as { status?: unknown; response?: unknown };
    this.#settle(m.ref, (p) => {
      if (data.status === 'ok') {
        p.resolve(data.response ?? null);
      } else {
        const r = (data.response ?? {}) as { error?: unknown; message?: unknown };
        p.reject(new ChannelError(String(r.error ?? 'error'), String(r.message ?? ''), m.channel, m.ref ?? null));
      }
    });
  }

  #onGlobal(m: WireMessage, data: Record<string, unknown>): void {
    switch (m.type) {
      case 'connected':
        this.#becameReady(data);
        break;
      case 'pong':
        this.#pong(data.timestamp);
        break;
      case 'subscription_success': {
        const channel = String(data.channel);
        const join = this.#joins.get(channel);
        if (join !== undefined) {
          if (join.pending) this.#recovered(channel, join, data);
          join.joined = true;
          join.error = null;
          join.waiters.splice(0).forEach((w) => w.resolve());
        }
        this.subscribed(channel, data);
        break;
      }
      case 'subscription_error': {
        const channel = String(data.channel);
        const join = this.#joins.get(channel);
        const e = new ChannelError(String(data.error), String(data.message), channel, m.ref ?? null);
        if (join !== undefined) {
          join.pending = false;
          join.error = e.code;
          join.waiters.splice(0).forEach((w) => w.reject(e));
        }
        this.#o.logger.warn(`[${this.#o.name}] subscription to ${channel} refused: ${e.message}`);
        break;
      }
      case 'error': {
        this.metrics.protocolError();
        const error: ClientError = {
          code: String(data.error), message: String(data.message),
          channel: typeof data.channel === 'string' ? data.channel : null, ref: m.ref ?? null,
        };
        this.#lastErrorCode = error.code;
        this.#o.logger.warn(`[${this.#o.name}] server error ${error.code}: ${error.message}`);
        this.#settle(m.ref, (p) => p.reject(new ChannelError(error.code, error.message, error.channel, error.ref)));
        for (const l of this.#errorListeners) {
          try { l(error); } catch (e) { this.#o.logger.error(`[${this.#o.name}] error listener threw`, e); }
        }
        break;
      }
      default:
        break;
    }
  }

  /** Recovery: the answer to a subscribe moves the position and tells the handles. */
  #recovered(channel: string, join: Join, data: Record<string, unknown>): void {
    join.pending = false;
    const s = this.#recovery.subscribed(channel, join.since ?? null, data);
    if (s.stale) {
      this.#o.logger.warn(`[${this.#o.name}] ${channel}: the events after seq ${join.since?.seq} could`
        + ' not be recovered; its state is stale');
    }
    for (const o of [...(this.#observers.get(channel) ?? [])]) o(s);
  }

  /**
   * Recovery: whether an event reaches the handlers. An event with a position is delivered
   * once; after a gap (or a new epoch) it is dropped and the channel resubscribed with the
   * last position, once (not while a subscribe is pending).
   */
  #admit(m: WireMessage): boolean {
    const at = readPosition(m.seq, m.epoch);
    const join = this.#joins.get(m.channel);
    if (at === null || join === undefined) return true;
    const verdict = this.#recovery.check(m.channel, at);
    if (verdict === 'gap' && !join.pending && this.#ready && this.#joinEvent(m.channel) === null) {
      this.#o.logger.info(`[${this.#o.name}] ${m.channel}: got seq ${at.seq} of ${at.epoch} after`
        + ` ${JSON.stringify(this.#recovery.since(m.channel))}; resubscribing with since`);
      this.#join(m.channel);
    }
    return verdict === 'deliver';
  }

  #observe(channel: string, o: (s: Subscribed) => void, add: boolean): void {
    let set = this.#observers.get(channel);
    if (add) {
      if (set === undefined) this.#observers.set(channel, (set = new Set()));
      set.add(o);
    } else if (set !== undefined) {
      set.delete(o);
      if (set.size === 0) this.#observers.delete(channel);
    }
  }

  /** A channel event: on a `joinWith` family the first one confirms the join. */
  #onChannel(m: WireMessage): void {
    const join = this.#joins.get(m.channel);
    if (join !== undefined && !join.joined && this.#joinEvent(m.channel) !== null) {
      join.joined = true;
      join.waiters.splice(0).forEach((w) => w.resolve());
    }
  }

  /** A presence frame: into the channel's view, never to its handlers (nor the guard). */
  #onPresence(m: WireMessage, raw: string): void {
    if (!this.#handlers.has(m.channel)) return; // late, after the channel was left
    const data = (typeof m.data === 'object' && m.data !== null ? m.data : {}) as Record<string, unknown>;
    const view = this.#presenceOf(m.channel);
    try {
      if (m.type === 'presence_state') view._state(readEntries(data.entries, 'entries'));
      else view._diff({ joins: readEntries(data.joins, 'joins'), leaves: readEntries(data.leaves, 'leaves') });
    } catch (e) {
      this.#invalid(raw, e instanceof Error ? e.message : String(e));
    }
  }

  #presenceOf(channel: string): Presence<PresenceMeta> {
    let view = this.#presences.get(channel);
    if (view === undefined) {
      view = new Presence(channel, {
        update: (c, meta) => this.request(c as never, { type: 'presence_update', data: { meta } } as never),
        logger: this.#o.logger,
        name: this.#o.name,
        handlerError: () => this.metrics.handlerError(),
      });
      this.#presences.set(channel, view);
    }
    return view;
  }

  #settle(ref: string | undefined, fn: (p: Pending) => void): void {
    if (ref === undefined) return;
    const p = this.#pending.get(ref);
    if (p === undefined) return;
    this.#pending.delete(ref);
    clearTimeout(p.timer);
    fn(p);
  }

  // ------------------------------------------------------------------ sending

  #joinEvent(channel: string): EventShape | null {
    const colon = channel.indexOf(':');
    const family = colon < 0 ? channel : channel.slice(0, colon);
    const fn = Object.prototype.hasOwnProperty.call(this.#o.joinWith, family) ? this.#o.joinWith[family] : undefined;
    return fn === undefined ? null : fn(channel);
  }

  #join(channel: string): void {
    const join = this.#joinEvent(channel);
    if (join !== null) {
      this.#transmit({ channel, type: join.type, data: join.data });
      return;
    }
    const state = this.#joins.get(channel);
    if (state !== undefined) {
      state.pending = true;
      state.since = this.#recovery.since(channel);
    }
    this.#transmit({ channel: 'global', type: 'subscribe', data: this.subscribeData(channel), ref: this.#nextRef() });
  }

  #sendOrQueue(o: Outgoing): void {
    if (this.#ready && this.#ws !== null) {
      this.#transmit(o);
      return;
    }
    if (this.#queue.length >= this.#o.sendQueueCapacity) {
      const dropped = this.#queue.shift()!;
      this.metrics.droppedOne();
      this.#o.logger.warn(`[${this.#o.name}] send queue full (${this.#o.sendQueueCapacity}): dropped the oldest`
        + ` message, ${dropped.type} on ${dropped.channel}`);
      this.#settle(dropped.ref, (p) => p.reject(new ChannelError('dropped', 'dropped from the full send queue',
        dropped.channel, dropped.ref ?? null)));
    }
    this.#queue.push(o);
  }

  #transmit(o: Outgoing): void {
    const frame: WireMessage = { channel: o.channel, type: o.type, data: o.data ?? {} };
    if (o.ref !== undefined) frame.ref = o.ref;
    const text = JSON.stringify(frame);
    this.#ws!.send(text);
    this.metrics.sent();
    this.messageLog.add('SENT', text, frame);
    const p = o.ref === undefined ? undefined : this.#pending.get(o.ref);
    if (p !== undefined) p.sent = true;
  }

  #nextRef(): string {
    return String(++this.#refSeq);
  }

  // ------------------------------------------------------------------ state

  #setState(state: ConnectionState): void {
    this.#state = state;
    const s = state;
    for (const l of this.#stateListeners) {
      try { l(s); } catch (e) { this.#o.logger.error(`[${this.#o.name}] state listener threw`, e); }
    }
  }
}

function check(name: string, value: number, min: number): void {
  if (typeof value !== 'number' || !(value >= min)) throw new RangeError(`${name} must be >= ${min}: ${value}`);
}
