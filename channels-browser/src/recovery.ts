// History and recovery on the client side (PROTOCOL.md section 11), as the Java client does
// it: per channel with handlers the last (epoch, seq) delivered, sent as `since` on every
// subscribe; each (epoch, seq) delivered once; a live gap (or a new epoch) is not delivered
// and makes the client resubscribe with its last position.

/** A position in a channel's stream: its epoch (incarnation) and a seq in it (0 = none yet). */
export interface StreamPosition {
  readonly epoch: string;
  readonly seq: number;
}

/**
 * The server confirmed a channel (`subscription_success`): after the first join, after every
 * rejoin on a new connection, after every resubscribe that fills a gap. Modelled on the
 * `subscribed` event of Centrifugo's SDKs (`wasRecovering`, `recovered`).
 */
export interface Subscribed {
  readonly channel: string;
  /** The channel keeps history, so a later rejoin can recover. */
  readonly recoverable: boolean;
  /** The subscribe carried `since` (false on a first join). */
  readonly wasRecovering: boolean;
  /** Every missed event follows, in order, before any live one. */
  readonly recovered: boolean;
  /**
   * `wasRecovering && !recovered`: events were lost (another epoch, expired or evicted, more
   * than the server's recovery limit); what the application built from the channel is stale.
   */
  readonly stale: boolean;
  /** The stream's top when the server answered; null when the channel is not recoverable. */
  readonly position: StreamPosition | null;
}

/** What to do with an event that carries a position. */
export type Verdict = 'deliver' | 'duplicate' | 'gap';

/** A well-formed position (seq an integer >= `min`, epoch 1-64 characters), else null. */
export function readPosition(seq: unknown, epoch: unknown, min = 1): StreamPosition | null {
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < min) return null;
  if (typeof epoch !== 'string' || epoch.length === 0 || epoch.length > 64) return null;
  return { epoch, seq };
}

/** The positions of the channels with handlers and their latest confirmations. */
export class Recovery {
  #positions = new Map<string, StreamPosition>();
  #latest = new Map<string, Subscribed>();

  /** The `since` of the next subscribe to `channel`; null when nothing was seen. */
  since(channel: string): StreamPosition | null {
    return this.#positions.get(channel) ?? null;
  }

  /** The channel lost its last handler: a later subscribe starts afresh. */
  forget(channel: string): void {
    this.#positions.delete(channel);
    this.#latest.delete(channel);
  }

  /** The channel's latest confirmation, or null. */
  latest(channel: string): Subscribed | null {
    return this.#latest.get(channel) ?? null;
  }

  /** `subscription_success` (its `data`) answering a subscribe that carried `sent`. */
  subscribed(channel: string, sent: StreamPosition | null, data: Record<string, unknown>): Subscribed {
    const recoverable = data.recoverable === true;
    const wasRecovering = sent !== null;
    const recovered = wasRecovering && recoverable && data.recovered === true;
    const top = recoverable ? readPosition(data.seq, data.epoch, 0) : null;
    if (top === null) this.#positions.delete(channel);
    else if (!recovered) this.#positions.set(channel, top); // fresh or lost: start at the top
    // recovered: the position stays; the missed events follow and advance it
    const s: Subscribed = Object.freeze({
      channel, recoverable, wasRecovering, recovered, stale: wasRecovering && !recovered,
      position: top,
    });
    this.#latest.set(channel, s);
    return s;
  }

  /** Checks an event of `channel` at `at`: the next one is delivered and becomes the position. */
  check(channel: string, at: StreamPosition): Verdict {
    const last = this.#positions.get(channel);
    if (last === undefined) {
      this.#positions.set(channel, at);
      return 'deliver';
    }
    if (last.epoch === at.epoch) {
      if (at.seq <= last.seq) return 'duplicate';
      if (at.seq === last.seq + 1) {
        this.#positions.set(channel, at);
        return 'deliver';
      }
    }
    return 'gap';
  }
}
