package io.github.jchannels.server;

import com.sun.management.UnixOperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Objects;

/**
 * Every limit the server enforces, with what happens at the limit. Immutable; start from
 * {@link #defaults()} or {@link #builder()}, change with {@link #toBuilder()}. Setters reject
 * bad values with {@link IllegalArgumentException} naming the value.
 *
 * <table>
 *   <caption>Limits and defaults</caption>
 *   <tr><th>limit</th><th>default</th><th>at the limit</th></tr>
 *   <tr><td>{@code maxFrameSize}</td><td>1 MiB</td><td>close 1009 (also for a fragmented
 *     message whose fragments add up to more)</td></tr>
 *   <tr><td>{@code maxSubscriptionsPerConnection}</td><td>100</td><td>{@code subscription_error}
 *     {@code limit_exceeded}</td></tr>
 *   <tr><td>{@code maxInboundMessages} per {@code inboundWindow}</td><td>100 per 1 s</td>
 *     <td>further messages in the window are dropped; the first gets {@code error}
 *     {@code rate_limited}</td></tr>
 *   <tr><td>{@code maxRateLimitedMessages}</td><td>100</td><td>when this many messages were
 *     dropped in one window, close 1008</td></tr>
 *   <tr><td>{@code maxBufferedBytes}</td><td>4 MiB</td><td>a connection with more bytes queued
 *     than this (a slow consumer) is closed with 1013 and its queue released</td></tr>
 *   <tr><td>{@code maxPendingMessages}</td><td>1000</td><td>a connection with more received
 *     messages waiting for its handlers than this is closed with 1013</td></tr>
 *   <tr><td>{@code maxPendingBytes}</td><td>8 MiB</td><td>same, counting the bytes of the
 *     waiting messages</td></tr>
 *   <tr><td>{@code handshakeTimeout}</td><td>10 s</td><td>a TCP connection that has not
 *     completed the WebSocket handshake and authentication is dropped</td></tr>
 *   <tr><td>{@code pingInterval}</td><td>30 s</td><td>WebSocket ping frames at this interval;
 *     no pong within 1.5 intervals closes the connection (1006)</td></tr>
 *   <tr><td>{@code heartbeatInterval}</td><td>30 s</td><td>sent as {@code heartbeatIntervalMs}
 *     in {@code connected}: the {@code ping} interval clients should use</td></tr>
 *   <tr><td>{@code maxHandshakeSize}</td><td>16 KiB</td><td>a handshake request (request
 *     line and headers) longer than this drops the TCP connection</td></tr>
 *   <tr><td>{@code closeTimeout}</td><td>5 s</td><td>a connection the server closes (any code,
 *     shutdown included) that has not completed the close handshake within it is dropped;
 *     {@code close()} waits about this long at most</td></tr>
 *   <tr><td>{@code acceptBacklog}</td><td>4096</td><td>TCP connections the kernel queues for
 *     the server to accept (a reconnect storm); beyond it SYNs are dropped and clients retry
 *     (the kernel may cap it: {@code net.core.somaxconn})</td></tr>
 *   <tr><td>{@code maxConnections}</td><td>the process's descriptor limit minus a reserve
 *     (a tenth, at least 64), at least 16</td><td>a connection over it is refused: HTTP 503
 *     where the transport can choose the status, else close 1013 right after the
 *     upgrade</td></tr>
 *   <tr><td>{@code maxConnectionsPerAddress}</td><td>0 (no limit)</td><td>same, counting the
 *     connections of one remote IP address</td></tr>
 *   <tr><td>{@code maxHandshakesInProgress}</td><td>4096</td><td>a new TCP connection over it
 *     drops the oldest connection still in its handshake (a slowloris cannot keep others
 *     out)</td></tr>
 *   <tr><td>{@code messageTimeout}</td><td>30 s</td><td>a fragmented message not completed
 *     within it closes the connection with 1008</td></tr>
 *   <tr><td>{@code maxInboundBytesInProgress}</td><td>64 MiB</td><td>server-wide budget for
 *     frames and fragmented messages being received; while it is used up, a new frame over
 *     64 KiB closes its connection with 1013</td></tr>
 * </table>
 *
 * <p>{@code maxBufferedBytes} must be at least {@code maxFrameSize}: one frame that fits the
 * limit never by itself makes a reader a slow consumer. An event whose encoded frame is over
 * {@code maxFrameSize} is refused when it is published (an {@link IllegalArgumentException}
 * naming the size and the limit) and reaches nobody.
 */
public final class ServerLimits {
  private static final ServerLimits DEFAULTS = builder().build();

  private final int maxFrameSize;
  private final int maxSubscriptionsPerConnection;
  private final int maxInboundMessages;
  private final Duration inboundWindow;
  private final int maxRateLimitedMessages;
  private final long maxBufferedBytes;
  private final int maxPendingMessages;
  private final long maxPendingBytes;
  private final Duration handshakeTimeout;
  private final Duration pingInterval;
  private final Duration heartbeatInterval;
  private final Duration closeTimeout;
  private final int maxHandshakeSize;
  private final int acceptBacklog;
  private final int maxConnections;
  private final int maxConnectionsPerAddress;
  private final int maxHandshakesInProgress;
  private final Duration messageTimeout;
  private final long maxInboundBytesInProgress;

  private ServerLimits(Builder b) {
    this.maxFrameSize = b.maxFrameSize;
    this.maxSubscriptionsPerConnection = b.maxSubscriptionsPerConnection;
    this.maxInboundMessages = b.maxInboundMessages;
    this.inboundWindow = b.inboundWindow;
    this.maxRateLimitedMessages = b.maxRateLimitedMessages;
    this.maxBufferedBytes = b.maxBufferedBytes;
    this.maxPendingMessages = b.maxPendingMessages;
    this.maxPendingBytes = b.maxPendingBytes;
    this.handshakeTimeout = b.handshakeTimeout;
    this.pingInterval = b.pingInterval;
    this.heartbeatInterval = b.heartbeatInterval;
    this.closeTimeout = b.closeTimeout;
    this.maxHandshakeSize = b.maxHandshakeSize;
    this.acceptBacklog = b.acceptBacklog;
    this.maxConnections = b.maxConnections;
    this.maxConnectionsPerAddress = b.maxConnectionsPerAddress;
    this.maxHandshakesInProgress = b.maxHandshakesInProgress;
    this.messageTimeout = b.messageTimeout;
    this.maxInboundBytesInProgress = b.maxInboundBytesInProgress;
  }

  /**
   * The default of {@link #maxConnections()}: the process's open-file limit minus a reserve of a
   * tenth (at least 64 descriptors, for the JVM's own files and the listening socket), at
   * least 16; 10,000 where the limit cannot be read.
   */
  public static int defaultMaxConnections() {
    long limit = -1;
    if (ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean u) {
      limit = u.getMaxFileDescriptorCount();
    }
    if (limit <= 0) {
      return 10_000;
    }
    long reserve = Math.max(64, limit / 10);
    return (int) Math.max(16, Math.min(Integer.MAX_VALUE, limit - reserve));
  }

  /** The defaults (see the table above). */
  public static ServerLimits defaults() {
    return DEFAULTS;
  }

  /** A builder starting from the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from these values. */
  public Builder toBuilder() {
    return new Builder()
        .maxFrameSize(maxFrameSize)
        .maxSubscriptionsPerConnection(maxSubscriptionsPerConnection)
        .inboundRate(maxInboundMessages, inboundWindow)
        .maxRateLimitedMessages(maxRateLimitedMessages)
        .maxBufferedBytes(maxBufferedBytes)
        .maxPendingMessages(maxPendingMessages)
        .maxPendingBytes(maxPendingBytes)
        .handshakeTimeout(handshakeTimeout)
        .pingInterval(pingInterval)
        .heartbeatInterval(heartbeatInterval)
        .closeTimeout(closeTimeout)
        .maxHandshakeSize(maxHandshakeSize)
        .acceptBacklog(acceptBacklog)
        .maxConnections(maxConnections)
        .maxConnectionsPerAddress(maxConnectionsPerAddress)
        .maxHandshakesInProgress(maxHandshakesInProgress)
        .messageTimeout(messageTimeout)
        .maxInboundBytesInProgress(maxInboundBytesInProgress);
  }

  /** The accept backlog of a transport that binds its own port. */
  public int acceptBacklog() {
    return acceptBacklog;
  }

  /** Most connections (in their handshake or open) at once, server-wide. */
  public int maxConnections() {
    return maxConnections;
  }

  /** Most connections from one remote IP address at once; 0 for no limit. */
  public int maxConnectionsPerAddress() {
    return maxConnectionsPerAddress;
  }

  /** Most TCP connections in their handshake at once; a new one drops the oldest. */
  public int maxHandshakesInProgress() {
    return maxHandshakesInProgress;
  }

  /** Time a fragmented message may take from its first to its last fragment (else 1008). */
  public Duration messageTimeout() {
    return messageTimeout;
  }

  /** Server-wide budget, in bytes, for frames and fragmented messages being received. */
  public long maxInboundBytesInProgress() {
    return maxInboundBytesInProgress;
  }

  /** Largest accepted message (a frame, or the sum of a fragmented message's frames), bytes. */
  public int maxFrameSize() {
    return maxFrameSize;
  }

  /** Most channels one connection may join. */
  public int maxSubscriptionsPerConnection() {
    return maxSubscriptionsPerConnection;
  }

  /** Most messages accepted from one connection per {@link #inboundWindow()}. */
  public int maxInboundMessages() {
    return maxInboundMessages;
  }

  /** The window of {@link #maxInboundMessages()}. */
  public Duration inboundWindow() {
    return inboundWindow;
  }

  /** Dropped messages in one window after which the connection is closed with 1008. */
  public int maxRateLimitedMessages() {
    return maxRateLimitedMessages;
  }

  /** Most bytes queued for one connection before it is closed as a slow consumer (1013). */
  public long maxBufferedBytes() {
    return maxBufferedBytes;
  }

  /** Most received messages of one connection waiting for its handlers (else 1013). */
  public int maxPendingMessages() {
    return maxPendingMessages;
  }

  /** Most bytes of received messages of one connection waiting for its handlers (else 1013). */
  public long maxPendingBytes() {
    return maxPendingBytes;
  }

  /** Time allowed from TCP accept to a completed, authenticated WebSocket handshake. */
  public Duration handshakeTimeout() {
    return handshakeTimeout;
  }

  /** Interval of WebSocket ping frames (dead-peer detection). */
  public Duration pingInterval() {
    return pingInterval;
  }

  /** The application heartbeat interval advertised to clients in {@code connected}. */
  public Duration heartbeatInterval() {
    return heartbeatInterval;
  }

  /**
   * How long a connection closed by the server may take to complete the close handshake before
   * its TCP connection is dropped; also bounds how long {@code close()} waits.
   */
  public Duration closeTimeout() {
    return closeTimeout;
  }

  /** Largest accepted handshake request (request line and headers), in bytes. */
  public int maxHandshakeSize() {
    return maxHandshakeSize;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ServerLimits l && l.toString().equals(toString());
  }

  @Override
  public int hashCode() {
    return toString().hashCode();
  }

  @Override
  public String toString() {
    return "ServerLimits[maxFrameSize=" + maxFrameSize
        + ", maxSubscriptionsPerConnection=" + maxSubscriptionsPerConnection
        + ", maxInboundMessages=" + maxInboundMessages + ", inboundWindow=" + inboundWindow
        + ", maxRateLimitedMessages=" + maxRateLimitedMessages
        + ", maxBufferedBytes=" + maxBufferedBytes + ", maxPendingMessages=" + maxPendingMessages
        + ", maxPendingBytes=" + maxPendingBytes
        + ", handshakeTimeout=" + handshakeTimeout + ", pingInterval=" + pingInterval
        + ", heartbeatInterval=" + heartbeatInterval + ", closeTimeout=" + closeTimeout
        + ", maxHandshakeSize=" + maxHandshakeSize + ", acceptBacklog=" + acceptBacklog
        + ", maxConnections=" + maxConnections
        + ", maxConnectionsPerAddress=" + maxConnectionsPerAddress
        + ", maxHandshakesInProgress=" + maxHandshakesInProgress
        + ", messageTimeout=" + messageTimeout
        + ", maxInboundBytesInProgress=" + maxInboundBytesInProgress + "]";
  }

  /** Builds {@link ServerLimits}; starts from the defaults. */
  public static final class Builder {
    private int maxFrameSize = 1024 * 1024;
    private int maxSubscriptionsPerConnection = 100;
    private int maxInboundMessages = 100;
    private Duration inboundWindow = Duration.ofSeconds(1);
    private int maxRateLimitedMessages = 100;
    private long maxBufferedBytes = 4L * 1024 * 1024;
    private int maxPendingMessages = 1000;
    private long maxPendingBytes = 8L * 1024 * 1024;
    private Duration handshakeTimeout = Duration.ofSeconds(10);
    private Duration pingInterval = Duration.ofSeconds(30);
    private Duration heartbeatInterval = Duration.ofSeconds(30);
    private Duration closeTimeout = Duration.ofSeconds(5);
    private int maxHandshakeSize = 16 * 1024;
    private int acceptBacklog = 4096;
    private int maxConnections = defaultMaxConnections();
    private int maxConnectionsPerAddress;
    private int maxHandshakesInProgress = 4096;
    private Duration messageTimeout = Duration.ofSeconds(30);
    private long maxInboundBytesInProgress = 64L * 1024 * 1024;

    private Builder() {}

    /** Accept backlog of a transport binding its own port; at least 1. */
    public Builder acceptBacklog(int n) {
      this.acceptBacklog = (int) atLeast("acceptBacklog", n, 1);
      return this;
    }

    /** Most connections at once, server-wide; at least 1. */
    public Builder maxConnections(int n) {
      this.maxConnections = (int) atLeast("maxConnections", n, 1);
      return this;
    }

    /** Most connections per remote IP address; 0 (the default) for no limit. */
    public Builder maxConnectionsPerAddress(int n) {
      this.maxConnectionsPerAddress = (int) atLeast("maxConnectionsPerAddress", n, 0);
      return this;
    }

    /** Most connections in their handshake at once; at least 1. */
    public Builder maxHandshakesInProgress(int n) {
      this.maxHandshakesInProgress = (int) atLeast("maxHandshakesInProgress", n, 1);
      return this;
    }

    /** Time a fragmented message may take; at least 10 ms. */
    public Builder messageTimeout(Duration d) {
      this.messageTimeout = positive("messageTimeout", d, Duration.ofMillis(10));
      return this;
    }

    /** Server-wide budget for messages being received, bytes; at least 64 KiB. */
    public Builder maxInboundBytesInProgress(long bytes) {
      this.maxInboundBytesInProgress = atLeast("maxInboundBytesInProgress", bytes, 64 * 1024);
      return this;
    }

    /** Largest accepted message in bytes; at least 128. */
    public Builder maxFrameSize(int bytes) {
      this.maxFrameSize = (int) atLeast("maxFrameSize", bytes, 128);
      return this;
    }

    /** Most channels per connection; at least 1. */
    public Builder maxSubscriptionsPerConnection(int n) {
      this.maxSubscriptionsPerConnection = (int) atLeast("maxSubscriptionsPerConnection", n, 1);
      return this;
    }

    /** At most {@code messages} (at least 1) per {@code window} (at least 1 ms) per connection. */
    public Builder inboundRate(int messages, Duration window) {
      this.maxInboundMessages = (int) atLeast("maxInboundMessages", messages, 1);
      this.inboundWindow = positive("inboundWindow", window, Duration.ofMillis(1));
      return this;
    }

    /** Dropped messages in one window that close the connection with 1008; at least 1. */
    public Builder maxRateLimitedMessages(int n) {
      this.maxRateLimitedMessages = (int) atLeast("maxRateLimitedMessages", n, 1);
      return this;
    }

    /** Most bytes queued per connection; at least 1024. */
    public Builder maxBufferedBytes(long bytes) {
      this.maxBufferedBytes = atLeast("maxBufferedBytes", bytes, 1024);
      return this;
    }

    /** Most received messages waiting for handlers per connection; at least 1. */
    public Builder maxPendingMessages(int n) {
      this.maxPendingMessages = (int) atLeast("maxPendingMessages", n, 1);
      return this;
    }

    /** Most bytes of received messages waiting for handlers per connection; at least 1024. */
    public Builder maxPendingBytes(long bytes) {
      this.maxPendingBytes = atLeast("maxPendingBytes", bytes, 1024);
      return this;
    }

    /** Time to complete the handshake; at least 10 ms. */
    public Builder handshakeTimeout(Duration d) {
      this.handshakeTimeout = positive("handshakeTimeout", d, Duration.ofMillis(10));
      return this;
    }

    /** WebSocket ping interval; at least 10 ms. */
    public Builder pingInterval(Duration d) {
      this.pingInterval = positive("pingInterval", d, Duration.ofMillis(10));
      return this;
    }

    /** Advertised heartbeat interval; at least 1 ms. */
    public Builder heartbeatInterval(Duration d) {
      this.heartbeatInterval = positive("heartbeatInterval", d, Duration.ofMillis(1));
      return this;
    }

    /** Largest handshake request in bytes; at least 1024. */
    public Builder maxHandshakeSize(int bytes) {
      this.maxHandshakeSize = (int) atLeast("maxHandshakeSize", bytes, 1024);
      return this;
    }

    /** Time a closing connection gets for the close handshake; at least 10 ms. */
    public Builder closeTimeout(Duration d) {
      this.closeTimeout = positive("closeTimeout", d, Duration.ofMillis(10));
      return this;
    }

    private static long atLeast(String name, long v, long min) {
      if (v < min) {
        throw new IllegalArgumentException(name + " must be >= " + min + ": " + v);
      }
      return v;
    }

    private static Duration positive(String name, Duration d, Duration min) {
      Objects.requireNonNull(d, name);
      if (d.compareTo(min) < 0) {
        throw new IllegalArgumentException(name + " must be >= " + min + ": " + d);
      }
      return d;
    }

    /**
     * The limits. Throws {@link IllegalArgumentException} if {@code maxBufferedBytes} is below
     * {@code maxFrameSize} (one frame must fit the outbound budget).
     */
    public ServerLimits build() {
      if (maxBufferedBytes < maxFrameSize) {
        throw new IllegalArgumentException("maxBufferedBytes (" + maxBufferedBytes
            + ") must be >= maxFrameSize (" + maxFrameSize + "): one frame that fits the limit "
            + "must fit the outbound budget");
      }
      return new ServerLimits(this);
    }
  }
}
