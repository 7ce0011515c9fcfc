package io.github.jchannels.client.internal;

import io.github.jchannels.client.ReconnectJitter;
import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Backoff delays: {@code initial} for attempt 1, doubling per attempt, capped at {@code max},
 * then randomised inside {@code [d/2, d]} ({@link ReconnectJitter#EQUAL}) or {@code [0, d]}
 * ({@link ReconnectJitter#FULL}), never clipped. Immutable.
 */
public record Backoff(Duration initial, Duration max, ReconnectJitter jitter) {

  /** The nominal (un-jittered) delay before attempt {@code attempt} (1-based). */
  public Duration nominal(int attempt) {
    if (attempt < 1) {
      throw new IllegalArgumentException("attempt must be >= 1: " + attempt);
    }
    long maxMs = max.toMillis();
    long ms = initial.toMillis();
    for (int i = 1; i < attempt && ms < maxMs; i++) {
      ms *= 2;
    }
    return Duration.ofMillis(Math.min(ms, maxMs));
  }

  /** The delay before attempt {@code attempt} (1-based); {@code random} yields [0,1). */
  public Duration delay(int attempt, DoubleSupplier random) {
    long d = nominal(attempt).toMillis();
    long ms = switch (jitter) {
      case NONE -> d;
      case EQUAL -> d / 2 + Math.round((d - d / 2) * random.getAsDouble());
      case FULL -> Math.round(d * random.getAsDouble());
    };
    return Duration.ofMillis(Math.max(0, Math.min(d, ms)));
  }
}
