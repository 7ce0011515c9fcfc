package io.github.jchannels.client.internal;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Reconnection delays: {@code initial} for attempt 1, doubling per attempt, capped at
 * {@code max}, optionally spread by ± {@code jitter} of the delay. Immutable.
 */
public record Backoff(Duration initial, Duration max, double jitter) {

  /** The delay before attempt {@code attempt} (1-based); {@code random} yields [0,1). */
  public Duration delay(int attempt, DoubleSupplier random) {
    if (attempt < 1) {
      throw new IllegalArgumentException("attempt must be >= 1: " + attempt);
    }
    long maxMs = max.toMillis();
    long ms = initial.toMillis();
    for (int i = 1; i < attempt && ms < maxMs; i++) {
      ms *= 2;
    }
    ms = Math.min(ms, maxMs);
    if (jitter > 0) {
      double factor = 1 + jitter * (2 * random.getAsDouble() - 1);
      ms = Math.min(maxMs, Math.max(0, Math.round(ms * factor)));
    }
    return Duration.ofMillis(ms);
  }
}
