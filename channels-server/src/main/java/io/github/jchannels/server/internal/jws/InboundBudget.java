package io.github.jchannels.server.internal.jws;

import io.github.jchannels.core.time.Scheduler;
import io.github.jchannels.server.ServerLimits;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What every connection's {@link LimitedDraft} of one server shares: the limits, the scheduler
 * (message deadlines) and the server-wide count of bytes held for frames and fragmented
 * messages being received ({@link ServerLimits#maxInboundBytesInProgress()}). Thread-safe.
 */
final class InboundBudget {
  /** A frame longer than this is "large": refused with 1013 while the budget is used up. */
  static final int LARGE_FRAME = 16 * 1024;

  final ServerLimits limits;
  final Scheduler scheduler;
  private final AtomicLong held = new AtomicLong();

  InboundBudget(ServerLimits limits, Scheduler scheduler) {
    this.limits = limits;
    this.scheduler = scheduler;
  }

  /** Bytes held now, server-wide. */
  long held() {
    return held.get();
  }

  void add(long bytes) {
    held.addAndGet(bytes);
  }

  /** Whether a new frame announcing {@code payload} bytes must be refused (1013). */
  boolean refuses(long payload) {
    return payload > LARGE_FRAME && held.get() + payload > limits.maxInboundBytesInProgress();
  }
}
