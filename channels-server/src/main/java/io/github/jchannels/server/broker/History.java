package io.github.jchannels.server.broker;

import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * How much of a channel's past a broker keeps: at most {@link #size()} events, each for at most
 * {@link #ttl()} after it was published. Immutable; {@link #NONE} keeps nothing (the channel's
 * events carry no {@code seq} or {@code epoch}).
 *
 * <p>Defaults of {@link #builder()}: {@value #DEFAULT_SIZE} events, 5 minutes (those of AnyCable's
 * broker). Limits: size 1 to {@value #MAX_SIZE}; time-to-live 1 second to 30 days.
 */
public final class History {
  /** Default number of events kept per channel. */
  public static final int DEFAULT_SIZE = 100;
  /** Default time-to-live of one event. */
  public static final Duration DEFAULT_TTL = Duration.ofMinutes(5);
  /** Largest size accepted. */
  public static final int MAX_SIZE = 1_000_000;
  /** Longest time-to-live accepted. */
  public static final Duration MAX_TTL = Duration.ofDays(30);
  /** Shortest time-to-live accepted. */
  public static final Duration MIN_TTL = Duration.ofSeconds(1);

  /** No history: events are delivered live only, without {@code seq} or {@code epoch}. */
  public static final History NONE = new History(0, Duration.ZERO);

  private final int size;
  private final Duration ttl;

  private History(int size, Duration ttl) {
    this.size = size;
    this.ttl = ttl;
  }

  /** A builder with the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * History of {@code size} events kept for {@code ttl} each.
   *
   * @throws IllegalArgumentException if a value is out of its limits
   */
  public static History of(int size, Duration ttl) {
    return builder().size(size).ttl(ttl).build();
  }

  /** True unless this is {@link #NONE}. */
  public boolean enabled() {
    return size > 0;
  }

  /** Most events kept per channel (0 for {@link #NONE}). */
  public int size() {
    return size;
  }

  /** How long one event stays recoverable after it was published (zero for {@link #NONE}). */
  public Duration ttl() {
    return ttl;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof History h && h.size == size && h.ttl.equals(ttl);
  }

  @Override
  public int hashCode() {
    return Objects.hash(size, ttl);
  }

  @Override
  public String toString() {
    return enabled() ? "History[size=" + size + ", ttl=" + ttl + "]" : "History.NONE";
  }

  /** Builds a {@link History}; setters reject values out of their limits. */
  public static final class Builder {
    private int size = DEFAULT_SIZE;
    private Duration ttl = DEFAULT_TTL;

    private Builder() {}

    /**
     * Most events kept per channel, 1 to {@value History#MAX_SIZE} (default
     * {@value History#DEFAULT_SIZE}).
     */
    public Builder size(int size) {
      if (size < 1 || size > MAX_SIZE) {
        throw new IllegalArgumentException(
            "History size must be in range [1," + MAX_SIZE + "]: " + size);
      }
      this.size = size;
      return this;
    }

    /** Time-to-live of one event, 1 second to 30 days (default 5 minutes). */
    public Builder ttl(Duration ttl) {
      Objects.requireNonNull(ttl, "ttl");
      if (ttl.compareTo(MIN_TTL) < 0 || ttl.compareTo(MAX_TTL) > 0) {
        throw new IllegalArgumentException(
            "History ttl must be in range [" + MIN_TTL + "," + MAX_TTL + "]: " + ttl);
      }
      this.ttl = ttl;
      return this;
    }

    /** The history. */
    public History build() {
      return new History(size, ttl);
    }
  }
}
