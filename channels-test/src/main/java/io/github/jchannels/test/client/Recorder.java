package io.github.jchannels.test.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * Records what a callback receives, for timed takes, in the manner of OkHttp's
 * {@code WebSocketRecorder}: every value goes into a queue; {@link #take(Duration)} polls with a
 * timeout and fails when nothing comes; {@link #assertExhausted()} in teardown proves nothing
 * unexpected arrived. Thread-safe.
 *
 * @param <T> what is recorded
 */
public class Recorder<T> implements Consumer<T> {
  private final String what;
  private final BlockingQueue<T> queue = new LinkedBlockingQueue<>();
  private final List<T> all = new CopyOnWriteArrayList<>();

  /** A recorder whose failures name {@code what} it records. */
  public Recorder(String what) {
    this.what = what;
  }

  @Override
  public void accept(T value) {
    queue.add(value);
    all.add(value);
  }

  /** The next value, waiting up to {@code timeout}. */
  public T take(Duration timeout) throws InterruptedException {
    T v = queue.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
    if (v == null) {
      throw new AssertionError("no " + what + " within " + timeout);
    }
    return v;
  }

  /** The next value matching {@code p}, skipping (and dropping) others, within {@code timeout}. */
  public T take(Predicate<? super T> p, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<T> skipped = new ArrayList<>();
    while (true) {
      long left = deadline - System.nanoTime();
      T v = left <= 0 ? null : queue.poll(left, TimeUnit.NANOSECONDS);
      if (v == null) {
        throw new AssertionError("no matching " + what + " within " + timeout + "; saw "
            + skipped);
      }
      if (p.test(v)) {
        return v;
      }
      skipped.add(v);
    }
  }

  /** The next value if one is there now, else null. */
  public @Nullable T poll() {
    return queue.poll();
  }

  /** Fails if any value was recorded and not taken. */
  public void assertExhausted() {
    if (!queue.isEmpty()) {
      throw new AssertionError("unexpected " + what + ": " + List.copyOf(queue));
    }
  }

  /** Every value recorded so far, taken or not, oldest first. */
  public List<T> all() {
    return List.copyOf(all);
  }
}
