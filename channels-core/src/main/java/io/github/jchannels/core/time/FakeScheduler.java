package io.github.jchannels.core.time;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.PriorityQueue;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Scheduler} whose time moves only when a test says so, like Micrometer's
 * {@code MockClock} with timers. It ships in core, as {@code MockClock} ships in Micrometer's
 * core, so that every module's tests and users' own tests can drive protocol timers without
 * waiting.
 *
 * <p>{@link #advance(Duration)} moves the clock forward and runs every task that falls due on the
 * way, in order of due time (then of scheduling), on the calling thread, with the clock set to
 * each task's due time while it runs. Tasks scheduled by a running task are run too if they fall
 * due within the same advance. A task that throws stops the advance and the exception propagates
 * to the caller (time stays at that task's due time), so a failing timer fails the test.
 *
 * <p>Thread-safe: the system under test may schedule from its own threads while a test advances.
 * {@link #awaitPending(int, Duration)} lets a test wait (on real time, as a condition, never as a
 * sleep) until such a thread has armed its timers.
 */
public final class FakeScheduler implements Scheduler {
  /** The wall-clock time a new fake scheduler starts at: 2023-11-14T22:13:20Z. */
  public static final Instant DEFAULT_START = Instant.ofEpochMilli(1_700_000_000_000L);

  private final long wallStartMillis;
  private final PriorityQueue<Task> queue = new PriorityQueue<>();
  /** Guarded by this. */
  private long nanos;
  /** Guarded by this. */
  private long sequence;

  /** A fake scheduler at {@link #DEFAULT_START}, monotonic time 0. */
  public FakeScheduler() {
    this(DEFAULT_START);
  }

  /** A fake scheduler whose wall clock starts at {@code wallStart}, monotonic time 0. */
  public FakeScheduler(Instant wallStart) {
    this.wallStartMillis = wallStart.toEpochMilli();
  }

  @Override
  public synchronized long nanoTime() {
    return nanos;
  }

  @Override
  public synchronized long currentTimeMillis() {
    return wallStartMillis + Math.floorDiv(nanos, 1_000_000L);
  }

  /** The time elapsed since this scheduler was created. */
  public synchronized Duration elapsed() {
    return Duration.ofNanos(nanos);
  }

  @Override
  public synchronized Cancellable schedule(Duration delay, Runnable task) {
    Task t = new Task(nanos + Math.max(0, delay.toNanos()), sequence++, task);
    queue.add(t);
    notifyAll();
    return () -> {
      synchronized (FakeScheduler.this) {
        boolean removed = queue.remove(t);
        if (removed) {
          notifyAll();
        }
        return removed;
      }
    };
  }

  /**
   * Moves time forward by {@code amount}, running every task due on the way (see the class doc).
   *
   * @throws IllegalArgumentException if {@code amount} is negative
   */
  public void advance(Duration amount) {
    if (amount.isNegative()) {
      throw new IllegalArgumentException("Cannot move time backwards: " + amount);
    }
    long target;
    synchronized (this) {
      target = nanos + amount.toNanos();
    }
    while (true) {
      Task next;
      synchronized (this) {
        Task head = queue.peek();
        if (head == null || head.dueNanos > target) {
          nanos = Math.max(nanos, target);
          return;
        }
        next = queue.poll();
        nanos = Math.max(nanos, head.dueNanos);
      }
      next.action.run();
    }
  }

  /** Runs the tasks that are due now (delay zero), without moving time. */
  public void runDue() {
    advance(Duration.ZERO);
  }

  /** How many tasks are scheduled and not yet run or cancelled. */
  public synchronized int pending() {
    return queue.size();
  }

  /** The delay from now until the next pending task, if there is one. */
  public synchronized Optional<Duration> nextDelay() {
    Task head = queue.peek();
    return head == null ? Optional.empty() : Optional.of(Duration.ofNanos(head.dueNanos - nanos));
  }

  /** The delays from now of every pending task, soonest first. */
  public synchronized List<Duration> pendingDelays() {
    List<Task> tasks = new ArrayList<>(queue);
    tasks.sort(null);
    List<Duration> delays = new ArrayList<>(tasks.size());
    for (Task t : tasks) {
      delays.add(Duration.ofNanos(t.dueNanos - nanos));
    }
    return delays;
  }

  /**
   * Waits, on real time, until at least {@code count} tasks are pending: for a test whose system
   * under test arms its timers on threads of its own. This is a condition wait, not a sleep.
   *
   * @throws AssertionError if that many tasks are not pending within {@code realTimeout}
   */
  public synchronized void awaitPending(int count, Duration realTimeout) {
    long deadline = System.nanoTime() + realTimeout.toNanos();
    while (queue.size() < count) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError("expected at least " + count + " pending tasks within "
            + realTimeout + ", have " + queue.size());
      }
      try {
        long ms = Math.max(1, left / 1_000_000L);
        wait(ms);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting for pending tasks", e);
      }
    }
  }

  private static final class Task implements Comparable<Task> {
    final long dueNanos;
    final long seq;
    final Runnable action;

    Task(long dueNanos, long seq, Runnable action) {
      this.dueNanos = dueNanos;
      this.seq = seq;
      this.action = action;
    }

    @Override
    public int compareTo(Task o) {
      int c = Long.compare(dueNanos, o.dueNanos);
      return c != 0 ? c : Long.compare(seq, o.seq);
    }

    @Override
    public boolean equals(@Nullable Object o) {
      return this == o;
    }

    @Override
    public int hashCode() {
      return Long.hashCode(seq);
    }
  }
}
