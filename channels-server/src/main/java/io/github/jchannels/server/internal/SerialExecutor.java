package io.github.jchannels.server.internal;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the tasks of one connection one at a time, in submission order, on a shared executor
 * (virtual threads): a blocked task delays only its own connection. Bounded: {@link #submit}
 * refuses tasks beyond {@code maxPending} tasks or {@code maxPendingBytes} bytes;
 * {@link #submitAlways} is for lifecycle tasks that must run (open, close).
 */
final class SerialExecutor {
  private static final Logger log = LoggerFactory.getLogger(SerialExecutor.class);
  /** Set while a task of some SerialExecutor runs on the current thread. */
  private static final ThreadLocal<Boolean> IN_TASK = new ThreadLocal<>();

  private final Executor executor;
  private final int maxPending;
  private final long maxPendingBytes;
  /** Guarded by this. */
  private final Queue<Runnable> tasks = new ArrayDeque<>(2);
  /** Guarded by this: the weights of the waiting tasks, in the order of {@link #tasks}. */
  private final Queue<Long> weights = new ArrayDeque<>(2);
  /** Guarded by this: the sum of {@link #weights}. */
  private long pendingBytes;
  /** Guarded by this; true while a drain is scheduled or running. */
  private boolean running;

  SerialExecutor(Executor executor, int maxPending, long maxPendingBytes) {
    this.executor = executor;
    this.maxPending = maxPending;
    this.maxPendingBytes = maxPendingBytes;
  }

  /** Whether the current thread is running a connection task (a handler, listener...). */
  static boolean inTask() {
    return IN_TASK.get() != null;
  }

  /**
   * Queues {@code task} of {@code bytes}; false if {@code maxPending} tasks, or more than
   * {@code maxPendingBytes} bytes with this one, are already waiting.
   */
  boolean submit(Runnable task, long bytes) {
    return enqueue(task, bytes, false);
  }

  /** Queues {@code task} whatever the queue length. */
  void submitAlways(Runnable task) {
    enqueue(task, 0, true);
  }

  private boolean enqueue(Runnable task, long bytes, boolean always) {
    synchronized (this) {
      if (!always && (tasks.size() >= maxPending || pendingBytes + bytes > maxPendingBytes)) {
        return false;
      }
      tasks.add(task);
      weights.add(bytes);
      pendingBytes += bytes;
      if (running) {
        return true;
      }
      running = true;
    }
    try {
      executor.execute(this::drain);
    } catch (RejectedExecutionException e) {
      synchronized (this) {
        running = false;
        tasks.clear();
        weights.clear();
        pendingBytes = 0;
      }
      log.debug("Executor shut down; dropping connection tasks");
    }
    return true;
  }

  /** How many tasks wait. */
  synchronized int pending() {
    return tasks.size();
  }

  /** The bytes of the waiting tasks. */
  synchronized long pendingBytes() {
    return pendingBytes;
  }

  private void drain() {
    IN_TASK.set(Boolean.TRUE);
    try {
      while (true) {
        Runnable next;
        synchronized (this) {
          next = tasks.poll();
          if (next == null) {
            running = false;
            return;
          }
          Long w = weights.poll();
          pendingBytes -= w == null ? 0 : w;
        }
        try {
          next.run();
        } catch (RuntimeException | Error e) {
          log.error("Connection task failed", e);
        }
      }
    } finally {
      IN_TASK.remove();
    }
  }
}
