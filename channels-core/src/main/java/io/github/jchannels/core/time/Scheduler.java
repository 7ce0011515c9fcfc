package io.github.jchannels.core.time;

import java.time.Duration;

/**
 * A clock plus timers: the only way library code reads the time or waits for it.
 *
 * <p>Implementations are thread-safe. A task runs at most once, never before its delay has passed
 * on this scheduler's {@link #nanoTime()}, and must not block: it should hand real work to the
 * thread that owns the state it touches. Tasks of one scheduler may run on any thread; the system
 * scheduler runs them on one timer thread of its own, the {@link FakeScheduler} on the thread
 * that advances time.
 */
public interface Scheduler {
  /**
   * Monotonic nanoseconds, with the meaning of {@link System#nanoTime()}: only differences count.
   */
  long nanoTime();

  /** Wall-clock time in milliseconds since the epoch, as {@link System#currentTimeMillis()}. */
  long currentTimeMillis();

  /**
   * Runs {@code task} once after {@code delay} (zero or negative: as soon as possible).
   * After the scheduler is closed the task is dropped and {@link Cancellable#NONE} returned.
   */
  Cancellable schedule(Duration delay, Runnable task);

  /**
   * A scheduler on the system clocks with one daemon timer thread named {@code threadName}. Its
   * owner closes it; closing cancels every pending task and stops the thread.
   */
  static SystemScheduler system(String threadName) {
    return new SystemScheduler(threadName);
  }
}
