package io.github.jchannels.client;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;

/** Records state changes with the time they were seen ({@code System.nanoTime}). */
final class StateRecorder implements Consumer<ConnectionState> {
  record Seen(ConnectionState state, long nanos) {}

  final BlockingQueue<Seen> queue = new LinkedBlockingQueue<>();
  final List<Seen> all = new java.util.concurrent.CopyOnWriteArrayList<>();

  @Override
  public void accept(ConnectionState s) {
    Seen seen = new Seen(s, System.nanoTime());
    queue.add(seen);
    all.add(seen);
  }

  /** Polls until a state matches (within {@code seconds}), skipping others; fails otherwise. */
  Seen await(Predicate<ConnectionState> p, int seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    List<ConnectionState> skipped = new ArrayList<>();
    while (System.nanoTime() < deadline) {
      Seen s = queue.poll(20, TimeUnit.MILLISECONDS);
      if (s == null) {
        continue;
      }
      if (p.test(s.state())) {
        return s;
      }
      skipped.add(s.state());
    }
    throw new AssertionError("no matching state within " + seconds + " s; saw " + skipped);
  }

  Seen awaitReady() throws InterruptedException {
    return await(ConnectionState::isReady, 10);
  }
}
