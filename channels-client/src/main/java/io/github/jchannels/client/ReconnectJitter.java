package io.github.jchannels.client;

/**
 * How the client randomises each backoff delay {@code d} (the doubling delay, already capped),
 * so that clients dropped together (a server restart's 1001) do not come back in step. The
 * result is never clipped: it is drawn inside its range, so clients at the cap stay spread.
 */
public enum ReconnectJitter {
  /** No randomness: exactly {@code d} (1, 2, 4, 8, 16, 30, 30 s ...). */
  NONE,
  /**
   * "Equal jitter": uniformly in {@code [d/2, d]}. The default: it keeps the protocol's
   * growing schedule (a client never retries sooner than half the nominal delay, so a
   * failing server is not hammered), while spreading a reconnect storm over half of each
   * step. Socket.IO's randomization factor 0.5 spreads over {@code [d/2, 3d/2]} and then clips
   * at the cap; this range ends at {@code d}, so the cap stays a true maximum.
   */
  EQUAL,
  /**
   * "Full jitter": uniformly in {@code [0, d]}, as Centrifugo's clients do (500 ms to 20 s).
   * The widest spread, at the price of some clients retrying almost at once.
   */
  FULL
}
