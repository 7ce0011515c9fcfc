package io.github.jchannels.client.internal;

import io.github.jchannels.core.time.Cancellable;
import io.github.jchannels.core.time.Scheduler;
import java.time.Duration;

/** Timers whose tasks run on the loop: the scheduler only wakes the loop up. Thread-safe. */
final class Timers {
  private final Scheduler scheduler;
  private final Loop loop;

  Timers(Scheduler scheduler, Loop loop) {
    this.scheduler = scheduler;
    this.loop = loop;
  }

  /** Runs {@code onLoop} on the loop after {@code delay}. */
  Cancellable after(Duration delay, Runnable onLoop) {
    return scheduler.schedule(delay, () -> loop.post(onLoop));
  }

  Scheduler scheduler() {
    return scheduler;
  }
}
