package io.github.jchannels.server.broker;

import java.util.Objects;

/**
 * One event as a broker delivers it: the encoded payload exactly as the publishing node made it
 * (never re-serialised), with the {@code seq} and {@code epoch} the broker assigned.
 *
 * @param channel the channel name
 * @param seq the event's seq; 0 on a channel without history
 * @param epoch the stream's epoch; empty on a channel without history
 * @param payload the encoded event (a JSON envelope without {@code seq} and {@code epoch})
 */
public record BrokerEvent(String channel, long seq, String epoch, String payload) {
  /** Checks the fields. */
  public BrokerEvent {
    Objects.requireNonNull(channel, "channel");
    Objects.requireNonNull(epoch, "epoch");
    Objects.requireNonNull(payload, "payload");
    if (seq < 0) {
      throw new IllegalArgumentException("seq must be >= 0: " + seq);
    }
  }

  /** This event's position in its stream. */
  public StreamPosition position() {
    return new StreamPosition(epoch, seq);
  }
}
