package io.github.jchannels.client.internal;

import io.github.jchannels.core.time.Cancellable;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

/**
 * The application-level heartbeat of one ready connection: a {@code ping} every interval, and
 * {@code onTimeout} when its {@code pong} does not come within the pong timeout. At most one
 * ping waits for its pong. While reading is paused (the handler queue is full) a late pong is
 * not held against the server: the timeout is re-armed instead. Confined to the loop.
 */
final class Heartbeat {
  private final Timers timers;
  private final Duration interval;
  private final Duration pongTimeout;
  private final Metrics metrics;
  private final LongConsumer sendPing;
  private final Runnable onTimeout;
  private final BooleanSupplier readingPaused;
  private final LongSupplier clock;
  private Cancellable pingTask = Cancellable.NONE;
  private Cancellable timeoutTask = Cancellable.NONE;
  /** Timestamp of the ping awaiting its pong; -1 when none. */
  private long awaiting = -1;
  private boolean stopped;

  Heartbeat(Timers timers, Duration interval, Duration pongTimeout, Metrics metrics,
      LongSupplier clock, LongConsumer sendPing, Runnable onTimeout,
      BooleanSupplier readingPaused) {
    this.timers = timers;
    this.interval = interval;
    this.pongTimeout = pongTimeout;
    this.metrics = metrics;
    this.clock = clock;
    this.sendPing = sendPing;
    this.onTimeout = onTimeout;
    this.readingPaused = readingPaused;
  }

  /** Starts pinging, the first ping one interval from now. */
  void start() {
    pingTask = timers.after(interval, this::tick);
  }

  void stop() {
    stopped = true;
    pingTask.cancel();
    timeoutTask.cancel();
  }

  /** A {@code pong}: records the latency; the ping in flight is answered. */
  void pong(long timestamp) {
    metrics.latency(clock.getAsLong() - timestamp);
    if (awaiting >= 0 && timestamp >= awaiting) {
      awaiting = -1;
      timeoutTask.cancel();
    }
  }

  private void tick() {
    if (stopped) {
      return;
    }
    pingTask = timers.after(interval, this::tick);
    if (awaiting >= 0) {
      return;
    }
    long ts = clock.getAsLong();
    awaiting = ts;
    timeoutTask = timers.after(pongTimeout, () -> late(ts)); // armed before the ping goes
    sendPing.accept(ts);
  }

  private void late(long ts) {
    if (stopped || awaiting != ts) {
      return;
    }
    if (readingPaused.getAsBoolean()) {
      timeoutTask = timers.after(pongTimeout, () -> late(ts)); // the pong may be unread
      return;
    }
    onTimeout.run();
  }
}
