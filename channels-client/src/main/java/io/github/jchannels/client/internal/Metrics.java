package io.github.jchannels.client.internal;

import io.github.jchannels.client.ClientMetrics;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/** The client's counters; thread-safe. */
final class Metrics implements ClientMetrics {
  private final LongAdder sent = new LongAdder();
  private final LongAdder received = new LongAdder();
  private final LongAdder reconnections = new LongAdder();
  private final LongAdder dropped = new LongAdder();
  private final LongAdder invalid = new LongAdder();
  private final LongAdder listenerErrors = new LongAdder();
  private final LongAdder refused = new LongAdder();
  private final LongAdder readPauses = new LongAdder();
  private final LongSupplier busErrors;
  /** Guarded by itself: the last {@link #LATENCY_WINDOW} samples, oldest first. */
  private final ArrayDeque<Long> latencies = new ArrayDeque<>();
  /** Guarded by {@link #latencies}: bus errors counted before the last reset. */
  private long busErrorsBase;

  Metrics(LongSupplier busErrors) {
    this.busErrors = busErrors;
  }

  void sent() {
    sent.increment();
  }

  void received() {
    received.increment();
  }

  void reconnection() {
    reconnections.increment();
  }

  void dropped() {
    dropped.increment();
  }

  void invalidFrame() {
    invalid.increment();
  }

  void listenerError() {
    listenerErrors.increment();
  }

  void refused() {
    refused.increment();
  }

  void readPaused() {
    readPauses.increment();
  }

  void latency(long millis) {
    synchronized (latencies) {
      if (latencies.size() == LATENCY_WINDOW) {
        latencies.removeFirst();
      }
      latencies.addLast(Math.max(0, millis));
    }
  }

  @Override
  public Snapshot snapshot() {
    ArrayList<Long> samples;
    long base;
    synchronized (latencies) {
      samples = new ArrayList<>(latencies);
      base = busErrorsBase;
    }
    double avg = samples.stream().mapToLong(Long::longValue).average().orElse(0);
    return new Snapshot(sent.sum(), received.sum(), reconnections.sum(), dropped.sum(),
        invalid.sum(), busErrors.getAsLong() - base + listenerErrors.sum(), refused.sum(),
        readPauses.sum(), avg, samples.size(), samples);
  }

  @Override
  public void reset() {
    synchronized (latencies) {
      latencies.clear();
      busErrorsBase = busErrors.getAsLong();
    }
    sent.reset();
    received.reset();
    reconnections.reset();
    dropped.reset();
    invalid.reset();
    listenerErrors.reset();
    refused.reset();
    readPauses.reset();
  }
}
