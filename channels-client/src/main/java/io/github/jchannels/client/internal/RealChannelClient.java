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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
 * thread, in order. Each connection attempt uses a fresh {@link WsSocket}; callbacks of a socket
 * that is no longer current are ignored.
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
  private final ExecutorService callbacks;
  private final NamedThreads callbackThreads;
  private final AtomicLong refs = new AtomicLong();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final CopyOnWriteArrayList<Consumer<? super ConnectionState>> stateListeners =
      new CopyOnWriteArrayList<>();
  private final CopyOnWriteArrayList<Consumer<? super ClientError>> errorListeners =
      new CopyOnWriteArrayList<>();
  private final Listener socketListener = new Listener();
  /** Written on the loop only; read anywhere. */
  private volatile ConnectionState state = new ConnectionState.Idle();
  /** Loop-confined; mirrored for {@link #queuedMessages()}. */
  private volatile int queued;

  // ---- loop-confined state
  /** The current socket; null between attempts and after close. */
  private @Nullable WsSocket socket;
  /** Sockets that are closing or current: their threads must end before close() returns. */
  private final List<WsSocket> sockets = new ArrayList<>();
  private boolean ready;
  /** Reconnection attempts since the last time the client was ready (or reset by hand). */
  private int attempt;
  private @Nullable String lastErrorCode;
  private @Nullable ScheduledFuture<?> reconnectTask;
  private @Nullable ScheduledFuture<?> connectTimeoutTask;
  private @Nullable ScheduledFuture<?> pingTask;
  private @Nullable ScheduledFuture<?> pongTimeoutTask;
  /** Timestamp of the ping awaiting its pong; -1 when none. */
  private long awaitingPong = -1;
  private final ArrayDeque<Outgoing> queue = new ArrayDeque<>();
  private final Map<String, Pending> pending = new LinkedHashMap<>();
  private final Map<String, Join> joins = new LinkedHashMap<>();
  private final List<CompletableFuture<Void>> connectWaiters = new ArrayList<>();

  /** A frame waiting for the connection to be ready. */
  private record Outgoing(String channel, String type, Frame frame, @Nullable String ref) {}

  /** A request waiting for its reply. */
  private static final class Pending {
    final CompletableFuture<Reply> future;
    final String channel;
    @Nullable ScheduledFuture<?> timeout;
    boolean sent;

    Pending(CompletableFuture<Reply> future, String channel) {
      this.future = future;
      this.channel = channel;
    }
  }

  public RealChannelClient(ClientConfig config) {
    this.config = config;
    this.codec = Codec.forClient(config.registry());
    this.bus = new EventBus(new EventBus.Listener() {
      @Override
      public void firstHandlerAdded(Channel<?> channel) {
        post(() -> channelGained(channel));
      }

      @Override
      public void lastHandlerRemoved(Channel<?> channel) {
        post(() -> channelLost(channel));
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
    this.callbackThreads = new NamedThreads(prefix + "-callbacks");
    this.callbacks = Executors.newSingleThreadExecutor(callbackThreads);
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
        f.complete(null);
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
    if (closed.get()) {
      throw new IllegalStateException("client is closed");
    }
    Subscription s = bus.on(channel, handler);
    CompletableFuture<Void> joined = new CompletableFuture<>();
    if (!post(() -> addWaiter(channel, joined))) {
      joined.completeExceptionally(new CancellationException("client is closed"));
    }
    return new Handle(s, joined);
  }

  @Override
  public <E extends Event> boolean send(Channel<E> channel, E event) {
    checkKnown(channel);
    Frame frame = codec.encode(channel, event);
    String type = typeOf(channel, event);
    return post(() -> sendOrQueue(new Outgoing(channel.name(), type, frame, null)));
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
    String type = typeOf(channel, event);
    CompletableFuture<Reply> f = new CompletableFuture<>();
    if (!post(() -> {
      Pending p = new Pending(f, channel.name());
      pending.put(ref, p);
      p.timeout = loop.schedule(() -> requestTimedOut(ref, timeout), timeout.toMillis(),
          TimeUnit.MILLISECONDS);
      sendOrQueue(new Outgoing(channel.name(), type, frame, ref));
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
    Map<String, Boolean> joinedNow = new LinkedHashMap<>();
    try {
      loop.submit(() -> joins.forEach((k, j) -> joinedNow.put(k, j.status == Join.Status.JOINED)))
          .get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      // closed or interrupted: report what the bus knows
    }
    List<ActiveSubscription> out = new ArrayList<>();
    for (Channel<?> c : bus.activeChannels()) {
      out.add(new ActiveSubscription(c, bus.handlerCount(c),
          joinedNow.getOrDefault(c.name(), false)));
    }
    out.sort((a, b) -> a.channel().name().compareTo(b.channel().name()));
    return out;
  }

  @Override
  public int queuedMessages() {
    return queued;
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
    Future<?> shutdown;
    try {
      shutdown = loop.submit(() -> shutdownOnLoop(toFinish));
    } catch (RejectedExecutionException e) {
      shutdown = CompletableFuture.completedFuture(null);
    }
    try {
      shutdown.get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.warn("Client shutdown did not finish in time: {}", e.toString());
    }
    loop.shutdownNow();
    try {
      long deadline = System.nanoTime() + CLOSE_GRACE.toNanos();
      for (WsSocket s : toFinish) {
        long left = Math.max(0, deadline - System.nanoTime());
        if (!s.awaitFinished(Duration.ofNanos(left))) {
          s.abort("client closed");
        }
      }
      for (WsSocket s : toFinish) {
        if (!s.awaitFinished(CLOSE_GRACE)) {
          log.warn("A socket thread did not end within {}", CLOSE_GRACE);
        }
      }
      loop.awaitTermination(2, TimeUnit.SECONDS);
      callbacks.shutdown();
      if (!isCallbackThread()) {
        callbacks.awaitTermination(2, TimeUnit.SECONDS);
      }
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
    s.connect();
  }

  private void opened(WsSocket s) {
    if (s != socket) {
      return;
    }
    log.debug("Socket open; waiting for 'connected'");
    setState(new ConnectionState.Open());
  }

  private void becameReady(WsSocket s, GlobalEvent.Connected c) {
    if (ready) {
      log.warn("Ignored a second 'connected' on one connection");
      return;
    }
    ready = true;
    attempt = 0;
    cancel(connectTimeoutTask);
    connectTimeoutTask = null;
    setState(new ConnectionState.Ready(c.clientId()));
    for (Join j : joins.values()) {
      sendJoin(j);
    }
    if (!queue.isEmpty()) {
      log.debug("Flushing the send queue: {} messages", queue.size());
    }
    while (!queue.isEmpty() && socket == s) {
      Outgoing o = queue.pollFirst();
      queued = queue.size();
      transmit(o);
    }
    Duration interval = config.heartbeatInterval();
    if (config.useServerHeartbeatInterval() && c.heartbeatIntervalMs() > 0) {
      // a server's value is taken, but never below a floor that would make pinging a flood
      interval = Duration.ofMillis(Math.max(MIN_SERVER_HEARTBEAT_MS, c.heartbeatIntervalMs()));
    }
    long ms = interval.toMillis();
    pingTask = loop.scheduleAtFixedRate(() -> ping(s), ms, ms, TimeUnit.MILLISECONDS);
    List<CompletableFuture<Void>> waiters = new ArrayList<>(connectWaiters);
    connectWaiters.clear();
    callback(() -> waiters.forEach(f -> f.complete(null)));
  }

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
    awaitingPong = -1;
    cancel(connectTimeoutTask);
    cancel(pingTask);
    cancel(pongTimeoutTask);
    connectTimeoutTask = null;
    pingTask = null;
    pongTimeoutTask = null;
    for (Join j : joins.values()) {
      j.status = Join.Status.NOT_SENT;
      j.ref = null;
    }
    for (Iterator<Map.Entry<String, Pending>> it = pending.entrySet().iterator(); it.hasNext(); ) {
      Pending p = it.next().getValue();
      if (p.sent) {
        it.remove();
        cancel(p.timeout);
        fail(p.future, new ChannelException(ChannelException.CONNECTION_LOST,
            "the connection closed before the reply", p.channel, null));
      }
    }
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
    setState(new ConnectionState.Closed(reason, code, detail));
    List<CompletableFuture<Void>> waiters = new ArrayList<>(connectWaiters);
    connectWaiters.clear();
    ChannelException e = new ChannelException(reason.name().toLowerCase(java.util.Locale.ROOT),
        "connection closed (" + code + (detail == null || detail.isEmpty() ? "" : " " + detail)
            + ")", null, null);
    callback(() -> waiters.forEach(f -> f.completeExceptionally(e)));
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
    socket = null;
    connectionLost();
    toFinish.addAll(sockets);
    sockets.clear();
    ChannelException gone = closedException();
    for (Pending p : pending.values()) {
      cancel(p.timeout);
      fail(p.future, gone);
    }
    pending.clear();
    queue.clear();
    queued = 0;
    for (Join j : joins.values()) {
      List<CompletableFuture<Void>> w = new ArrayList<>(j.waiters);
      j.waiters.clear();
      callback(() -> w.forEach(f -> f.cancel(false)));
    }
    closedFor(ConnectionState.CloseReason.NORMAL, CloseCodes.NORMAL, "client closed");
  }

  // =================================================================== loop: heartbeat

  private void ping(WsSocket s) {
    if (s != socket || !ready || awaitingPong >= 0) {
      return;
    }
    long ts = config.clock().millis();
    awaitingPong = ts;
    transmit(new Outgoing(Channels.global().name(), "ping",
        codec.encode(Channels.global(), new GlobalEvent.Ping(ts)), null));
    pongTimeoutTask = loop.schedule(() -> {
      if (s == socket && awaitingPong == ts) {
        abandon(s, HEARTBEAT_TIMEOUT, "no pong within " + config.pongTimeout());
      }
    }, config.pongTimeout().toMillis(), TimeUnit.MILLISECONDS);
  }

  private void pong(GlobalEvent.Pong p) {
    metrics.latency(config.clock().millis() - p.timestamp());
    if (awaitingPong >= 0 && p.timestamp() >= awaitingPong) {
      awaitingPong = -1;
      cancel(pongTimeoutTask);
      pongTimeoutTask = null;
    }
  }

  // =================================================================== loop: sending

  private void sendOrQueue(Outgoing o) {
    if (ready && socket != null) {
      transmit(o);
      return;
    }
    if (queue.size() >= config.sendQueueCapacity()) {
      Outgoing dropped = queue.pollFirst();
      metrics.dropped();
      log.warn("Send queue full ({}): dropped the oldest message, {} on {}",
          config.sendQueueCapacity(), dropped.type(), dropped.channel());
      if (dropped.ref() != null) {
        Pending p = pending.remove(dropped.ref());
        if (p != null) {
          cancel(p.timeout);
          fail(p.future, new ChannelException(ChannelException.DROPPED,
              "dropped from the full send queue", p.channel, null));
        }
      }
    }
    queue.addLast(o);
    queued = queue.size();
  }

  private void transmit(Outgoing o) {
    WsSocket s = socket;
    if (s == null) {
      return;
    }
    if (o.ref() != null) {
      Pending p = pending.get(o.ref());
      if (p != null) {
        p.sent = true;
      }
    }
    if (s.send(o.frame().text())) {
      metrics.sent();
      messageLog.add(new MessageLog.Entry(MessageLog.Direction.SENT, o.channel(), o.type(),
          config.clock().instant(), o.frame().text()));
    }
  }

  private void requestTimedOut(String ref, Duration timeout) {
    Pending p = pending.remove(ref);
    if (p == null) {
      return;
    }
    queue.removeIf(o -> ref.equals(o.ref()));
    queued = queue.size();
    fail(p.future, new TimeoutException("no reply to request " + ref + " on " + p.channel
        + " within " + timeout));
  }

  // =================================================================== loop: joins

  private void channelGained(Channel<?> channel) {
    Join j = joins.computeIfAbsent(channel.name(), k -> new Join(channel));
    if (ready) {
      sendJoin(j);
    }
  }

  private void channelLost(Channel<?> channel) {
    Join j = joins.remove(channel.name());
    if (j == null) {
      return;
    }
    List<CompletableFuture<Void>> w = new ArrayList<>(j.waiters);
    callback(() -> w.forEach(f -> f.cancel(false)));
    if (ready && j.status != Join.Status.NOT_SENT && !config.joins().containsKey(channel.family())) {
      transmit(new Outgoing(Channels.global().name(), "unsubscribe",
          codec.encode(Channels.global(), new GlobalEvent.Unsubscribe(channel.name()),
              "u" + refs.incrementAndGet()), null));
    }
  }

  private void addWaiter(Channel<?> channel, CompletableFuture<Void> f) {
    Join j = joins.get(channel.name());
    if (j == null) {
      callback(() -> f.cancel(false)); // closed before it got here
      return;
    }
    if (j.status == Join.Status.JOINED) {
      callback(() -> f.complete(null));
      return;
    }
    j.waiters.add(f);
    if (ready && j.status == Join.Status.FAILED) {
      sendJoin(j); // a new handler is a new try
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private void sendJoin(Join j) {
    String ref = "s" + refs.incrementAndGet();
    j.ref = ref;
    j.status = Join.Status.PENDING;
    var joinWith = config.joins().get(j.channel.family());
    if (joinWith != null) {
      Event e = joinWith.apply(j.channel);
      Channel raw = j.channel;
      transmit(new Outgoing(j.channel.name(), typeOf(raw, e), codec.encode(raw, e, ref), ref));
    } else {
      transmit(new Outgoing(Channels.global().name(), "subscribe",
          codec.encode(Channels.global(), new GlobalEvent.Subscribe(j.channel.name()), ref), null));
    }
  }

  private void joinSucceeded(Join j) {
    j.status = Join.Status.JOINED;
    j.ref = null;
    List<CompletableFuture<Void>> w = new ArrayList<>(j.waiters);
    j.waiters.clear();
    callback(() -> w.forEach(f -> f.complete(null)));
  }

  private void joinFailed(Join j, String code, String message) {
    j.status = Join.Status.FAILED;
    j.ref = null;
    List<CompletableFuture<Void>> w = new ArrayList<>(j.waiters);
    j.waiters.clear();
    ChannelException e = new ChannelException(code, message, j.channel.name(), null);
    callback(() -> w.forEach(f -> f.completeExceptionally(e)));
  }

  private @Nullable Join joinByRef(@Nullable String ref) {
    if (ref == null) {
      return null;
    }
    for (Join j : joins.values()) {
      if (ref.equals(j.ref)) {
        return j;
      }
    }
    return null;
  }

  // =================================================================== loop: receiving

  private void received(WsSocket s, String text) {
    if (s != socket) {
      return;
    }
    metrics.received();
    Decoded d = codec.decode(text, c -> true);
    messageLog.add(new MessageLog.Entry(MessageLog.Direction.RECEIVED, channelOf(d), typeOf(d),
        config.clock().instant(), text));
    switch (d) {
      case Decoded.Failure f -> invalidFrame(f, text);
      case Decoded.Control c -> control(s, c.event(), c.ref());
      case Decoded.ReplyMessage r -> reply(r);
      case Decoded.Message m -> message(m);
    }
  }

  private void invalidFrame(Decoded.Failure f, String text) {
    metrics.invalidFrame();
    log.warn("Ignored an invalid frame from the server ({}: {}): {}", f.code().wire(),
        f.message(), text.length() > 200 ? text.substring(0, 200) + "…" : text);
    reportError(new ClientError(ClientError.INVALID_FRAME, f.code().wire() + ": " + f.message(),
        f.channel(), f.ref()));
  }

  private void control(WsSocket s, GlobalEvent event, @Nullable String ref) {
    switch (event) {
      case GlobalEvent.Connected c -> becameReady(s, c);
      case GlobalEvent.Pong p -> pong(p);
      case GlobalEvent.SubscriptionSuccess ok -> {
        Join j = joinByRef(ref);
        if (j == null) {
          j = joins.get(ok.channel());
        }
        if (j != null && j.status == Join.Status.PENDING && j.channel.name().equals(ok.channel())) {
          joinSucceeded(j);
        }
      }
      case GlobalEvent.SubscriptionError err -> {
        Join j = joinByRef(ref);
        if (j == null) {
          j = joins.get(err.channel());
        }
        log.warn("Subscription to {} failed: {} {}", err.channel(), err.error(), err.message());
        if (j != null && j.status == Join.Status.PENDING) {
          joinFailed(j, err.error(), err.message());
        }
        reportError(new ClientError(err.error(), err.message(), err.channel(), ref));
      }
      case GlobalEvent.Unsubscribed u -> log.debug("Left {}", u.channel());
      case GlobalEvent.ProtocolError err -> protocolError(err, ref);
      case GlobalEvent.Subscribe x -> log.warn("Unexpected client event from server: {}", x);
      case GlobalEvent.Unsubscribe x -> log.warn("Unexpected client event from server: {}", x);
      case GlobalEvent.Ping x -> log.warn("Unexpected client event from server: {}", x);
    }
  }

  private void protocolError(GlobalEvent.ProtocolError err, @Nullable String ref) {
    lastErrorCode = err.error();
    Pending p = ref == null ? null : pending.remove(ref);
    if (p != null) {
      cancel(p.timeout);
      fail(p.future, new ChannelException(err.error(), err.message(), p.channel, null));
      return;
    }
    Join j = joinByRef(ref);
    if (j != null) {
      joinFailed(j, err.error(), err.message());
    }
    log.warn("Server error: {} {}{}", err.error(), err.message(),
        err.channel() == null ? "" : " on " + err.channel());
    reportError(new ClientError(err.error(), err.message(), err.channel(), ref));
  }

  private void reply(Decoded.ReplyMessage r) {
    Pending p = pending.remove(r.ref());
    if (p != null) {
      cancel(p.timeout);
      Reply reply = r.reply();
      if (reply.isOk()) {
        callback(() -> p.future.complete(reply));
      } else {
        String code = "error";
        String message = "request failed";
        if (reply.response() instanceof Map<?, ?> m) {
          code = String.valueOf(m.get("error") == null ? code : m.get("error"));
          message = String.valueOf(m.get("message") == null ? message : m.get("message"));
        }
        fail(p.future, new ChannelException(code, message, p.channel, reply));
      }
      return;
    }
    Join j = joinByRef(r.ref());
    if (j != null) {
      if (r.reply().isOk()) {
        joinSucceeded(j);
      } else {
        joinFailed(j, "error", String.valueOf(r.reply().response()));
      }
      return;
    }
    log.debug("Reply to unknown or expired request {}", r.ref());
  }

  private void message(Decoded.Message m) {
    Join j = joins.get(m.channel().name());
    if (j != null && j.status == Join.Status.PENDING && config.joins().containsKey(m.channel().family())) {
      joinSucceeded(j);
    }
    Channel<?> channel = m.channel();
    Event event = m.event();
    callback(() -> bus.emit(channel, event));
  }

  // =================================================================== helpers

  private void setState(ConnectionState s) {
    state = s;
    callback(() -> {
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
    callback(() -> {
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

  private <T> void fail(CompletableFuture<T> f, Throwable t) {
    callback(() -> f.completeExceptionally(t));
  }

  /** Runs user-visible work on the callback thread, in order; dropped after close. */
  private void callback(Runnable r) {
    try {
      callbacks.execute(r);
    } catch (RejectedExecutionException e) {
      log.debug("Callback dropped after close");
    }
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

  private boolean isCallbackThread() {
    return callbackThreads.isCurrent();
  }

  private static void cancel(@Nullable Future<?> f) {
    if (f != null) {
      f.cancel(false);
    }
  }

  private ChannelException closedException() {
    return new ChannelException(ChannelException.CLIENT_CLOSED, "the client is closed", null, null);
  }

  private void checkKnown(Channel<?> channel) {
    if (config.registry().family(channel.family().name()).orElse(null) != channel.family()) {
      throw new IllegalArgumentException("family '" + channel.family().name()
          + "' is not in the client's registry");
    }
  }

  private static String typeOf(Channel<?> channel, Event event) {
    return channel.family().type(event.getClass()).map(t -> t.wireName()).orElse("?");
  }

  private static @Nullable String channelOf(Decoded d) {
    return switch (d) {
      case Decoded.Failure f -> f.channel();
      case Decoded.Control c -> Channels.global().name();
      case Decoded.ReplyMessage r -> r.channel().name();
      case Decoded.Message m -> m.channel().name();
    };
  }

  private static @Nullable String typeOf(Decoded d) {
    return switch (d) {
      case Decoded.Failure f -> null;
      case Decoded.Control c -> typeOf(Channels.global(), c.event());
      case Decoded.ReplyMessage r -> "reply";
      case Decoded.Message m -> typeOf(m.channel(), m.event());
    };
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
