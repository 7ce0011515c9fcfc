package io.github.jchannels.client;

import io.github.jchannels.core.Channel;
import org.jspecify.annotations.Nullable;

/**
 * The server confirmed a channel ({@code subscription_success}): after the first join, after
 * every rejoin on a new connection, and after every resubscribe that fills a gap. Modelled on
 * the {@code subscribed} event of Centrifugo's client SDKs.
 *
 * <p>On a channel whose family keeps history (PROTOCOL.md section 11) the client remembers the
 * last {@code (epoch, seq)} it delivered and rejoins with it ({@code since}). Then either
 * {@link #recovered()} is true and every event missed meanwhile follows, in order, before any
 * live one, each delivered once; or it is false, none of the missed events come, and the
 * application must treat what it built from the channel as stale ({@link #stale()}; reload it
 * from its source of truth). Recovery is never partial.
 *
 * @param channel the channel
 * @param recoverable whether the channel keeps history, so that a later rejoin can recover
 * @param wasRecovering whether the client asked to recover ({@code since} was sent): false on
 *     a first join, true on a rejoin of a recoverable channel after events or a position were
 *     seen
 * @param recovered whether every missed event follows; false when not recovering
 * @param position the stream's top when the server answered (the epoch and the seq of the
 *     channel's latest event, 0 if none); null when the channel is not recoverable
 */
public record Subscribed(Channel<?> channel, boolean recoverable, boolean wasRecovering,
    boolean recovered, @Nullable StreamPosition position) {

  /**
   * True when the client asked to recover and the server could not send every missed event
   * (another epoch, events expired or evicted, more missed than the server's recovery limit):
   * events were lost, and the application's state of the channel is stale.
   */
  public boolean stale() {
    return wasRecovering && !recovered;
  }
}
