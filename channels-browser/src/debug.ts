// Metrics and the message log: the Java client's ClientMetrics and MessageLog.

/** Counters at one moment (Java's `ClientMetrics.Snapshot`, plus `protocolErrors`). */
export interface MetricsSnapshot {
  messagesSent: number;
  messagesReceived: number;
  /** Reconnection attempts started, manual ones included. */
  reconnections: number;
  /** Messages dropped from the full send queue (oldest first). */
  dropped: number;
  /** Frames that were not JSON envelopes, or that failed the `guard`. */
  invalidFrames: number;
  /** Handler calls that threw. */
  handlerErrors: number;
  /** `global` `error` events received. */
  protocolErrors: number;
  /** Average of the latency window in ms; 0 before the first pong. */
  averageLatencyMillis: number;
  latencySamples: number;
  /** The window: the last 100 ping round trips, oldest first. */
  latenciesMillis: number[];
}

/** The client's counters; `window.__WS_METRICS__` in the seed's terms. */
export class ClientMetrics {
  static readonly LATENCY_WINDOW = 100;
  #sent = 0;
  #received = 0;
  #reconnections = 0;
  #dropped = 0;
  #invalid = 0;
  #handlerErrors = 0;
  #protocolErrors = 0;
  #latencies: number[] = [];

  /** @internal */ sent(): void { this.#sent++; }
  /** @internal */ received(): void { this.#received++; }
  /** @internal */ reconnection(): void { this.#reconnections++; }
  /** @internal */ droppedOne(): void { this.#dropped++; }
  /** @internal */ invalidFrame(): void { this.#invalid++; }
  /** @internal */ handlerError(): void { this.#handlerErrors++; }
  /** @internal */ protocolError(): void { this.#protocolErrors++; }

  /** @internal */
  latency(ms: number): void {
    this.#latencies.push(Math.max(0, ms));
    if (this.#latencies.length > ClientMetrics.LATENCY_WINDOW) this.#latencies.shift();
  }

  /** The counters now. */
  snapshot(): MetricsSnapshot {
    const n = this.#latencies.length;
    return {
      messagesSent: this.#sent,
      messagesReceived: this.#received,
      reconnections: this.#reconnections,
      dropped: this.#dropped,
      invalidFrames: this.#invalid,
      handlerErrors: this.#handlerErrors,
      protocolErrors: this.#protocolErrors,
      averageLatencyMillis: n === 0 ? 0 : this.#latencies.reduce((a, b) => a + b, 0) / n,
      latencySamples: n,
      latenciesMillis: [...this.#latencies],
    };
  }

  /** Sets every counter to zero and empties the latency window. */
  reset(): void {
    this.#sent = this.#received = this.#reconnections = this.#dropped = 0;
    this.#invalid = this.#handlerErrors = this.#protocolErrors = 0;
    this.#latencies = [];
  }
}

/** Which way a logged frame went. */
export type Direction = 'SENT' | 'RECEIVED';

/** One logged frame (Java's `MessageLog.Entry`; `time` in epoch ms). */
export interface LogEntry {
  /** Increases by one per frame logged. */
  id: number;
  direction: Direction;
  channel: string | null;
  type: string | null;
  ref: string | null;
  time: number;
  /** The frame's text as on the wire. */
  payload: string;
}

/** The last `capacity` frames in both directions (50 by default). */
export class MessageLog {
  readonly capacity: number;
  #entries: LogEntry[] = [];
  #seq = 0;
  #listeners = new Set<() => void>();

  constructor(capacity = 50) {
    if (!(capacity >= 0)) throw new RangeError(`messageLogCapacity must be >= 0: ${capacity}`);
    this.capacity = capacity;
  }

  /** @internal */
  add(direction: Direction, payload: string, frame: { channel?: unknown; type?: unknown; ref?: unknown } | null): void {
    if (this.capacity === 0) return;
    this.#entries.push({
      id: ++this.#seq,
      direction,
      channel: typeof frame?.channel === 'string' ? frame.channel : null,
      type: typeof frame?.type === 'string' ? frame.type : null,
      ref: typeof frame?.ref === 'string' ? frame.ref : null,
      time: Date.now(),
      payload,
    });
    if (this.#entries.length > this.capacity) this.#entries.shift();
    this.#changed();
  }

  /** Entries oldest first; only those of `channel` when given. */
  entries(channel?: string): LogEntry[] {
    return channel === undefined ? [...this.#entries] : this.#entries.filter((e) => e.channel === channel);
  }

  /** Forgets every entry. */
  clear(): void {
    this.#entries = [];
    this.#changed();
  }

  /** Calls `listener` after every change; returns the function that removes it. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => { this.#listeners.delete(listener); };
  }

  #changed(): void {
    for (const l of this.#listeners) {
      try { l(); } catch { /* a listener's failure is its own */ }
    }
  }
}
