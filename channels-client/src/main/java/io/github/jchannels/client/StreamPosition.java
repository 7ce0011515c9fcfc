package io.github.jchannels.client;

import java.util.Objects;

/**
 * A position in a channel's stream (PROTOCOL.md section 11): the stream's {@code epoch} (its
 * incarnation, an opaque string) and a {@code seq} within it (0 before the first event).
 *
 * @param epoch the epoch, 1-64 characters
 * @param seq the seq, 0 or more
 */
public record StreamPosition(String epoch, long seq) {
  /** Checks both parts. */
  public StreamPosition {
    Objects.requireNonNull(epoch, "epoch");
    if (epoch.isEmpty() || epoch.length() > 64) {
      throw new IllegalArgumentException("epoch must be 1-64 characters");
    }
    if (seq < 0) {
      throw new IllegalArgumentException("seq must be >= 0: " + seq);
    }
  }
}
