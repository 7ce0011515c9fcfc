package io.github.jchannels.client.internal;

import io.github.jchannels.client.ActiveSubscription;
import io.github.jchannels.client.ChannelClient;
import io.github.jchannels.client.ChannelException;
import io.github.jchannels.client.ClientError;
import io.github.jchannels.client.ClientMetrics;
import io.github.jchannels.client.ClientSubscription;
import io.github.jchannels.client.ConnectionState;
import io.github.jchannels.client.ListenerHandle;
import io.github.jchannels.client.MessageLog;
import io.github.jchannels.core.Channel;
import io.github.jchannels.core.Channels;
import io.github.jchannels.core.Codec;
import io.github.jchannels.core.CodecLimits;
import io.github.jchannels.core.Decoded;
import io.github.jchannels.core.ErrorCode;
import io.github.jchannels.core.Event;
import io.github.jchannels.core.EventBus;
import io.github.jchannels.core.Frame;
import io.github.jchannels.core.GlobalEvent;
import io.github.jchannels.core.Reply;
import io.github.jchannels.core.Subscription;
import io.github.jchannels.core.transport.CloseCodes;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link ChannelClient} over Java-WebSocket. Not API.
 *
 * <p>All connection state is confined to one thread, the <em>loop</em> (a single-threaded
 * scheduler the client owns): public methods and socket callbacks only post tasks to it. User
 * code (handlers, listeners, future completions) runs on a second thread, the <em>callback</em>
 * thread ({@link Callbacks}), in order. Each connection attempt uses a fresh {@link WsSocket};
 * callbacks of a socket that is no longer current are ignored. Joins and requests are tracked
 * by {@link Joins} and {@link Requests}, also loop-confined.
 */
public final class RealChannelClient implements ChannelClient {
  private static final Logger log = LoggerFactory.getLogger(RealChannelClient.class);
  private static final AtomicInteger SEQ = new AtomicInteger();
  private static final Duration CLOSE_GRACE = Duration.ofSeconds(1);
  private static final long MIN_SERVER_HEARTBEAT_MS = 50;

  private final ClientConfig config;
  private final Codec codec;
  private final EventBus bus;
  private final Metrics metrics;
  private final RingMessageLog messageLog;
  private final Backoff backoff;
  private final ScheduledThreadPoolExecutor loop;
  private final Callbacks callbacks;
  private final Joins joins;
  private final Requests requests;
  /** Channel traffic sent while not ready. */
  private final SendQueue queue;
  private final AtomicLong refs = new AtomicLong();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final CopyOnWriteArrayList<Consumer<? super ConnectionState>> stateListeners =
      new CopyOnWriteArrayList<>();
  private final CopyOnWriteArrayList<Consumer<? super ClientError>> errorListeners =
      new CopyOnWriteArrayList<>();
  private final Listener socketListener = new Listener();
  /** Written on the loop only; read anywhere. */
  private volatile ConnectionState state = new ConnectionState.Idle();

  // ---- confined to the loop
  /** The current socket; null between attempts and after close. */
  private @Nullable WsSocket socket;
  /** Sockets whose threads may still run (current or closing): close() waits for them. */
  private final List<WsSocket> sockets = new ArrayList<>();
  /** Whether {@code connected} arrived on the current socket. */
  private boolean ready;
  /** Reconnection attempts since the client was last ready (or reset by hand). */
  private int attempt;
  /** The code of the last {@code global} {@code error} on this connection (tells 1008 apart). */
  private @Nullable String lastErrorCode;
  private @Nullable ScheduledFuture<?> reconnectTask;
  private @Nullable ScheduledFuture<?> connectTimeoutTask;
  /** The heartbeat of the current connection; running only while ready. */
  private final Heartbeat heartbeat;
  private final List<CompletableFuture<Void>> connectWaiters = new ArrayList<>();

  public RealChannelClient(ClientConfig config) {
    this.config = config;
    this.codec = Codec.forClient(config.registry());
    this.bus = new EventBus(new EventBus.Listener() {
      @Override
      public void firstHandlerAdded(Channel<?> channel) {
        post(() -> joins.gained(channel));
      }

      @Override
      public void lastHandlerRemoved(Channel<?> channel) {
        post(() -> joins.lost(channel));
      }
    });
    this.metrics = new Metrics(bus::handlerErrors);
    this.messageLog = new RingMessageLog(config.messageLogCapacity());
    this.backoff = new Backoff(config.initialReconnectDelay(), config.maxReconnectDelay(),
        config.reconnectJitter());
    String prefix = config.name() + "-" + SEQ.incrementAndGet();
    this.loop = new ScheduledThreadPoolExecutor(1, new NamedThreads(prefix + "-loop"));
    this.loop.setRemoveOnCancelPolicy(true);
    this.loop.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    this.callbacks = new Callbacks(prefix + "-callbacks");
    this.joins = new Joins(codec, config.joins(), refs, callbacks, this::transmit);
    this.queue = new SendQueue(config.sendQueueCapacity());
    this.requests = new Requests(loop, callbacks, queue::remove);
    this.heartbeat = new Heartbeat(loop, config.clock(), config.pongTimeout(), metrics,
        ts -> transmit(new Frames.Outgoing(Channels.global().name(), "ping",
            codec.encode(Channels.global(), new GlobalEvent.Ping(ts)), null)),
        () -> {
          WsSocket s = socket;
          if (s != null) {
            abandon(s, HEARTBEAT_TIMEOUT, "no pong within " + config.pongTimeout());
          }
        });
  }

  /** The settings this client was built with (for tests and diagnostics). */
  public ClientConfig config() {
    return config;
  }

  // =================================================================== public API

  @Override
  public CompletableFuture<Void> connect() {
    CompletableFuture<Void> f = new CompletableFuture<>();
    if (!post(() -> {
      if (ready) {
        callbacks.complete(f, null);
        return;
      }
      connectWaiters.add(f);
      if (state instanceof ConnectionState.Idle || state instanceof ConnectionState.Closed) {
        attempt = 0;
        startAttempt();
      }
    })) {
      f.completeExceptionally(closedException());
    }
    return f;
  }

  @Override
  public <E extends Event> ClientSubscription subscribe(Channel<E> channel,
      Consumer<? super E> handler) {
    checkKnown(channel);
    if (channel.family() == Channels.GLOBAL) {
      throw new IllegalArgumentException("'global' is not subscribed to: use state and error"
          + " listeners for connection-level events");
    }
    if (closed.get()) {
      throw new IllegalStateException("client is closed");
    }
    Subscription s = bus.on(channel, handler);
    CompletableFuture<Void> joined = new CompletableFuture<>();
    if (!post(() -> joins.await(channel, joined))) {
      joined.completeExceptionally(new CancellationException("client is closed"));
    }
    return new Handle(s, joined);
  }

  @Override
  public <E extends Event> boolean send(Channel<E> channel, E event) {
    checkKnown(channel);
    Frame frame = codec.encode(channel, event);
    String type = Frames.typeOf(channel, event);
    return post(() -> sendOrQueue(new Frames.Outgoing(channel.name(), type, frame, null)));
  }

  @Override
  public <E extends Event> boolean sendIfReady(Channel<E> channel, E event) {
    checkKnown(channel);
    if (!state.isReady()) {
      return false;
    }
    Frame frame = codec.encode(channel, event);
    String type = Frames.typeOf(channel, event);
    return post(() -> {
      if (ready && socket != null) {
        transmit(new Frames.Outgoing(channel.name(), type, frame, null));
      }
    });
  }

  @Override
  public <E extends Event> CompletableFuture<Reply> request(Channel<E> channel, E event) {
    return request(channel, event, config.requestTimeout());
  }

  @Override
  public <E extends Event> CompletableFuture<Reply> request(Channel<E> channel, E event,
      Duration timeout) {
    checkKnown(channel);
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive: " + timeout);
    }
    String ref = "r" + refs.incrementAndGet();
    Frame frame = codec.encode(channel, event, ref);
    String type = Frames.typeOf(channel, event);
    CompletableFuture<Reply> f = new CompletableFuture<>();
    if (!post(() -> {
      requests.add(ref, channel.name(), f, timeout);
      sendOrQueue(new Frames.Outgoing(channel.name(), type, frame, ref));
    })) {
      f.completeExceptionally(closedException());
    }
    return f;
  }

  @Override
  public <T> T convert(@Nullable Object value, Class<T> type) {
    return codec.convert(value, type);
  }

  @Override
  public ConnectionState state() {
    return state;
  }

  @Override
  public ListenerHandle addStateListener(Consumer<? super ConnectionState> listener) {
    stateListeners.add(listener);
    return () -> stateListeners.remove(listener);
  }

  @Override
  public ListenerHandle addErrorListener(Consumer<? super ClientError> listener) {
    errorListeners.add(listener);
    return () -> errorListeners.remove(listener);
  }

  @Override
  public void reconnect() {
    if (!post(this::manualReconnect)) {
      throw new IllegalStateException("client is closed");
    }
  }

  @Override
  public ClientMetrics metrics() {
    return metrics;
  }

  @Override
  public MessageLog messageLog() {
    return messageLog;
  }

  @Override
  public List<ActiveSubscription> subscriptions() {
    Map<String, Boolean> joined = Map.of();
    try {
      joined = loop.submit(joins::joinedByChannel).get(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      // closed: report what the bus knows
    }
    List<ActiveSubscription> out = new ArrayList<>();
    for (Channel<?> c : bus.activeChannels()) {
      out.add(new ActiveSubscription(c, bus.handlerCount(c), joined.getOrDefault(c.name(), false)));
    }
    out.sort(Comparator.comparing(a -> a.channel().name()));
    return out;
  }

  @Override
  public int queuedMessages() {
    return queue.size();
  }

  @Override
  public URI uri() {
    return config.uri();
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    List<WsSocket> toFinish = new ArrayList<>();
    try {
      loop.submit(() -> shutdownOnLoop(toFinish)).get(5, TimeUnit.SECONDS);
    } catch (RejectedExecutionException e) {
      // already shut down
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      log.warn("Client shutdown did not finish in time: {}", e.toString());
    }
    loop.shutdownNow();
    try {
      long deadline = System.nanoTime() + CLOSE_GRACE.toNanos();
      for (WsSocket s : toFinish) {
        if (!s.awaitFinished(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())))) {
          s.abort("client closed"); // no close handshake in time: drop the TCP connection
        }
      }
      for (WsSocket s : toFinish) {
        if (!s.awaitFinished(CLOSE_GRACE)) {
          log.warn("A socket thread did not end within {}", CLOSE_GRACE);
        }
      }
      loop.awaitTermination(2, TimeUnit.SECONDS);
      callbacks.shutdown();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // =================================================================== loop: lifecycle

  private void startAttempt() {
    cancel(reconnectTask);
    reconnectTask = null;
    Map<String, String> headers = new LinkedHashMap<>(config.headers());
    try {
      String token = config.token().get();
      if (token != null && !token.isBlank()) {
        headers.put("Authorization", "Bearer " + token);
      }
    } catch (RuntimeException e) {
      log.warn("Token supplier failed; connecting without a token", e);
    }
    WsSocket s = new WsSocket(config.uri(), headers, config.connectTimeout(),
        CodecLimits.defaults().maxDocumentLength(), config.sslContext(), socketListener);
    socket = s;
    sockets.add(s);
    lastErrorCode = null;
    setState(new ConnectionState.Connecting(attempt, config.maxReconnectAttempts()));
    connectTimeoutTask = loop.schedule(() -> {
      if (socket == s && !ready) {
        abandon(s, CONNECT_TIMEOUT, "not ready within " + config.connectTimeout());
      }
    }, config.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
    log.debug("Connecting to {} (attempt {})", config.uri(), attempt);
    try {
      s.connect();
    } catch (RuntimeException e) { // e.g. no thread could be started: counts as a failed attempt
      log.warn("Could not start connecting to {}", config.uri(), e);
      sockets.remove(s);
      connectionLost();
      scheduleReconnect(CloseCodes.ABNORMAL, String.valueOf(e.getMessage()));
    }
  }

  private void opened(WsSocket s) {
    if (s != socket) {
      return;
    }
    log.debug("Socket open; waiting for 'connected'");
    setState(new ConnectionState.Open());
  }

  /** {@code connected}: ready; join every channel, then flush the queue, then ping. */
  private void becameReady(GlobalEvent.Connected c) {
    if (ready) {
      log.warn("Ignored a second 'connected' on one connection");
      return;
    }
    ready = true;
    attempt = 0;
    cancel(connectTimeoutTask);
    connectTimeoutTask = null;
    setState(new ConnectionState.Ready(c.clientId()));
    joins.ready();
    if (queue.size() > 0) {
      log.debug("Flushing the send queue: {} messages", queue.size());
    }
    for (Frames.Outgoing o = queue.poll(); o != null; o = queue.poll()) {
      transmit(o);
    }
    Duration interval = config.heartbeatInterval();
    if (config.useServerHeartbeatInterval() && c.heartbeatIntervalMs() > 0) {
      // the server's value is taken, but never below a floor that would make pinging a flood
      interval = Duration.ofMillis(Math.max(MIN_SERVER_HEARTBEAT_MS, c.heartbeatIntervalMs()));
    }
    heartbeat.start(interval);
    List<CompletableFuture<Void>> waiters = List.copyOf(connectWaiters);
    connectWaiters.clear();
    callbacks.run(() -> waiters.forEach(f -> f.complete(null)));
  }

  /** The close-code policy of PROTOCOL.md section 8. */
  private void socketClosed(WsSocket s, int code, String reason, boolean remote) {
    sockets.remove(s);
    if (s != socket) {
      return;
    }
    log.info("Connection closed: {} {} ({})", code, reason, remote ? "by server" : "locally");
    connectionLost();
    switch (code) {
      case CloseCodes.NORMAL -> closedFor(ConnectionState.CloseReason.NORMAL, code, reason);
      case CloseCodes.POLICY_VIOLATION -> closedFor(
          ErrorCode.RATE_LIMITED.wire().equals(lastErrorCode)
              ? ConnectionState.CloseReason.RATE_LIMITED
              : ConnectionState.CloseReason.UNAUTHORIZED, code, reason);
      case CloseCodes.UNSUPPORTED_DATA, CloseCodes.TOO_BIG ->
          closedFor(ConnectionState.CloseReason.REJECTED, code, reason);
      default -> scheduleReconnect(code, reason);
    }
  }

  /** Gives up on socket {@code s} (heartbeat or connect timeout) and reconnects with backoff. */
  private void abandon(WsSocket s, int code, String why) {
    log.warn("Closing the connection: {}", why);
    retire(s, code, why);
    connectionLost();
    scheduleReconnect(code, why);
  }

  /** Closes {@code s} in the background; it stops being current. */
  private void retire(WsSocket s, int code, String why) {
    if (socket == s) {
      socket = null;
    }
    s.close(code, why);
    loop.schedule(() -> {
      if (!s.isFinished()) {
        s.abort(why);
      }
    }, CLOSE_GRACE.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Resets per-connection state after the current connection ended. */
  private void connectionLost() {
    socket = null;
    ready = false;
    heartbeat.stop();
    cancel(connectTimeoutTask);
    connectTimeoutTask = null;
    joins.connectionLost();
    requests.connectionLost();
  }

  private void scheduleReconnect(int code, String reason) {
    int max = config.maxReconnectAttempts();
    if (max != ConnectionState.UNLIMITED && attempt >= max) {
      log.warn("Gave up after {} reconnection attempts", attempt);
      closedFor(ConnectionState.CloseReason.GAVE_UP, code, reason);
      return;
    }
    attempt++;
    Duration delay = backoff.delay(attempt, () -> ThreadLocalRandom.current().nextDouble());
    log.info("Reconnecting in {} ms (attempt {} of {})", delay.toMillis(), attempt,
        max == ConnectionState.UNLIMITED ? "unlimited" : max);
    setState(new ConnectionState.Reconnecting(attempt, max, delay, code, reason));
    reconnectTask = loop.schedule(() -> {
      reconnectTask = null;
      metrics.reconnection();
      startAttempt();
    }, delay.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void closedFor(ConnectionState.CloseReason reason, int code, @Nullable String detail) {
    List<CompletableFuture<Void>> waiters = List.copyOf(connectWaiters);
    connectWaiters.clear();
    ChannelException e = new ChannelException(reason.name().toLowerCase(Locale.ROOT),
        "connection closed (" + code + (detail == null || detail.isEmpty() ? "" : " " + detail)
            + ")", null, null);
    // the futures fail before the state listeners hear of it
    callbacks.run(() -> waiters.forEach(f -> f.completeExceptionally(e)));
    setState(new ConnectionState.Closed(reason, code, detail));
  }

  private void manualReconnect() {
    cancel(reconnectTask);
    reconnectTask = null;
    WsSocket s = socket;
    if (s != null) {
      retire(s, CloseCodes.NORMAL, "reconnecting");
      connectionLost();
    }
    attempt = 0;
    metrics.reconnection();
    startAttempt();
  }

  private void shutdownOnLoop(List<WsSocket> toFinish) {
    cancel(reconnectTask);
    WsSocket s = socket;
    if (s != null) {
      s.close(CloseCodes.NORMAL, "client closed");
    }
    connectionLost();
    toFinish.addAll(sockets);
    sockets.clear();
    requests.failAll(closedException());
    queue.clear();
    joins.cancelAll();
    closedFor(ConnectionState.CloseReason.NORMAL, CloseCodes.NORMAL, "client closed");
  }

  // =================================================================== loop: sending

  private void sendOrQueue(Frames.Outgoing o) {
    if (ready && socket != null) {
      transmit(o);
      return;
    }
    Frames.Outgoing dropped = queue.add(o);
    if (dropped != null) {
      metrics.dropped();
      log.warn("Send queue full ({}): dropped the oldest message, {} on {}", queue.capacity(),
          dropped.type(), dropped.channel());
      if (dropped.ref() != null) {
        requests.dropped(dropped.ref());
      }
    }
  }

  private void transmit(Frames.Outgoing o) {
    WsSocket s = socket;
    if (s == null) {
      return;
    }
    if (o.ref() != null) {
      requests.markSent(o.ref());
    }
    if (s.send(o.frame().text())) {
      metrics.sent();
      messageLog.add(new MessageLog.Entry(MessageLog.Direction.SENT, o.channel(), o.type(),
          config.clock().instant(), o.frame().text()));
    }
  }

  // =================================================================== loop: receiving

  private void received(WsSocket s, String text) {
    if (s != socket) {
      return;
    }
    metrics.received();
    Decoded d = codec.decode(text, c -> true);
    messageLog.add(new MessageLog.Entry(MessageLog.Direction.RECEIVED, Frames.channelOf(d),
        Frames.typeOf(d), config.clock().instant(), text));
    switch (d) {
      case Decoded.Failure f -> invalidFrame(f, text);
      case Decoded.Control c -> control(c.event(), c.ref());
      case Decoded.ReplyMessage r -> {
        if (!requests.reply(r.ref(), r.reply()) && !joins.reply(r.ref(), r.reply())) {
          log.debug("Reply to an unknown or expired request {}", r.ref());
        }
      }
      case Decoded.Message m -> {
        joins.message(m.channel());
        callbacks.run(() -> bus.emit(m.channel(), m.event()));
      }
    }
  }

  private void invalidFrame(Decoded.Failure f, String text) {
    metrics.invalidFrame();
    log.warn("Ignored an invalid frame from the server ({}: {}): {}", f.code().wire(),
        f.message(), text.length() > 200 ? text.substring(0, 200) + "…" : text);
    reportError(new ClientError(ClientError.INVALID_FRAME, f.code().wire() + ": " + f.message(),
        f.channel(), f.ref()));
  }

  private void control(GlobalEvent event, @Nullable String ref) {
    switch (event) {
      case GlobalEvent.Connected c -> becameReady(c);
      case GlobalEvent.Pong p -> heartbeat.pong(p.timestamp());
      case GlobalEvent.SubscriptionSuccess ok -> joins.subscribed(ok.channel(), ref);
      case GlobalEvent.SubscriptionError err -> {
        log.warn("Subscription to {} failed: {} {}", err.channel(), err.error(), err.message());
        joins.refused(err.channel(), ref, err.error(), err.message());
        reportError(new ClientError(err.error(), err.message(), err.channel(), ref));
      }
      case GlobalEvent.Unsubscribed u -> log.debug("Left {}", u.channel());
      case GlobalEvent.ProtocolError err -> {
        lastErrorCode = err.error();
        if (!requests.error(ref, err.error(), err.message())) {
          joins.error(ref, err.error(), err.message());
          log.warn("Server error: {} {}{}", err.error(), err.message(),
              err.channel() == null ? "" : " on " + err.channel());
          reportError(new ClientError(err.error(), err.message(), err.channel(), ref));
        }
      }
      // client→server types; a client codec never yields them
      case GlobalEvent.Subscribe x -> log.warn("Unexpected from the server: {}", x);
      case GlobalEvent.Unsubscribe x -> log.warn("Unexpected from the server: {}", x);
      case GlobalEvent.Ping x -> log.warn("Unexpected from the server: {}", x);
    }
  }

  // =================================================================== helpers

  private void setState(ConnectionState s) {
    state = s;
    callbacks.run(() -> {
      for (Consumer<? super ConnectionState> l : stateListeners) {
        try {
          l.accept(s);
        } catch (RuntimeException e) {
          metrics.listenerError();
          log.error("State listener failed on {}", s, e);
        }
      }
    });
  }

  private void reportError(ClientError e) {
    callbacks.run(() -> {
      for (Consumer<? super ClientError> l : errorListeners) {
        try {
          l.accept(e);
        } catch (RuntimeException ex) {
          metrics.listenerError();
          log.error("Error listener failed on {}", e, ex);
        }
      }
    });
  }

  /** Runs {@code r} on the loop; false if the client is closed. */
  private boolean post(Runnable r) {
    if (closed.get()) {
      return false;
    }
    try {
      loop.execute(() -> {
        try {
          r.run();
        } catch (RuntimeException e) {
          log.error("Client loop task failed", e);
        }
      });
      return true;
    } catch (RejectedExecutionException e) {
      return false;
    }
  }

  private static void cancel(@Nullable Future<?> f) {
    if (f != null) {
      f.cancel(false);
    }
  }

  private static ChannelException closedException() {
    return new ChannelException(ChannelException.CLIENT_CLOSED, "the client is closed", null, null);
  }

  private void checkKnown(Channel<?> channel) {
    if (config.registry().family(channel.family().name()).orElse(null) != channel.family()) {
      throw new IllegalArgumentException("family '" + channel.family().name()
          + "' is not in the client's registry");
    }
  }

  /** Socket callbacks, handed to the loop. */
  private final class Listener implements SocketListener {
    @Override
    public void onOpen(WsSocket s) {
      post(() -> opened(s));
    }

    @Override
    public void onText(WsSocket s, String text) {
      post(() -> received(s, text));
    }

    @Override
    public void onBinary(WsSocket s, int length) {
      post(() -> {
        if (s == socket) {
          metrics.received();
          invalidFrame(new Decoded.Failure(ErrorCode.INVALID_MESSAGE,
              "binary frame of " + length + " bytes", null, null), "<binary>");
        }
      });
    }

    @Override
    public void onClose(WsSocket s, int code, String reason, boolean remote) {
      post(() -> socketClosed(s, code, reason, remote));
    }
  }

  /** What {@link #subscribe} returns. */
  private static final class Handle implements ClientSubscription {
    private final Subscription subscription;
    private final CompletableFuture<Void> joined;

    Handle(Subscription subscription, CompletableFuture<Void> joined) {
      this.subscription = subscription;
      this.joined = joined;
    }

    @Override
    public CompletableFuture<Void> joined() {
      return joined;
    }

    @Override
    public Channel<?> channel() {
      return subscription.channel();
    }

    @Override
    public void close() {
      subscription.close();
      joined.cancel(false);
    }
  }
}
