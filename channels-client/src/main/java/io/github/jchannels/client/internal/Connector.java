package io.github.jchannels.client.internal;

import io.github.jchannels.client.ChannelClient;
import io.github.jchannels.client.ChannelException;
import io.github.jchannels.client.ClientError;
import io.github.jchannels.client.ConnectionState;
import io.github.jchannels.client.internal.transport.Utf8;
import io.github.jchannels.client.transport.TransportListener;
import io.github.jchannels.client.transport.TransportRequest;
import io.github.jchannels.client.transport.TransportSocket;
import io.github.jchannels.core.Channels;
import io.github.jchannels.core.Codec;
import io.github.jchannels.core.ErrorCode;
import io.github.jchannels.core.EventBus;
import io.github.jchannels.core.GlobalEvent;
import io.github.jchannels.core.transport.CloseCodes;
import io.github.jchannels.core.time.Cancellable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connection state machine (PROTOCOL.md section 8): attempts, the token, the close-code
 * policy, backoff and the attempt reset, readiness (join, flush, heartbeat), and the cleanup
 * of terminal states; writing frames is {@link Sender}'s. Confined to the loop;
 * {@link #state()} and {@link #terminal()} are read anywhere.
 */
final class Connector {
  private static final Logger log = LoggerFactory.getLogger(Connector.class);
  /** How long a closing socket may take before it is dropped. */
  static final Duration CLOSE_GRACE = Duration.ofSeconds(1);
  private static final long MIN_SERVER_HEARTBEAT_MS = 50;

  private final ClientConfig config;
  private final Loop loop;
  private final Timers timers;
  private final Callbacks callbacks;
  private final Executor worker;
  private final Metrics metrics;
  private final Codec codec;
  private final Listeners listeners;
  private final Requests requests;
  private final SendQueue queue;
  private final Outbound outbound;
  private final Inbound inbound;
  private final Backoff backoff;
  private final Sender sender;
  private final Joins joins;
  private final Dispatcher dispatcher;

  private volatile ConnectionState state = new ConnectionState.Idle();
  /** Set while {@code Closed}: sends are refused. */
  private volatile boolean terminal;

  // ---- confined to the loop
  /** The current attempt; null between attempts and when closed. */
  private @Nullable Attempt current;
  /**
   * Sockets whose threads may still run (current, closing, or closed and still releasing
   * their threads): close() waits for them. Pruned when an attempt starts.
   */
  private final List<TransportSocket> sockets = new ArrayList<>();
  /** Reconnection attempts in a row (reset after a connection stayed ready, or by hand). */
  private int attempts;
  private Cancellable reconnectTask = Cancellable.NONE;
  /** Bumped whenever a scheduled reconnection must not run any more. */
  private int reconnectGeneration;
  private final List<CompletableFuture<Void>> connectWaiters = new ArrayList<>();
  private boolean shutDown;

  Connector(ClientConfig config, Loop loop, Timers timers, Callbacks callbacks, Executor worker,
      Metrics metrics, RingMessageLog messageLog, Codec codec, Listeners listeners,
      Requests requests, SendQueue queue, Outbound outbound, Inbound inbound, Backoff backoff,
      EventBus bus, AtomicLong refs, PresenceTracker presence) {
    this.config = config;
    this.loop = loop;
    this.timers = timers;
    this.callbacks = callbacks;
    this.worker = worker;
    this.metrics = metrics;
    this.codec = codec;
    this.listeners = listeners;
    this.requests = requests;
    this.queue = queue;
    this.outbound = outbound;
    this.inbound = inbound;
    this.backoff = backoff;
    this.sender = new Sender(this, requests, queue, outbound, metrics, messageLog,
        config.messageLogPings(), timers.scheduler());
    this.joins = new Joins(codec, config.joins(), refs, callbacks, timers, backoff,
        config.joinTimeout(), listeners::error, sender::transmit);
    this.dispatcher = new Dispatcher(this, joins, requests, bus, codec, callbacks, inbound,
        metrics, messageLog, listeners, config.messageLogPings(), timers.scheduler(), presence);
  }

  Joins joins() {
    return joins;
  }

  ConnectionState state() {
    return state;
  }

  boolean terminal() {
    return terminal;
  }

  /** Whether {@code close()} ran (loop). */
  boolean isShutDown() {
    return shutDown;
  }

  @Nullable Attempt current() {
    return current;
  }

  // =================================================================== commands (loop)

  void connect(CompletableFuture<Void> f) {
    Attempt a = current;
    if (a != null && a.ready()) {
      callbacks.complete(f, null);
      return;
    }
    connectWaiters.add(f);
    if (state instanceof ConnectionState.Idle || state instanceof ConnectionState.Closed) {
      attempts = 0;
      start(0);
    }
  }

  void manualReconnect() {
    if (shutDown) {
      return;
    }
    reconnectGeneration++;
    reconnectTask.cancel();
    Attempt a = current;
    if (a != null) {
      retire(a, CloseCodes.NORMAL, "reconnecting");
      connectionLost(a);
    }
    attempts = 0;
    metrics.reconnection();
    start(0);
  }

  // =================================================================== lifecycle (loop)

  private void start(int number) {
    reconnectGeneration++;
    reconnectTask.cancel();
    terminal = false;
    sockets.removeIf(Connector::terminated);
    Attempt a = new Attempt(number);
    current = a;
    // timers are armed before a state is published: a test that advances fake time on seeing
    // the state must find them
    a.connectTimeout = timers.after(config.connectTimeout(), () -> connectTimedOut(a));
    setState(new ConnectionState.Connecting(number, config.maxReconnectAttempts()));
    log.debug("Connecting to {} (attempt {})", config.uri(), number);
    try {
      worker.execute(() -> fetchToken(a));
    } catch (RejectedExecutionException e) {
      log.debug("Client closing: no token fetched");
    }
  }

  /** On a worker thread: user code, contained. */
  private void fetchToken(Attempt a) {
    try {
      CompletionStage<? extends @Nullable String> stage = config.token().token();
      if (stage == null) {
        loop.post(() -> tokenArrived(a, null, null));
        return;
      }
      stage.whenComplete((t, e) -> loop.post(() -> tokenArrived(a, t, e)));
    } catch (RuntimeException | Error e) {
      loop.post(() -> tokenArrived(a, null, e));
    }
  }

  private void tokenArrived(Attempt a, @Nullable String token, @Nullable Throwable error) {
    if (a != current || a.phase != Attempt.Phase.TOKEN) {
      return;
    }
    if (error != null) {
      log.warn("The token provider failed; retrying with backoff", error);
      listeners.error(new ClientError(ClientError.TOKEN_FAILED, String.valueOf(error), null,
          null));
      failBeforeOpen(a, "token provider failed: " + error);
      return;
    }
    Map<String, String> headers = new LinkedHashMap<>(config.headers());
    if (token != null && !token.isBlank()) {
      headers.put("Authorization", "Bearer " + token);
    }
    TransportRequest request = new TransportRequest(config.uri(), headers,
        config.connectTimeout(), config.maxFrameSize(), config.sslContext(),
        config.sslParameters(), config.proxy());
    TransportSocket s;
    try {
      s = config.transport().open(request, new SocketEvents(a));
    } catch (RuntimeException e) { // e.g. no thread could be started: a failed attempt
      log.warn("Could not start connecting to {}", config.uri(), e);
      failBeforeOpen(a, String.valueOf(e.getMessage()));
      return;
    }
    a.socket = s;
    a.phase = Attempt.Phase.CONNECTING;
    sockets.add(s);
    inbound.attach(s, () -> loop.post(() -> overflowed(a)));
  }

  private void failBeforeOpen(Attempt a, String why) {
    connectionLost(a);
    scheduleReconnect(CloseCodes.ABNORMAL, why);
  }

  private void opened(Attempt a) {
    if (a != current || a.phase != Attempt.Phase.CONNECTING) {
      return;
    }
    log.debug("Socket open; waiting for 'connected'");
    a.phase = Attempt.Phase.OPEN;
    setState(new ConnectionState.Open());
  }

  /** An {@code error} from the server on attempt {@code a} (tells a later 1008 apart). */
  void lastError(Attempt a, String code) {
    a.lastErrorCode = code;
  }

  /** {@code connected}: ready; join every channel, then flush the queue, then ping. */
  void ready(Attempt a, GlobalEvent.Connected c) {
    if (a.phase == Attempt.Phase.READY) {
      log.warn("Ignored a second 'connected' on one connection");
      return;
    }
    if (a != current || a.phase != Attempt.Phase.OPEN) {
      return;
    }
    a.phase = Attempt.Phase.READY;
    a.connectTimeout.cancel();
    a.stable = timers.after(config.resetAttemptsAfter(), () -> {
      if (current == a && a.ready()) {
        attempts = 0;
      }
    });
    outbound.socket(a.socket);
    joins.ready(a);
    sender.flush(a);
    Duration interval = config.heartbeatInterval();
    if (config.useServerHeartbeatInterval() && c.heartbeatIntervalMs() > 0) {
      // the server's value is taken, but never below a floor that would make pinging a flood
      interval = Duration.ofMillis(Math.max(MIN_SERVER_HEARTBEAT_MS, c.heartbeatIntervalMs()));
    }
    Heartbeat hb = new Heartbeat(timers, interval, config.pongTimeout(), metrics,
        timers.scheduler()::currentTimeMillis,
        ts -> sender.transmit(a, new Frames.Outgoing(Channels.global().name(), "ping",
            codec.encode(Channels.global(), new GlobalEvent.Ping(ts)), null)),
        () -> {
          if (current == a) {
            abandon(a, ChannelClient.HEARTBEAT_TIMEOUT, "no pong within " + config.pongTimeout());
          }
        },
        inbound::paused);
    a.heartbeat = hb;
    hb.start();
    setState(new ConnectionState.Ready(c.clientId()));
    List<CompletableFuture<Void>> waiters = List.copyOf(connectWaiters);
    connectWaiters.clear();
    callbacks.run(() -> waiters.forEach(f -> f.complete(null)));
  }

  /** The close-code policy of PROTOCOL.md section 8, by who closed. */
  private void closed(Attempt a, int code, String reason, boolean remote) {
    if (a != current) {
      return;
    }
    log.info("Connection closed: {} {} ({})", code, reason, remote ? "by server" : "locally");
    connectionLost(a);
    if (!remote) {
      if (code == CloseCodes.TOO_BIG) { // the server's frame was over our own limit
        closedFor(ConnectionState.CloseReason.REJECTED, code, reason);
      } else {
        scheduleReconnect(code, reason);
      }
      return;
    }
    switch (code) {
      case CloseCodes.NORMAL -> closedFor(ConnectionState.CloseReason.NORMAL, code, reason);
      case CloseCodes.POLICY_VIOLATION -> closedFor(
          ErrorCode.RATE_LIMITED.wire().equals(a.lastErrorCode)
              ? ConnectionState.CloseReason.RATE_LIMITED
              : ConnectionState.CloseReason.UNAUTHORIZED, code, reason);
      case CloseCodes.UNSUPPORTED_DATA, CloseCodes.TOO_BIG ->
          closedFor(ConnectionState.CloseReason.REJECTED, code, reason);
      default -> scheduleReconnect(code, reason);
    }
  }

  /** The handshake was answered with HTTP {@code status}: 401/403 are final, others retried. */
  private void refused(Attempt a, int status, String reason) {
    if (a != current) {
      return;
    }
    log.info("Handshake refused: HTTP {}", status);
    connectionLost(a);
    switch (status) {
      case 401 -> closedFor(ConnectionState.CloseReason.UNAUTHORIZED, status, reason);
      case 403 -> closedFor(ConnectionState.CloseReason.FORBIDDEN, status, reason);
      default -> scheduleReconnect(status, reason);
    }
  }

  private void connectTimedOut(Attempt a) {
    if (a != current || a.ready() || a.phase == Attempt.Phase.ENDED) {
      return;
    }
    if (a.phase == Attempt.Phase.TOKEN) {
      listeners.error(new ClientError(ClientError.TOKEN_FAILED,
          "no token within " + config.connectTimeout(), null, null));
    }
    abandon(a, ChannelClient.CONNECT_TIMEOUT, "not ready within " + config.connectTimeout());
  }

  private void overflowed(Attempt a) {
    if (a == current) {
      abandon(a, ChannelClient.INBOUND_OVERFLOW,
          "handler queue full and the transport cannot pause reading");
    }
  }

  /** Gives up on attempt {@code a} (a timeout) and reconnects with backoff. */
  private void abandon(Attempt a, int code, String why) {
    log.warn("Closing the connection: {}", why);
    retire(a, code, why);
    connectionLost(a);
    scheduleReconnect(code, why);
  }

  /** Closes the socket of {@code a} in the background; dropped if it does not close in time. */
  private void retire(Attempt a, int code, String why) {
    TransportSocket s = a.socket;
    if (s == null) {
      return;
    }
    s.close(code, why);
    timers.after(CLOSE_GRACE, s::abort); // no-op once it closed
  }

  /** Attempt {@code a} is over: everything of it ends with it. */
  private void connectionLost(Attempt a) {
    boolean wasReady = a.ready();
    a.end();
    if (current == a) {
      current = null;
    }
    if (wasReady) {
      joins.connectionLost();
      outbound.socket(null);
    }
    TransportSocket s = a.socket;
    if (s != null) {
      inbound.detach(s);
    }
    requests.connectionLost(a);
  }

  private void scheduleReconnect(int code, String reason) {
    int max = config.maxReconnectAttempts();
    if (max != ConnectionState.UNLIMITED && attempts >= max) {
      log.warn("Gave up after {} reconnection attempts", attempts);
      closedFor(ConnectionState.CloseReason.GAVE_UP, code, reason);
      return;
    }
    attempts++;
    Duration delay = backoff.delay(attempts, () -> ThreadLocalRandom.current().nextDouble());
    log.info("Reconnecting in {} ms (attempt {} of {})", delay.toMillis(), attempts,
        max == ConnectionState.UNLIMITED ? "unlimited" : max);
    int n = attempts;
    int generation = ++reconnectGeneration;
    reconnectTask = timers.after(delay, () -> {
      if (generation != reconnectGeneration || shutDown) {
        return;
      }
      metrics.reconnection();
      start(n);
    });
    setState(new ConnectionState.Reconnecting(attempts, max, delay, code, reason));
  }

  /** Enters {@code Closed}: fails waiting futures and queued requests, empties the queue. */
  private void closedFor(ConnectionState.CloseReason reason, int code, @Nullable String detail) {
    String text = "connection closed (" + code
        + (detail == null || detail.isEmpty() ? "" : " " + detail) + ")";
    ChannelException e = new ChannelException(reason.name().toLowerCase(Locale.ROOT), text,
        null, null);
    List<CompletableFuture<?>> failing = new ArrayList<>(connectWaiters);
    connectWaiters.clear();
    failing.addAll(requests.takeAll());
    failing.addAll(joins.takeWaiters());
    List<Frames.Outgoing> dropped = queue.drain();
    if (!dropped.isEmpty()) {
      log.warn("Client closed ({}): dropped {} queued messages", reason, dropped.size());
      for (int i = 0; i < dropped.size(); i++) {
        metrics.dropped();
      }
    }
    terminal = true;
    // the futures fail before the state listeners hear of it
    callbacks.run(() -> failing.forEach(f -> f.completeExceptionally(e)));
    setState(new ConnectionState.Closed(reason, code, detail));
  }

  /**
   * {@code close()}: closes the socket, clears everything and returns what the closing thread
   * must finish itself (futures to fail, sockets to wait for), so that nothing depends on the
   * callback thread, which a stuck handler may hold.
   */
  Shutdown shutdown() {
    shutDown = true;
    reconnectGeneration++;
    reconnectTask.cancel();
    // taken first, so that none is left to the (maybe stuck) callback thread
    List<CompletableFuture<?>> failing = new ArrayList<>(connectWaiters);
    connectWaiters.clear();
    failing.addAll(requests.takeAll());
    List<CompletableFuture<Void>> cancelling = joins.takeWaiters();
    Attempt a = current;
    if (a != null) {
      TransportSocket s = a.socket;
      if (s != null) {
        s.close(CloseCodes.NORMAL, "client closed");
      }
      connectionLost(a);
    }
    queue.drain();
    terminal = true;
    setState(new ConnectionState.Closed(ConnectionState.CloseReason.NORMAL, CloseCodes.NORMAL,
        "client closed"));
    List<TransportSocket> live = List.copyOf(sockets);
    sockets.clear();
    return new Shutdown(failing, cancelling, live);
  }

  /** What {@link #shutdown()} leaves to the closing thread. */
  record Shutdown(List<CompletableFuture<?>> failing, List<CompletableFuture<Void>> cancelling,
      List<TransportSocket> sockets) {}

  // =================================================================== sending (loop)

  /** A frame from {@code send}/{@code request}; see {@link Sender#sendOrQueue}. */
  void sendOrQueue(Frames.Outgoing o) {
    sender.sendOrQueue(o);
  }

  /** See {@link Sender#sendIfReady}. */
  void sendIfReady(Frames.Outgoing o) {
    sender.sendIfReady(o);
  }

  // =================================================================== helpers

  private static boolean terminated(TransportSocket s) {
    try {
      return s.awaitTermination(Duration.ZERO);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private void setState(ConnectionState s) {
    state = s;
    listeners.state(s);
  }

  /** Socket callbacks of one attempt, handed to the loop. */
  private final class SocketEvents implements TransportListener {
    private final Attempt attempt;

    SocketEvents(Attempt attempt) {
      this.attempt = attempt;
    }

    @Override
    public void onOpen() {
      loop.post(() -> opened(attempt));
    }

    @Override
    public void onText(String text) {
      long size = Utf8.length(text);
      inbound.received(size);
      if (!loop.post(() -> dispatcher.text(attempt, text, size))) {
        inbound.handled(size);
      }
    }

    @Override
    public void onBinary(int length) {
      loop.post(() -> dispatcher.binary(attempt, length));
    }

    @Override
    public void onClosed(int code, String reason, boolean remote) {
      loop.post(() -> closed(attempt, code, reason, remote));
    }

    @Override
    public void onRefused(int status, String reason) {
      loop.post(() -> refused(attempt, status, reason));
    }
  }
}
