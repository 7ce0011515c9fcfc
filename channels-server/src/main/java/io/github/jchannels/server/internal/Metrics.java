package io.github.jchannels.server.internal;

import io.github.jchannels.server.ServerMetrics;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** The server's counters; thread-safe, cheap to bump from any thread. */
public final class Metrics {
  final LongAdder totalConnections = new LongAdder();
  final LongAdder messagesIn = new LongAdder();
  final LongAdder bytesIn = new LongAdder();
  final LongAdder messagesOut = new LongAdder();
  final LongAdder bytesOut = new LongAdder();
  final LongAdder slowConsumerCloses = new LongAdder();
  final LongAdder rateLimitCloses = new LongAdder();
  final LongAdder handshakeTimeouts = new LongAdder();
  final LongAdder rejectedHandshakes = new LongAdder();
  private final ConcurrentHashMap<String, LongAdder> errors = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Integer, LongAdder> closes = new ConcurrentHashMap<>();

  /** Counts a protocol error (or subscription error) sent, by wire code. */
  public void error(String code) {
    errors.computeIfAbsent(code, k -> new LongAdder()).increment();
  }

  /** Counts a close the server initiated, by close code. */
  public void close(int code) {
    closes.computeIfAbsent(code, k -> new LongAdder()).increment();
  }

  /** Counts one frame of {@code bytes} queued for sending. */
  public void out(long bytes) {
    messagesOut.increment();
    bytesOut.add(bytes);
  }

  /** Counts one received text message of {@code bytes}. */
  public void in(long bytes) {
    messagesIn.increment();
    bytesIn.add(bytes);
  }

  /** A snapshot with the gauges the caller measured. */
  public ServerMetrics snapshot(int openConnections, int subscriptions, int channels,
      long encodedFrames) {
    Map<String, Long> e = new TreeMap<>();
    errors.forEach((k, v) -> e.put(k, v.sum()));
    Map<Integer, Long> c = new TreeMap<>();
    closes.forEach((k, v) -> c.put(k, v.sum()));
    return new ServerMetrics(openConnections, totalConnections.sum(), subscriptions, channels,
        messagesIn.sum(), bytesIn.sum(), messagesOut.sum(), bytesOut.sum(), encodedFrames, e, c,
        slowConsumerCloses.sum(), rateLimitCloses.sum(), handshakeTimeouts.sum(),
        rejectedHandshakes.sum());
  }
}
