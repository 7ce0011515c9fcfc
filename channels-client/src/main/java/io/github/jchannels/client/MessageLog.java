package io.github.jchannels.client;

import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The last frames a {@link ChannelClient} sent and received, oldest first: the data of the
 * seeds' devtools "Messages" tab. Thread-safe; bounded in entries (50 by default) and in bytes
 * of payload (256 KiB by default; a single frame larger than that is kept truncated).
 * Pings and pongs are left out unless {@code messageLogPings(true)}.
 */
public interface MessageLog {

  /** Every entry kept, oldest first. */
  List<Entry> entries();

  /** The entries on channel {@code channel} (its wire name, e.g. {@code session:1}). */
  List<Entry> entries(String channel);

  /** Forgets every entry. */
  void clear();

  /** How many entries are kept at most. */
  int capacity();

  /** How many bytes (UTF-8) of payload are kept at most. */
  long maxBytes();

  /** Which way a frame went. */
  enum Direction {
    /** Client to server. */
    SENT,
    /** Server to client. */
    RECEIVED
  }

  /**
   * One frame.
   *
   * @param direction sent or received
   * @param channel the frame's channel, null when unreadable
   * @param type the frame's type, null when unreadable
   * @param time when it was sent or received (the client's clock)
   * @param payload the frame's text as on the wire
   */
  record Entry(Direction direction, @Nullable String channel, @Nullable String type, Instant time,
      String payload) {}
}
