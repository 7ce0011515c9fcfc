package io.github.jchannels.server;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Presence of one family (PROTOCOL.md section 12): who is subscribed to each of its channels,
 * across every node. Enable it with {@link ChannelServer.Builder#presence}. Immutable.
 *
 * <p>Defaults of {@link #builder()}:
 * <ul>
 *   <li>{@link Builder#meta meta}: every entry starts with {@code {}};
 *   <li>{@link Builder#key key}: the principal's name, or the connection id when anonymous;
 *   <li>{@link Builder#maxMetaBytes maxMetaBytes}: {@value #DEFAULT_MAX_META_BYTES} bytes of
 *       JSON (1 KiB);
 *   <li>{@link Builder#window window}: {@code presence_diff}s are coalesced over 100 ms.
 * </ul>
 */
public final class Presence {
  /** Default largest {@code meta}, in bytes of compact JSON. */
  public static final int DEFAULT_MAX_META_BYTES = 1024;
  /** Largest {@code meta} limit accepted. */
  public static final int MAX_META_BYTES = 64 * 1024;
  /** Default window over which changes are coalesced into one {@code presence_diff}. */
  public static final Duration DEFAULT_WINDOW = Duration.ofMillis(100);
  /** Longest window accepted. */
  public static final Duration MAX_WINDOW = Duration.ofSeconds(10);

  private final Function<ConnectionInfo, ? extends Map<String, ?>> meta;
  private final Function<ConnectionInfo, String> key;
  private final int maxMetaBytes;
  private final Duration window;

  private Presence(Builder b) {
    this.meta = b.meta;
    this.key = b.key;
    this.maxMetaBytes = b.maxMetaBytes;
    this.window = b.window;
  }

  /** Presence with the defaults. */
  public static Presence defaults() {
    return builder().build();
  }

  /** A builder with the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** The hook giving a new entry its initial {@code meta}. */
  public Function<ConnectionInfo, ? extends Map<String, ?>> meta() {
    return meta;
  }

  /** The function giving an entry its key. */
  public Function<ConnectionInfo, String> key() {
    return key;
  }

  /** The largest {@code meta}, in bytes of compact JSON. */
  public int maxMetaBytes() {
    return maxMetaBytes;
  }

  /** The coalescing window; zero sends every change as its own diff. */
  public Duration window() {
    return window;
  }

  @Override
  public String toString() {
    return "Presence[maxMetaBytes=" + maxMetaBytes + ", window=" + window + "]";
  }

  /** The default key: the principal's name, or the connection id for anonymous connections. */
  static String defaultKey(ConnectionInfo info) {
    return info.principal() != null ? info.principal().getName() : info.id();
  }

  /** Builds a {@link Presence}; setters reject values out of their limits. */
  public static final class Builder {
    private Function<ConnectionInfo, ? extends Map<String, ?>> meta = info -> Map.of();
    private Function<ConnectionInfo, String> key = Presence::defaultKey;
    private int maxMetaBytes = DEFAULT_MAX_META_BYTES;
    private Duration window = DEFAULT_WINDOW;

    private Builder() {}

    /**
     * The hook that gives each new entry its initial {@code meta} from the connection (for
     * example a display name from the principal); default: an empty object. It runs on the
     * subscribing connection's thread; its map is encoded as a JSON object and must fit
     * {@link #maxMetaBytes}. A hook that throws, or whose meta is too large, is logged and the
     * entry starts with {@code {}}.
     */
    public Builder meta(Function<ConnectionInfo, ? extends Map<String, ?>> meta) {
      this.meta = Objects.requireNonNull(meta, "meta");
      return this;
    }

    /**
     * The key of a connection's entry; default the principal's name, or the connection id for
     * an anonymous connection. A key holds one entry per connection.
     */
    public Builder key(Function<ConnectionInfo, String> key) {
      this.key = Objects.requireNonNull(key, "key");
      return this;
    }

    /**
     * The largest {@code meta}, in bytes of its compact JSON (default
     * {@value Presence#DEFAULT_MAX_META_BYTES}, 2 to {@value Presence#MAX_META_BYTES}). A
     * {@code presence_update} over it is answered {@code invalid_data}.
     */
    public Builder maxMetaBytes(int maxMetaBytes) {
      if (maxMetaBytes < 2 || maxMetaBytes > MAX_META_BYTES) {
        throw new IllegalArgumentException(
            "maxMetaBytes must be in range [2," + MAX_META_BYTES + "]: " + maxMetaBytes);
      }
      this.maxMetaBytes = maxMetaBytes;
      return this;
    }

    /**
     * The window over which the changes of a channel are coalesced into one
     * {@code presence_diff} per node (default 100 ms, zero to 10 s; zero sends each change at
     * once). The first change of a quiet channel starts the window.
     */
    public Builder window(Duration window) {
      Objects.requireNonNull(window, "window");
      if (window.isNegative() || window.compareTo(MAX_WINDOW) > 0) {
        throw new IllegalArgumentException(
            "window must be in range [PT0S," + MAX_WINDOW + "]: " + window);
      }
      this.window = window;
      return this;
    }

    /** The presence configuration. */
    public Presence build() {
      return new Presence(this);
    }
  }
}
