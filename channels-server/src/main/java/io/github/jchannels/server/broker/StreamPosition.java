package io.github.jchannels.server.broker;

import java.util.Objects;

/**
 * A position in a channel's stream: the stream's incarnation ({@code epoch}) and a {@code seq} in
 * it (PROTOCOL.md section 11). The top of a stream is the {@code seq} of its latest event, 0 if
 * none.
 *
 * @param epoch opaque, 1-64 characters, or empty for {@link #NONE}
 * @param seq 0 or more
 */
public record StreamPosition(String epoch, long seq) {
  /** The position of an event on a channel without history: no epoch, seq 0. */
  public static final StreamPosition NONE = new StreamPosition("", 0);

  /** Longest epoch allowed (PROTOCOL.md section 11). */
  public static final int MAX_EPOCH_LENGTH = 64;

  /**
   * Checks the fields.
   *
   * @throws IllegalArgumentException if {@code seq} is negative or {@code epoch} is longer than
   *     {@value #MAX_EPOCH_LENGTH} characters
   */
  public StreamPosition {
    Objects.requireNonNull(epoch, "epoch");
    if (seq < 0) {
      throw new IllegalArgumentException("seq must be >= 0: " + seq);
    }
    if (epoch.length() > MAX_EPOCH_LENGTH) {
      throw new IllegalArgumentException(
          "epoch must be at most " + MAX_EPOCH_LENGTH + " characters: " + epoch.length());
    }
  }

  /** A position in {@code epoch} at {@code seq}. */
  public static StreamPosition of(String epoch, long seq) {
    return new StreamPosition(epoch, seq);
  }
}
