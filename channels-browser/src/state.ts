// Connection states, with the names and meaning of the Java client's ConnectionState.
//
//   idle --connect()--> connecting --socket open--> open --"connected"--> ready
//                           ^   |                     |                    |
//                           |   +-------- lost -------+-------- lost ------+
//                           |                         v
//                           +--- delay elapsed --- reconnecting (n of max)
//                                                     | attempts exhausted
//                                                     v
//   any --close()/1000/1008/1003/1009/gave up--> closed (reason)
//   closed --reconnect() or connect()--> connecting (attempt count reset)

/** State names as constants: `ConnectionStates.READY` is `'ready'`. */
export const ConnectionStates = {
  IDLE: 'idle',
  CONNECTING: 'connecting',
  OPEN: 'open',
  READY: 'ready',
  RECONNECTING: 'reconnecting',
  CLOSED: 'closed',
} as const;

/** Why a client stopped trying (Java's `ConnectionState.CloseReason`). */
export const CloseReasons = {
  /** `close()` was called, or the server closed with 1000. */
  NORMAL: 'NORMAL',
  /** The server closed with 1008 (policy violation): bad or missing credentials. */
  UNAUTHORIZED: 'UNAUTHORIZED',
  /** The server closed with 1008 after reporting `rate_limited`. */
  RATE_LIMITED: 'RATE_LIMITED',
  /** The server closed with 1003 (binary frame) or 1009 (frame too big): a client bug. */
  REJECTED: 'REJECTED',
  /** The maximum number of reconnection attempts failed. */
  GAVE_UP: 'GAVE_UP',
} as const;

export type CloseReason = (typeof CloseReasons)[keyof typeof CloseReasons];

/** `maxAttempts` when reconnection attempts are unlimited. */
export const UNLIMITED = -1;

/** Close code used when the pong did not come in time. */
export const HEARTBEAT_TIMEOUT = 4000;

/** Close code used when the socket did not open and get `connected` in time. */
export const CONNECT_TIMEOUT = 4001;

/** Where the connection stands: what a status banner shows. Switch over `state`. */
export type ConnectionState =
  /** Built; `connect()` not called yet. */
  | { state: 'idle' }
  /** Opening a socket; `attempt` is 0 for a first or manual connection, else 1-based. */
  | { state: 'connecting'; attempt: number; maxAttempts: number }
  /** The socket is open; waiting for `connected`. Sends are queued. */
  | { state: 'open' }
  /** `connected` received: subscriptions re-made, queue flushed. */
  | { state: 'ready'; clientId: string }
  /**
   * The connection was lost; attempt `attempt` of `maxAttempts` starts after `delayMs`
   * (at `retryAt`, epoch ms). `code` is the close code that ended the previous connection.
   */
  | {
    state: 'reconnecting';
    attempt: number;
    maxAttempts: number;
    delayMs: number;
    retryAt: number;
    code: number;
    detail: string;
  }
  /** Stopped until `reconnect()` or `connect()`. `code` is the close code seen, or -1. */
  | { state: 'closed'; reason: CloseReason; code: number; detail: string | null };

/**
 * The delay before reconnection attempt `attempt` (1-based): `initialMs` doubling per attempt,
 * capped at `maxMs`, spread by ± `jitter` of the delay (`random` yields [0, 1)). The Java
 * client's `Backoff`, to the millisecond.
 */
export function reconnectDelay(attempt: number, initialMs = 1000, maxMs = 30000, jitter = 0,
  random: () => number = Math.random): number {
  if (!(attempt >= 1)) throw new RangeError(`attempt must be >= 1: ${attempt}`);
  let ms = initialMs;
  for (let i = 1; i < attempt && ms < maxMs; i++) ms *= 2;
  ms = Math.min(ms, maxMs);
  if (jitter > 0) {
    const factor = 1 + jitter * (2 * random() - 1);
    ms = Math.min(maxMs, Math.max(0, Math.round(ms * factor)));
  }
  return ms;
}
