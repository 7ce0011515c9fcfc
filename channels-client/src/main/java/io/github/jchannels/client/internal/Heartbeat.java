package io.github.jchannels.client.internal;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import org.jspecify.annotations.Nullable;

/**
 * The application-level heartbeat of one ready connection: a {@code ping} every interval, and
 * {@code onTimeout} when its {@code pong} does not come within the pong timeout. At most one
 * ping waits for its pong. Confined to the client's loop.
 */
final class Heartbeat {
  private final ScheduledExecutorService loop;
  private final Clock clock;
  private final Duration pongTimeout;
  private final Metrics metrics;
  /** Sends a ping carrying this timestamp. */
  private final LongConsumer sendPing;
  /** Called on the loop when a pong is late. */
  private final Runnable onTimeout;
  private @Nullable ScheduledFuture<?> pingTask;
  private @Nullable ScheduledFuture<?> timeoutTask;
  /** Timestamp of the ping awaiting its pong; -1 when none. */
  private long awaiting = -1;
  /** Bumped by {@link #stop()}, so that a task of an earlier connection does nothing. */
  private long generation;

  Heartbeat(ScheduledExecutorService loop, Clock clock, Duration pongTimeout, Metrics metrics,
      LongConsumer sendPing, Runnable onTimeout) {
    this.loop = loop;
    this.clock = clock;
    this.pongTimeout = pongTimeout;
    this.metrics = metrics;
    this.sendPing = sendPing;
    this.onTimeout = onTimeout;
  }

  /** Starts pinging every {@code interval}, the first ping one interval from now. */
  void start(Duration interval) {
    stop();
    long gen = generation;
    long ms = interval.toMillis();
    pingTask = loop.scheduleAtFixedRate(() -> ping(gen), ms, ms, TimeUnit.MILLISECONDS);
  }

  /** Stops pinging and forgets the ping in flight. */
  void stop() {
    generation++;
    awaiting = -1;
    if (pingTask != null) {
      pingTask.cancel(false);
      pingTask = null;
    }
    if (timeoutTask != null) {
      timeoutTask.cancel(false);
      timeoutTask = null;
    }
  }

  /** A {@code pong}: records the latency; the ping in flight is answered. */
  void pong(long timestamp) {
    metrics.latency(clock.millis() - timestamp);
    if (awaiting >= 0 && timestamp >= awaiting) {
      awaiting = -1;
      if (timeoutTask != null) {
        timeoutTask.cancel(false);
        timeoutTask = null;
      }
    }
  }

  private void ping(long gen) {
    if (gen != generation || awaiting >= 0) {
      return;
    }
    long ts = clock.millis();
    awaiting = ts;
    sendPing.accept(ts);
    timeoutTask = loop.schedule(() -> {
      if (gen == generation && awaiting == ts) {
        onTimeout.run();
      }
    }, pongTimeout.toMillis(), TimeUnit.MILLISECONDS);
  }
}
