package io.github.jchannels.core.time;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The production {@link Scheduler}: {@link System#nanoTime()}, {@link System#currentTimeMillis()}
 * and one daemon timer thread. A task that throws is logged and does not stop the thread.
 * {@link #close()} cancels pending tasks and waits (at most 5 s) for the thread to end.
 */
public final class SystemScheduler implements Scheduler, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SystemScheduler.class);

  /** How long close() waits for the timer thread to end. */
  private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);

  private final ScheduledThreadPoolExecutor executor;
  /** The timer threads started (one, unless the pool had to replace it), joined by close(). */
  private final List<Thread> threads = new CopyOnWriteArrayList<>();

  SystemScheduler(String threadName) {
    executor = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, threadName);
      t.setDaemon(true);
      threads.removeIf(old -> !old.isAlive());
      threads.add(t);
      return t;
    });
    executor.setRemoveOnCancelPolicy(true);
    executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
  }

  @Override
  public long nanoTime() {
    return System.nanoTime();
  }

  @Override
  public long currentTimeMillis() {
    return System.currentTimeMillis();
  }

  @Override
  public Cancellable schedule(Duration delay, Runnable task) {
    Runnable guarded = () -> {
      try {
        task.run();
      } catch (RuntimeException | Error e) {
        log.warn("scheduled task failed", e);
      }
    };
    try {
      ScheduledFuture<?> f = executor.schedule(guarded, Math.max(0, delay.toNanos()),
          TimeUnit.NANOSECONDS);
      return () -> f.cancel(false);
    } catch (RejectedExecutionException closed) {
      return Cancellable.NONE;
    }
  }

  /** Whether {@link #close()} was called. */
  public boolean isClosed() {
    return executor.isShutdown();
  }

  @Override
  public void close() {
    executor.shutdownNow();
    if (threads.contains(Thread.currentThread())) {
      return; // closed by one of its own tasks: that thread ends when the task returns
    }
    try {
      // the pool reports termination before its thread has left its run method: join it too,
      // so that no thread of this scheduler is alive once close() returns (within the bound)
      long deadline = System.nanoTime() + CLOSE_WAIT.toNanos();
      executor.awaitTermination(CLOSE_WAIT.toNanos(), TimeUnit.NANOSECONDS);
      for (Thread t : threads) {
        t.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
