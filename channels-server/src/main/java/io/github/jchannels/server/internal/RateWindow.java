package io.github.jchannels.server.internal;

import io.github.jchannels.server.ServerLimits;

/**
 * The inbound rate limit of one connection (PROTOCOL.md section 7): a fixed window of
 * {@link ServerLimits#inboundWindow()} admitting {@link ServerLimits#maxInboundMessages()}
 * messages; the first one over gets {@code rate_limited}, later ones are dropped, and
 * {@link ServerLimits#maxRateLimitedMessages()} dropped in one window close the connection.
 * Time is passed in (the server's scheduler). Thread-safe.
 */
final class RateWindow {
  /** What to do with an inbound message. */
  enum Admission {
    /** Within the limit. */
    ACCEPT,
    /** The first one over the limit in this window: answer {@code rate_limited}, drop it. */
    NOTIFY,
    /** Over the limit, already notified: drop it silently. */
    DROP,
    /** Too many dropped: close 1008 ({@code rate_limited} was sent in this window). */
    CLOSE,
    /** Too many dropped and no notice sent yet (a limit of 1): notify, then close 1008. */
    NOTIFY_AND_CLOSE
  }

  private final int maxMessages;
  private final long windowNanos;
  private final int maxDropped;
  /** Guarded by this. */
  private long windowStart;
  private int count;
  private int dropped;

  RateWindow(ServerLimits limits, long nowNanos) {
    this.maxMessages = limits.maxInboundMessages();
    this.windowNanos = limits.inboundWindow().toNanos();
    this.maxDropped = limits.maxRateLimitedMessages();
    this.windowStart = nowNanos;
  }

  /** Counts one inbound message at {@code nowNanos}. */
  synchronized Admission admit(long nowNanos) {
    if (nowNanos - windowStart >= windowNanos) {
      windowStart = nowNanos;
      count = 0;
      dropped = 0;
    }
    if (++count <= maxMessages) {
      return Admission.ACCEPT;
    }
    dropped++;
    if (dropped >= maxDropped) {
      return dropped == 1 ? Admission.NOTIFY_AND_CLOSE : Admission.CLOSE;
    }
    return dropped == 1 ? Admission.NOTIFY : Admission.DROP;
  }
}
