package io.github.jchannels.client;

import java.util.List;

/**
 * Live counters of a {@link ChannelClient} (the seeds' {@code __WS_METRICS__}). Thread-safe.
 * Counts are of frames: every frame written to or read from the socket, control frames
 * ({@code subscribe}, {@code ping}, {@code pong}, ...) included.
 */
public interface ClientMetrics {

  /** How many latency samples are averaged (the last pongs). */
  int LATENCY_WINDOW = 100;

  /** A consistent copy of the counters now. */
  Snapshot snapshot();

  /** Sets every counter to zero and forgets the latency samples. */
  void reset();

  /**
   * The counters at one moment.
   *
   * @param messagesSent frames written to the socket
   * @param messagesReceived frames read from the socket, malformed ones included
   * @param reconnections reconnection attempts started (manual ones included)
   * @param dropped messages dropped from a full send queue
   * @param invalidFrames frames that were malformed or of an unknown channel or type
   * @param handlerErrors exceptions thrown by handlers and listeners
   * @param refused sends and requests refused because the queued bytes were at their cap
   * @param readPauses times reading stopped because the handler queue was full
   * @param averageLatencyMillis mean ping→pong round trip over the last samples; 0 with none
   * @param latencySamples how many samples the average uses (at most {@link #LATENCY_WINDOW})
   * @param latenciesMillis the samples, oldest first (for a sparkline)
   */
  record Snapshot(long messagesSent, long messagesReceived, long reconnections, long dropped,
      long invalidFrames, long handlerErrors, long refused, long readPauses,
      double averageLatencyMillis, int latencySamples,
      List<Long> latenciesMillis) {
    /** Copies the list. */
    public Snapshot {
      latenciesMillis = List.copyOf(latenciesMillis);
    }
  }
}
