package io.github.jchannels.client;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Where a {@link ChannelClient}'s connection stands; what a status banner shows. A sealed
 * type: switch over it exhaustively.
 *
 * <pre>
 *   Idle --connect()--&gt; Connecting --socket open--&gt; Open --"connected"--&gt; Ready
 *                           ^   |                     |                    |
 *                           |   +-------- lost -------+-------- lost ------+
 *                           |                         v
 *                           +--- delay elapsed --- Reconnecting(n of max)
 *                                                     | n &gt; max
 *                                                     v
 *   any --close()/1000/1008/1003/1009/401/403/gave up--&gt;  Closed(reason)
 *   Closed (not by close()) --reconnect() or connect()--&gt; Connecting (attempt count reset)
 * </pre>
 */
public sealed interface ConnectionState {

  /** {@link Reconnecting#maxAttempts()} and {@link Connecting#maxAttempts()} when unlimited. */
  int UNLIMITED = -1;

  /** Whether channel traffic flows now (only in {@link Ready}). */
  default boolean isReady() {
    return this instanceof Ready;
  }

  /** Built; {@link ChannelClient#connect()} not called yet. */
  record Idle() implements ConnectionState {}

  /**
   * Opening a socket. {@code attempt} is 0 for the first connection or a manual
   * {@link ChannelClient#reconnect()}, else the reconnection attempt (1-based).
   */
  record Connecting(int attempt, int maxAttempts) implements ConnectionState {}

  /** The socket is open; waiting for the server's {@code connected} event. Sends are queued. */
  record Open() implements ConnectionState {}

  /** {@code connected} received: subscriptions are re-made and the queue flushed. */
  record Ready(String clientId) implements ConnectionState {}

  /**
   * The connection was lost; attempt {@code attempt} of {@code maxAttempts} ({@link #UNLIMITED}
   * if unlimited) starts after {@code delay}. {@code code} is the close code that ended the
   * previous connection (1006 when it never opened, {@link ChannelClient#HEARTBEAT_TIMEOUT} when
   * the pong did not come).
   */
  record Reconnecting(int attempt, int maxAttempts, Duration delay, int code, String detail)
      implements ConnectionState {}

  /**
   * Terminal until {@link ChannelClient#reconnect()} or {@link ChannelClient#connect()} (except
   * after {@link ChannelClient#close()}, which is final). {@code code} is the close code seen,
   * the HTTP status for a refused handshake (401, 403), or -1 when none applies. Entering it
   * fails every pending request and join future and empties the send queue.
   */
  record Closed(CloseReason reason, int code, @Nullable String detail) implements ConnectionState {}

  /** Why the client stopped trying. */
  enum CloseReason {
    /** {@link ChannelClient#close()} was called, or the server closed with 1000. */
    NORMAL,
    /**
     * The server closed with 1008 (policy violation) or answered the handshake with HTTP 401:
     * bad or missing credentials.
     */
    UNAUTHORIZED,
    /** The server answered the handshake with HTTP 403 (e.g. an origin it does not allow). */
    FORBIDDEN,
    /** The server closed with 1008 after reporting {@code rate_limited}. */
    RATE_LIMITED,
    /**
     * The server closed with 1003 (binary frame) or 1009 (frame too big), or the client closed
     * with 1009 because the server sent a frame over the client's {@code maxFrameSize}.
     */
    REJECTED,
    /** The maximum number of reconnection attempts failed. */
    GAVE_UP
  }
}
