package io.github.jchannels.benchmarks.load;

import io.github.jchannels.core.Channel;
import io.github.jchannels.core.Channels;
import io.github.jchannels.core.SessionEvent;

/**
 * The benchmark's event: a {@code session} {@code stream_output} of about 100 bytes whose
 * {@code message} carries the broadcast's sequence number and whose {@code timestamp} carries
 * the send time (nanoseconds on {@link #nanoTime()}, the one clock of the harness process).
 * The bare server sends {@link #text} (built by hand); the channels server encodes
 * {@link #event} with its codec; both produce the same bytes (checked by the smoke test).
 */
public final class Payload {
  /** The channel every subscriber joins. */
  public static final String SESSION_ID = "bench";
  /** {@code session:bench}. */
  public static final Channel<SessionEvent> CHANNEL = Channels.session(SESSION_ID);
  /** Pads the frame to about 100 bytes. */
  static final String PAD = "";
  private static final long BASE = System.nanoTime();

  private Payload() {}

  /** The harness clock: nanoseconds since the class was loaded, always non-negative. */
  public static long nanoTime() {
    return System.nanoTime() - BASE;
  }

  /** The message field for broadcast {@code seq}. */
  public static String message(long seq) {
    return "s" + seq + PAD;
  }

  /** The event the channels server broadcasts. */
  public static SessionEvent.StreamOutput event(long seq, long sentNanos) {
    return new SessionEvent.StreamOutput(SESSION_ID, message(seq), sentNanos);
  }

  /** The frame text the bare server broadcasts: the codec's encoding of {@link #event}. */
  public static String text(long seq, long sentNanos) {
    return "{\"channel\":\"session:bench\",\"type\":\"stream_output\",\"data\":{\"sessionId\":\""
        + SESSION_ID + "\",\"message\":\"s" + seq + PAD + "\",\"timestamp\":" + sentNanos + "}}";
  }
}
