package io.github.jchannels.core;

import java.util.Optional;

/**
 * Guards for events and raw input: the Java form of the seeds' {@code isSessionEvent}. For
 * decoded values, family membership is an {@code instanceof} on the sealed family; for
 * untrusted text the codec is the guard ({@link Codec#decode}), and
 * {@link #checkEnvelope(String)} checks just the envelope.
 */
public final class Guards {
  private static final Codec ENVELOPE_CHECKER = Codec.forServer(EventRegistry.defaults());

  private Guards() {}

  /** Whether {@code value} is an event of {@code family}. */
  public static boolean isIn(Family<?> family, Object value) {
    return value instanceof Event e && family.contains(e);
  }

  /** Whether {@code value} is a {@code global} event. */
  public static boolean isGlobalEvent(Object value) {
    return value instanceof GlobalEvent;
  }

  /** Whether {@code value} is a {@code session} event. */
  public static boolean isSessionEvent(Object value) {
    return value instanceof SessionEvent;
  }

  /** Whether {@code value} is a {@code shell} event. */
  public static boolean isShellEvent(Object value) {
    return value instanceof ShellEvent;
  }

  /**
   * Validates the envelope of untrusted text against the built-in families: a JSON object
   * with string {@code channel} and {@code type}, non-null {@code data}, a valid {@code ref},
   * a well-formed channel of a known family. Returns the failure, or empty when it is valid.
   */
  public static Optional<Decoded.Failure> checkEnvelope(String text) {
    return ENVELOPE_CHECKER.checkEnvelope(text);
  }

  /** Like {@link #checkEnvelope(String)}, resolving channels against {@code registry}. */
  public static Optional<Decoded.Failure> checkEnvelope(EventRegistry registry, String text) {
    return Codec.forServer(registry).checkEnvelope(text);
  }
}
