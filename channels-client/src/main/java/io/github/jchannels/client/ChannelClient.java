package io.github.jchannels.client;

import io.github.jchannels.client.internal.ClientConfig;
import io.github.jchannels.client.internal.RealChannelClient;
import io.github.jchannels.core.Channel;
import io.github.jchannels.core.Event;
import io.github.jchannels.core.EventRegistry;
import io.github.jchannels.core.Family;
import io.github.jchannels.core.Reply;
import io.github.jchannels.client.transport.ClientTransport;
import io.github.jchannels.core.CodecLimits;
import io.github.jchannels.core.time.Scheduler;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import org.jspecify.annotations.Nullable;

/**
 * A client of a channels server (PROTOCOL.md section 8): one WebSocket connection that becomes
 * ready after the server's {@code connected} event, keeps itself alive with {@code ping}s,
 * reconnects with backoff, re-joins every channel that has handlers, and queues what is sent
 * while it is not ready.
 *
 * <pre>{@code
 * try (ChannelClient client = ChannelClient.builder(URI.create("ws://localhost:8080/ws"))
 *     .token(() -> tokens.current())
 *     .build()) {
 *   client.connect();
 *   ClientSubscription s = client.subscribe(Channels.session("abc"), event -> {
 *     switch (event) { case SessionEvent.StreamOutput o -> print(o.message()); ... }
 *   });
 *   client.send(Channels.session("abc"), new SessionEvent.SendMessage("hi", null, null));
 * }
 * }</pre>
 *
 * <p><b>Threading.</b> Every method is thread-safe and returns without waiting for the
 * network. Handlers, state listeners and error listeners run on the client's single callback
 * thread ({@code channels-client-N-callbacks}), one at a time, in the order the frames and
 * state changes happened; a slow handler delays later callbacks but never the heartbeat. Its
 * queue is bounded ({@link Builder#inboundQueue}): when full, the client stops reading the
 * socket until handlers catch up, so TCP pushes back on the server. Request and join futures
 * complete on that thread too (timeouts excepted), so blocking on one from a handler or
 * listener throws {@link IllegalStateException}: chain with {@code thenAccept} instead. A
 * handler or listener that throws is logged and counted and never stops the others.
 * {@link #close()} stops every thread the client started.
 */
public interface ChannelClient extends AutoCloseable {

  /**
   * The pseudo close code reported in {@link ConnectionState.Reconnecting#code()} when no
   * {@code pong} came within the pong timeout (the client also sends it to the server).
   */
  int HEARTBEAT_TIMEOUT = 4000;

  /**
   * The pseudo close code reported when the socket did not open or the server did not send
   * {@code connected} within the connect timeout.
   */
  int CONNECT_TIMEOUT = 4001;

  /**
   * The close code the client sends when its handler queue overflowed on a transport that
   * cannot pause reading; it reconnects with backoff (nothing already received is lost).
   */
  int INBOUND_OVERFLOW = 4002;

  /** A builder for a client of the server at {@code uri} ({@code ws://} or {@code wss://}). */
  static Builder builder(URI uri) {
    return new Builder(uri);
  }

  /**
   * Starts connecting when the client is {@link ConnectionState.Idle} or
   * {@link ConnectionState.Closed} (not by {@link #close()}; the attempt count starts at 0);
   * in any other state it only returns the future. The future completes when the client is next
   * ready and fails with a {@link ChannelException} whose code is the lower-case
   * {@link ConnectionState.CloseReason} (e.g. {@code unauthorized}, {@code gave_up}) if the client
   * ends up closed before that, or {@code client_closed} after {@link #close()}. The client
   * keeps trying per its reconnection policy whatever the caller does with the future.
   */
  CompletableFuture<Void> connect();

  /**
   * Adds {@code handler} for the events on {@code channel}; it receives the family's sealed type.
   * The first handler of a channel makes the client join it on the server (once per channel,
   * again after every reconnection); closing the last one leaves it. Join failures reach
   * {@link ClientSubscription#joined()} and the error listeners.
   */
  <E extends Event> ClientSubscription subscribe(Channel<E> channel, Consumer<? super E> handler);

  /**
   * Sends {@code event} on {@code channel}: at once when ready, else into the send queue
   * (flushed in order after the next {@code connected}; when full the oldest is dropped).
   * Returns false when the client is closed, or when {@link #queueSize()} would go over
   * {@link Builder#maxQueuedBytes} (counted in {@link ClientMetrics.Snapshot#refused()}).
   * Throws {@link IllegalArgumentException} if the event may not be sent by a client or its
   * frame is over {@link Builder#maxFrameSize}.
   */
  <E extends Event> boolean send(Channel<E> channel, E event);

  /**
   * Sends {@code event} on {@code channel} only if the connection is ready when the client
   * gets to it; otherwise drops it: never queued, so never delivered on a later connection
   * (for terminal keystrokes, which must not reach a shell that replaced the one they were
   * typed into). Returns false when the client is not ready now, was closed, or its queued
   * bytes are at their cap; true when the event was handed over (it is still dropped if the
   * connection drops at that moment).
   */
  <E extends Event> boolean sendIfReady(Channel<E> channel, E event);

  /**
   * Sends {@code event} with a fresh {@code ref} and returns its reply, with the default request
   * timeout (measured from this call, queueing included). The future completes with the
   * {@link Reply} when its status is ok, and fails with a {@link ChannelException} when the reply
   * has status error ({@link ChannelException#reply()} holds it), when the server answers with a
   * {@code global} {@code error} carrying the ref (e.g. {@code internal_error} from a throwing
   * handler), when the connection drops after sending ({@code connection_lost}), when the request
   * is dropped from a full queue ({@code dropped}), refused over the byte cap
   * ({@code queue_full}) or the client is closed; and with a
   * {@link java.util.concurrent.TimeoutException} on timeout (completed on a thread of the
   * client's own that runs no handler, so a busy callback thread never delays it). Blocking on
   * it ({@code join()}, {@code get()}) from a handler or listener throws
   * {@link IllegalStateException}.
   */
  <E extends Event> CompletableFuture<Reply> request(Channel<E> channel, E event);

  /** {@link #request(Channel, Event)} with its own timeout. */
  <E extends Event> CompletableFuture<Reply> request(Channel<E> channel, E event, Duration timeout);

  /** Converts a plain JSON value (such as {@link Reply#response()}) to {@code type}. */
  <T> T convert(@Nullable Object value, Class<T> type);

  /** The state now. */
  ConnectionState state();

  /**
   * Calls {@code listener} with every later state change, on the callback thread, in order.
   * The current state is not replayed: read {@link #state()}.
   */
  ListenerHandle addStateListener(Consumer<? super ConnectionState> listener);

  /** Calls {@code listener} with every {@link ClientError}, on the callback thread. */
  ListenerHandle addErrorListener(Consumer<? super ClientError> listener);

  /**
   * Reconnects now with a fresh socket and resets the attempt count: after the client gave up,
   * was refused (1008, ...), or while it waits for a reconnection delay. Closes the current
   * connection first if there is one. Throws {@link IllegalStateException} after {@link #close()}.
   */
  void reconnect();

  /** The client's counters. */
  ClientMetrics metrics();

  /** The last frames sent and received. */
  MessageLog messageLog();

  /** The channels that have handlers, with their handler count and join state. */
  List<ActiveSubscription> subscriptions();

  /**
   * The live presence view of {@code channel} (PROTOCOL.md section 12): who is subscribed to it,
   * filled from the server's {@code presence_state} and {@code presence_diff} while the client
   * has handlers on the channel. The same view every call; see {@link ChannelPresence}.
   */
  ChannelPresence presence(Channel<?> channel);

  /** How many messages wait in the send queue (not ready yet). */
  int queuedMessages();

  /**
   * Bytes (UTF-8) accepted by {@link #send} or {@link #request} and not yet handed to the
   * network: the send queue plus the transport's own buffer, like OkHttp's
   * {@code WebSocket.queueSize()}. Over {@link Builder#maxQueuedBytes} further sends are
   * refused.
   */
  long queueSize();

  /** The server address. */
  URI uri();

  /**
   * Closes the connection with 1000, fails pending requests and join futures, and stops every
   * thread the client started, waiting a bounded time (about 3 s at most, even when a handler
   * is stuck: its thread is then left to end by itself). Idempotent; final.
   */
  @Override
  void close();

  /**
   * Configures a {@link ChannelClient}. Defaults (PROTOCOL.md section 8, docs/client.md):
   *
   * <table>
   * <caption>Defaults</caption>
   * <tr><th>setting</th><th>default</th></tr>
   * <tr><td>{@link #transport}</td><td>{@link ClientTransport#jdk()}</td></tr>
   * <tr><td>{@link #scheduler}</td><td>a system scheduler of the client's own</td></tr>
   * <tr><td>{@link #token} / {@link #tokenProvider}</td><td>none (no Authorization
   *     header)</td></tr>
   * <tr><td>{@link #registry}</td><td>{@link EventRegistry#defaults()}</td></tr>
   * <tr><td>{@link #heartbeat}</td><td>ping every 30 s once ready, pong within 5 s</td></tr>
   * <tr><td>{@link #useServerHeartbeatInterval}</td><td>true (never below 50 ms)</td></tr>
   * <tr><td>{@link #reconnectDelays}</td><td>1 s doubling, capped at 30 s</td></tr>
   * <tr><td>{@link #reconnectJitter}</td><td>{@link ReconnectJitter#EQUAL}</td></tr>
   * <tr><td>{@link #maxReconnectAttempts}</td><td>5</td></tr>
   * <tr><td>{@link #resetAttemptsAfter}</td><td>10 s ready</td></tr>
   * <tr><td>{@link #sendQueueCapacity}</td><td>100 messages</td></tr>
   * <tr><td>{@link #maxQueuedBytes}</td><td>16 MiB</td></tr>
   * <tr><td>{@link #inboundQueue}</td><td>1000 events, 16 MiB</td></tr>
   * <tr><td>{@link #maxFrameSize}</td><td>1 MiB (the server's default)</td></tr>
   * <tr><td>{@link #connectTimeout}</td><td>10 s (token, socket open and
   *     {@code connected})</td></tr>
   * <tr><td>{@link #requestTimeout}</td><td>10 s</td></tr>
   * <tr><td>{@link #joinTimeout}</td><td>10 s, then retried with backoff</td></tr>
   * <tr><td>{@link #messageLogCapacity} / {@link #messageLogMaxBytes}</td><td>50 frames, 256 KiB,
   *     pings and pongs left out ({@link #messageLogPings})</td></tr>
   * <tr><td>{@link #sslContext} / {@link #sslParameters}</td><td>the JVM's defaults</td></tr>
   * <tr><td>{@link #proxy}</td><td>none (direct)</td></tr>
   * </table>
   */
  final class Builder {
    /** Default ping interval. */
    public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(30);
    /** Default pong timeout. */
    public static final Duration DEFAULT_PONG_TIMEOUT = Duration.ofSeconds(5);
    /** Default first reconnection delay. */
    public static final Duration DEFAULT_INITIAL_RECONNECT_DELAY = Duration.ofSeconds(1);
    /** Default cap on reconnection delays. */
    public static final Duration DEFAULT_MAX_RECONNECT_DELAY = Duration.ofSeconds(30);
    /** Default number of reconnection attempts. */
    public static final int DEFAULT_MAX_RECONNECT_ATTEMPTS = 5;
    /** Default time a connection must stay ready before the attempt count restarts. */
    public static final Duration DEFAULT_RESET_ATTEMPTS_AFTER = Duration.ofSeconds(10);
    /** Default send queue capacity. */
    public static final int DEFAULT_SEND_QUEUE_CAPACITY = 100;
    /** Default cap on {@link ChannelClient#queueSize()}: 16 MiB, as OkHttp's. */
    public static final long DEFAULT_MAX_QUEUED_BYTES = 16L * 1024 * 1024;
    /** Default bound of the handler queue, in events. */
    public static final int DEFAULT_INBOUND_EVENTS = 1000;
    /** Default bound of the handler queue, in bytes. */
    public static final long DEFAULT_INBOUND_BYTES = 16L * 1024 * 1024;
    /** Default largest frame accepted from the server: the server's default limit, 1 MiB. */
    public static final int DEFAULT_MAX_FRAME_SIZE = CodecLimits.defaults().maxDocumentLength();
    /** Default connect timeout. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** Default request timeout. */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);
    /** Default join timeout. */
    public static final Duration DEFAULT_JOIN_TIMEOUT = Duration.ofSeconds(10);
    /** Default message log capacity. */
    public static final int DEFAULT_MESSAGE_LOG_CAPACITY = 50;
    /** Default message log size in bytes of payload. */
    public static final long DEFAULT_MESSAGE_LOG_BYTES = 256 * 1024;

    private final URI uri;
    private TokenProvider token = () -> CompletableFuture.completedFuture(null);
    private boolean tokenBlocking;
    private final Map<String, String> headers = new LinkedHashMap<>();
    private EventRegistry registry = EventRegistry.defaults();
    private ClientTransport transport = ClientTransport.jdk();
    private @Nullable Scheduler scheduler;
    private Duration heartbeatInterval = DEFAULT_HEARTBEAT_INTERVAL;
    private Duration pongTimeout = DEFAULT_PONG_TIMEOUT;
    private boolean useServerHeartbeatInterval = true;
    private Duration initialReconnectDelay = DEFAULT_INITIAL_RECONNECT_DELAY;
    private Duration maxReconnectDelay = DEFAULT_MAX_RECONNECT_DELAY;
    private int maxReconnectAttempts = DEFAULT_MAX_RECONNECT_ATTEMPTS;
    private ReconnectJitter jitter = ReconnectJitter.EQUAL;
    private Duration resetAttemptsAfter = DEFAULT_RESET_ATTEMPTS_AFTER;
    private int sendQueueCapacity = DEFAULT_SEND_QUEUE_CAPACITY;
    private long maxQueuedBytes = DEFAULT_MAX_QUEUED_BYTES;
    private int inboundEvents = DEFAULT_INBOUND_EVENTS;
    private long inboundBytes = DEFAULT_INBOUND_BYTES;
    private int maxFrameSize = DEFAULT_MAX_FRAME_SIZE;
    private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
    private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
    private Duration joinTimeout = DEFAULT_JOIN_TIMEOUT;
    private int messageLogCapacity = DEFAULT_MESSAGE_LOG_CAPACITY;
    private long messageLogBytes = DEFAULT_MESSAGE_LOG_BYTES;
    private boolean messageLogPings;
    private String name = "channels-client";
    private @Nullable SSLContext sslContext;
    private @Nullable SSLParameters sslParameters;
    private @Nullable InetSocketAddress proxy;
    private final Map<Family<?>, Function<Channel<?>, ? extends Event>> joins =
        new LinkedHashMap<>();

    Builder(URI uri) {
      Objects.requireNonNull(uri, "uri");
      String scheme = uri.getScheme();
      if (!"ws".equals(scheme) && !"wss".equals(scheme)) {
        throw new IllegalArgumentException("uri must be ws:// or wss://: " + uri);
      }
      this.uri = uri;
    }

    /**
     * Where the bearer token comes from: called before every connection attempt on a thread of
     * the client's own (never the loop or the callback thread, so it may block, e.g. to refresh
     * the token), its result sent as {@code Authorization: Bearer <token>} (no header when null
     * or blank). If it throws, the attempt fails and is retried with backoff.
     */
    public Builder token(Supplier<? extends @Nullable String> token) {
      Objects.requireNonNull(token, "token");
      this.token = () -> CompletableFuture.completedFuture(token.get());
      this.tokenBlocking = true;
      return this;
    }

    /**
     * An asynchronous token source: called before every connection attempt, off the loop; the
     * attempt waits (at most the connect timeout) for the stage. A failed stage, or none within
     * the connect timeout, fails the attempt, which is retried with backoff (never terminal).
     */
    public Builder tokenProvider(TokenProvider provider) {
      this.token = Objects.requireNonNull(provider, "provider");
      this.tokenBlocking = false;
      return this;
    }

    /** An extra HTTP header sent with every handshake (e.g. {@code Origin}). */
    public Builder header(String name, String value) {
      headers.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /** The families the client can decode and send; must match the server's. */
    public Builder registry(EventRegistry registry) {
      this.registry = Objects.requireNonNull(registry, "registry");
      return this;
    }

    /** The WebSocket implementation. Default {@link ClientTransport#jdk()}. */
    public Builder transport(ClientTransport transport) {
      this.transport = Objects.requireNonNull(transport, "transport");
      return this;
    }

    /**
     * The source of time and timers (heartbeat, backoff, connect, request and join timeouts,
     * the attempt reset). Default: a system scheduler the client creates and closes. One given
     * here is not closed by the client. Tests pass a {@code FakeScheduler}.
     */
    public Builder scheduler(Scheduler scheduler) {
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    /** Ping every {@code interval} once ready; reconnect if no pong within {@code pongTimeout}. */
    public Builder heartbeat(Duration interval, Duration pongTimeout) {
      this.heartbeatInterval = positive(interval, "heartbeat interval");
      this.pongTimeout = positive(pongTimeout, "pong timeout");
      return this;
    }

    /**
     * Whether a positive {@code heartbeatIntervalMs} in the server's {@code connected} event
     * replaces the configured interval (as PROTOCOL.md section 5 says clients SHOULD), with a
     * floor of 50 ms. Default true.
     */
    public Builder useServerHeartbeatInterval(boolean use) {
      this.useServerHeartbeatInterval = use;
      return this;
    }

    /**
     * Reconnection delays: {@code initial} before the first attempt, doubling for each further
     * attempt, never more than {@code max} (before {@link #reconnectJitter jitter}).
     */
    public Builder reconnectDelays(Duration initial, Duration max) {
      this.initialReconnectDelay = positive(initial, "initial reconnect delay");
      this.maxReconnectDelay = positive(max, "max reconnect delay");
      if (max.compareTo(initial) < 0) {
        throw new IllegalArgumentException("max reconnect delay " + max + " < initial " + initial);
      }
      return this;
    }

    /**
     * How reconnection (and join retry) delays are randomised. Default
     * {@link ReconnectJitter#EQUAL}.
     */
    public Builder reconnectJitter(ReconnectJitter jitter) {
      this.jitter = Objects.requireNonNull(jitter, "jitter");
      return this;
    }

    /** At most {@code attempts} reconnections in a row before giving up (0 = never reconnect). */
    public Builder maxReconnectAttempts(int attempts) {
      if (attempts < 0) {
        throw new IllegalArgumentException("maxReconnectAttempts must be >= 0: " + attempts);
      }
      this.maxReconnectAttempts = attempts;
      return this;
    }

    /** Never give up reconnecting. */
    public Builder unlimitedReconnectAttempts() {
      this.maxReconnectAttempts = ConnectionState.UNLIMITED;
      return this;
    }

    /**
     * How long a connection must stay ready before the attempt count (and the backoff) starts
     * again from the beginning; a server that accepts and then drops every connection is thus
     * retried with growing delays, not every second. Default 10 s.
     */
    public Builder resetAttemptsAfter(Duration ready) {
      this.resetAttemptsAfter = positive(ready, "resetAttemptsAfter");
      return this;
    }

    /** At most {@code capacity} messages wait while not ready; the oldest is dropped beyond. */
    public Builder sendQueueCapacity(int capacity) {
      if (capacity < 1) {
        throw new IllegalArgumentException("sendQueueCapacity must be >= 1: " + capacity);
      }
      this.sendQueueCapacity = capacity;
      return this;
    }

    /**
     * The cap on {@link ChannelClient#queueSize()}: a send that would go over it is refused
     * ({@code send} returns false, a request fails with {@code queue_full}) and counted.
     */
    public Builder maxQueuedBytes(long bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("maxQueuedBytes must be >= 1: " + bytes);
      }
      this.maxQueuedBytes = bytes;
      return this;
    }

    /**
     * The bound of the queue of events received and not yet handled, in events and in bytes
     * (of frame text). When either is reached the client stops reading the socket until the
     * queue is half empty; with a transport that cannot pause, it closes the connection with
     * {@link ChannelClient#INBOUND_OVERFLOW} and reconnects (nothing already received is lost).
     */
    public Builder inboundQueue(int maxEvents, long maxBytes) {
      if (maxEvents < 1) {
        throw new IllegalArgumentException("inbound maxEvents must be >= 1: " + maxEvents);
      }
      if (maxBytes < 1) {
        throw new IllegalArgumentException("inbound maxBytes must be >= 1: " + maxBytes);
      }
      this.inboundEvents = maxEvents;
      this.inboundBytes = maxBytes;
      return this;
    }

    /**
     * The largest frame, in UTF-8 bytes, accepted from the server and sent to it; default the
     * server's default (1 MiB). A larger frame from the server makes the client close with 1009
     * ({@code Closed(REJECTED)}); a larger event given to {@code send} is refused at the call.
     */
    public Builder maxFrameSize(int bytes) {
      if (bytes < 64) {
        throw new IllegalArgumentException("maxFrameSize must be >= 64: " + bytes);
      }
      this.maxFrameSize = bytes;
      return this;
    }

    /** How long getting the token, opening the socket and receiving {@code connected} may take. */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = positive(timeout, "connect timeout");
      return this;
    }

    /** The default timeout of {@link ChannelClient#request(Channel, Event)}. */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = positive(timeout, "request timeout");
      return this;
    }

    /**
     * How long a join may wait for its answer; then waiting {@code joined()} futures fail with
     * {@code join_timeout} and the join is sent again after a backoff delay.
     */
    public Builder joinTimeout(Duration timeout) {
      this.joinTimeout = positive(timeout, "join timeout");
      return this;
    }

    /** How many frames the {@link MessageLog} keeps (0 turns it off). */
    public Builder messageLogCapacity(int capacity) {
      if (capacity < 0) {
        throw new IllegalArgumentException("messageLogCapacity must be >= 0: " + capacity);
      }
      this.messageLogCapacity = capacity;
      return this;
    }

    /** How many bytes of payload the {@link MessageLog} keeps at most; oldest entries go first. */
    public Builder messageLogMaxBytes(long bytes) {
      if (bytes < 0) {
        throw new IllegalArgumentException("messageLogMaxBytes must be >= 0: " + bytes);
      }
      this.messageLogBytes = bytes;
      return this;
    }

    /** Whether {@code ping}s and {@code pong}s go into the message log. Default false. */
    public Builder messageLogPings(boolean log) {
      this.messageLogPings = log;
      return this;
    }

    /**
     * The TLS context for {@code wss://} (e.g. one trusting a private CA). Default: the JVM's
     * default {@link SSLContext}. The server's host name is verified either way.
     */
    public Builder sslContext(SSLContext context) {
      this.sslContext = Objects.requireNonNull(context, "context");
      return this;
    }

    /**
     * TLS parameters for {@code wss://}: protocols, cipher suites, server names (SNI),
     * application protocols. Host name verification stays on unless these set another
     * endpoint identification algorithm.
     */
    public Builder sslParameters(SSLParameters parameters) {
      this.sslParameters = Objects.requireNonNull(parameters, "parameters");
      return this;
    }

    /** Connect through an HTTP proxy with {@code CONNECT} (TLS, for {@code wss://}, inside it). */
    public Builder proxy(InetSocketAddress proxy) {
      this.proxy = Objects.requireNonNull(proxy, "proxy");
      return this;
    }

    /** A prefix for the client's thread names. Default {@code channels-client}. */
    public Builder name(String name) {
      if (Objects.requireNonNull(name, "name").isBlank()) {
        throw new IllegalArgumentException("name must not be blank");
      }
      this.name = name;
      return this;
    }

    /**
     * For channels of {@code family}, joining means sending the client event
     * {@code joinEvent.apply(channel)} on the channel itself (again after every reconnection)
     * instead of a {@code global} {@code subscribe}; nothing is sent when the last handler closes
     * (the server keeps the channel joined until the connection closes). The shell client uses
     * it with {@code ShellEvent.Init}. The family must be in the {@link #registry}. If
     * {@code joinEvent} throws, that join fails ({@code join_failed}) and nothing else is
     * affected.
     */
    public <E extends Event> Builder joinWith(Family<E> family,
        Function<Channel<E>, ? extends E> joinEvent) {
      Objects.requireNonNull(family, "family");
      Objects.requireNonNull(joinEvent, "joinEvent");
      @SuppressWarnings("unchecked")
      Function<Channel<?>, ? extends Event> f = c -> joinEvent.apply((Channel<E>) c);
      joins.put(family, f);
      return this;
    }

    /** The client, not yet connected: call {@link ChannelClient#connect()}. */
    public ChannelClient build() {
      for (Family<?> f : joins.keySet()) {
        if (registry.family(f.name()).orElse(null) != f) {
          throw new IllegalArgumentException("joinWith family '" + f.name()
              + "' is not in the registry");
        }
      }
      return new RealChannelClient(new ClientConfig(uri, token, tokenBlocking,
          Map.copyOf(headers), registry, transport, scheduler, heartbeatInterval, pongTimeout,
          useServerHeartbeatInterval, initialReconnectDelay, maxReconnectDelay,
          maxReconnectAttempts, jitter, resetAttemptsAfter, sendQueueCapacity, maxQueuedBytes,
          inboundEvents, inboundBytes, maxFrameSize, connectTimeout, requestTimeout,
          joinTimeout, messageLogCapacity, messageLogBytes, messageLogPings, name, sslContext,
          sslParameters, proxy, Map.copyOf(joins)));
    }

    private static Duration positive(Duration d, String what) {
      Objects.requireNonNull(d, what);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(what + " must be positive: " + d);
      }
      return d;
    }
  }

  /**
   * An asynchronous source of bearer tokens ({@link Builder#tokenProvider}): a stage completing
   * with the token, or null for none.
   */
  @FunctionalInterface
  interface TokenProvider {
    /** Starts getting a token for the next connection attempt. */
    CompletionStage<? extends @Nullable String> token();
  }
}
