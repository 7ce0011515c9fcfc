package io.github.jchannels.server.internal;

import io.github.jchannels.core.Channels;
import io.github.jchannels.core.Codec;
import io.github.jchannels.core.ErrorCode;
import io.github.jchannels.core.GlobalEvent;
import io.github.jchannels.core.transport.CloseCodes;
import io.github.jchannels.server.Authenticator;
import io.github.jchannels.server.ConnectionInfo;
import io.github.jchannels.server.Handshake;
import io.github.jchannels.server.ServerLimits;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.security.Principal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.java_websocket.WebSocketImpl;
import org.java_websocket.framing.CloseFrame;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything the server runs: the Java-WebSocket server, the handler executor (virtual
 * threads), one timer thread (handshake deadlines, pings, close deadlines), the endpoints and
 * the connection registry. Owns every thread it starts and releases them in {@link #close()}.
 *
 * <p>Threading: Java-WebSocket's selector and decoder threads only call the non-blocking
 * methods here ({@link #accepted}, {@link #admit}, {@link #opened}, {@link #text},
 * {@link #closing}, {@link #closed}), which queue work on the connection's
 * {@link SerialExecutor}; authenticators, engine, handlers and listeners run there.
 */
public final class ServerRuntime implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ServerRuntime.class);
  private static final AtomicInteger SERVERS = new AtomicInteger();

  private final String host;
  private final int requestedPort;
  private final Map<String, Endpoint> endpoints;
  private final Set<String> allowedOrigins;
  private final boolean requireOrigin;
  private final ServerLimits limits;
  private final Metrics metrics;
  private final Codec codec;
  private final Engine engine;
  private final int number = SERVERS.incrementAndGet();
  private final ExecutorService executor;
  private final ScheduledThreadPoolExecutor timer;
  /** Every connection from TCP accept to close. */
  private final Set<WsConnection> all = ConcurrentHashMap.newKeySet();
  /**
   * Connections that queued output lately. Java-WebSocket 1.6.0 can lose a write demand: its
   * selector sets the key back to OP_READ after a write batch, which can undo the OP_WRITE a
   * concurrent sender just set, leaving frames queued until the next send. {@link #kick()}
   * re-arms such connections every {@link #KICK_MILLIS} ms.
   */
  private final Set<WsConnection> pendingOutput = ConcurrentHashMap.newKeySet();
  private static final long KICK_MILLIS = 20;
  /** Open (authenticated) connections by id. */
  private final ConcurrentHashMap<String, WsConnection> open = new ConcurrentHashMap<>();
  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final javax.net.ssl.@Nullable SSLContext tls;
  private volatile @Nullable WsServer server;
  private volatile int port = -1;

  /** A runtime serving {@code endpoints} (one of them {@code main}, driven by {@code engine}). */
  public ServerRuntime(String host, int port, List<Endpoint> endpoints, Set<String> allowedOrigins,
      boolean requireOrigin, ServerLimits limits, Metrics metrics, Engine engine,
      javax.net.ssl.@Nullable SSLContext tls) {
    this.host = host;
    this.tls = tls;
    this.requestedPort = port;
    Map<String, Endpoint> m = new ConcurrentHashMap<>();
    for (Endpoint e : endpoints) {
      m.put(e.path(), e);
    }
    this.endpoints = Map.copyOf(m);
    this.allowedOrigins = Set.copyOf(allowedOrigins);
    this.requireOrigin = requireOrigin;
    this.limits = limits;
    this.metrics = metrics;
    this.engine = engine;
    this.codec = engine.codec();
    this.executor = Executors.newThreadPerTaskExecutor(
        Thread.ofVirtual().name("channels-server-" + number + "-handler-", 0).factory());
    this.timer = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "channels-server-" + number + "-timer");
      t.setDaemon(true);
      return t;
    });
    timer.setRemoveOnCancelPolicy(true);
    timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
  }

  ServerLimits limits() {
    return limits;
  }

  javax.net.ssl.@Nullable SSLContext tls() {
    return tls;
  }

  ExecutorService executor() {
    return executor;
  }

  Metrics metrics() {
    return metrics;
  }

  // ------------------------------------------------------------- lifecycle

  /** Binds and starts; returns once listening. */
  public void start() {
    if (!started.compareAndSet(false, true)) {
      throw new IllegalStateException("A ChannelServer can only be started once");
    }
    if (closed.get()) {
      throw new IllegalStateException("The server is closed");
    }
    int decoders = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
    WsServer s = new WsServer(new InetSocketAddress(host, requestedPort), decoders, this);
    this.server = s;
    s.start();
    try {
      s.awaitStart(30_000);
    } catch (Exception e) {
      close();
      if (e instanceof IOException io) {
        throw new UncheckedIOException("Could not bind " + host + ":" + requestedPort, io);
      }
      throw new IllegalStateException("Could not start the server on " + host + ":"
          + requestedPort, e);
    }
    port = s.getPort();
    long ping = limits.pingInterval().toMillis();
    timer.scheduleAtFixedRate(this::pingAll, ping, ping, TimeUnit.MILLISECONDS);
    timer.scheduleWithFixedDelay(this::kick, KICK_MILLIS, KICK_MILLIS, TimeUnit.MILLISECONDS);
    log.info("Channels server listening on {}:{} (endpoints {})", host, port, endpoints.keySet());
  }

  /** The bound port; -1 before start. */
  public int port() {
    return port;
  }

  /**
   * Sends 1001 to every connection, waits (bounded) for close handshakes, then releases the
   * port and every thread. Idempotent.
   */
  @Override
  public void close() {
    if (SerialExecutor.inTask()) {
      throw new IllegalStateException("close() must not be called from a handler or listener "
          + "of this server");
    }
    WsServer s = server;
    if (s != null && (Thread.currentThread() == s.selectorThread()
        || s.workers().contains(Thread.currentThread()))) {
      throw new IllegalStateException("close() must not be called from a socket thread");
    }
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    long timeout = limits.closeTimeout().toMillis();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeout);
    try {
      if (s != null) {
        s.stop((int) Math.min(Integer.MAX_VALUE, timeout), "server shutdown");
        // connections that did not finish closing (or never finished their handshake)
        for (WsConnection c : List.copyOf(all)) {
          c.socket.closeConnection(CloseFrame.GOING_AWAY, "server shutdown");
        }
        Thread selector = s.selectorThread();
        if (selector != null && selector.isAlive()) {
          selector.interrupt();
          selector.join(1000);
        }
        for (Thread w : s.workers()) {
          w.interrupt();
          w.join(Math.max(1, remaining(deadline)));
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      timer.shutdownNow();
      executor.shutdown();
      try {
        if (!executor.awaitTermination(Math.max(1, remaining(deadline)), TimeUnit.MILLISECONDS)) {
          log.warn("Handlers still running after {} ms; interrupting them", timeout);
          executor.shutdownNow();
          executor.awaitTermination(1, TimeUnit.SECONDS);
        }
        timer.awaitTermination(1, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      all.clear();
      open.clear();
      pendingOutput.clear();
    }
    log.info("Channels server on port {} closed", port);
  }

  private static long remaining(long deadlineNanos) {
    return TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
  }

  // ------------------------------------------------------------- socket callbacks

  /** TCP accept (selector thread): a connection object and its handshake deadline. */
  WsConnection accepted(WebSocketImpl socket, WsServer s) {
    WsConnection c = new WsConnection(UUID.randomUUID().toString(), socket, s, this);
    all.add(c);
    try {
      c.deadline = timer.schedule(() -> handshakeExpired(c), limits.handshakeTimeout().toMillis(),
          TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      log.trace("Timer stopped; no handshake deadline for {}", c.id());
    }
    return c;
  }

  private void handshakeExpired(WsConnection c) {
    c.deadline = null;
    if (c.socket.isClosed()) {
      all.remove(c); // the peer went away during the handshake
      return;
    }
    if (c.transition(WsConnection.State.HANDSHAKING, WsConnection.State.REJECTED)) {
      metrics.handshakeTimeouts.increment();
      log.debug("Handshake of {} timed out", c.id());
      c.socket.closeConnection(CloseFrame.ABNORMAL_CLOSE, "handshake timeout");
      all.remove(c);
    } else if (c.transition(WsConnection.State.AUTHENTICATING, WsConnection.State.REJECTED)) {
      metrics.handshakeTimeouts.increment();
      metrics.close(CloseCodes.INTERNAL_ERROR);
      log.warn("Authentication of {} did not finish within {}", c.id(), limits.handshakeTimeout());
      c.socket.close(CloseCodes.INTERNAL_ERROR, "authentication timed out");
    }
  }

  /** The HTTP upgrade request (decoder thread): null to accept, else why it is refused. */
  @Nullable String admit(WsConnection c, Handshake h) {
    Endpoint e = endpoints.get(h.path());
    String refusal = null;
    if (closed.get()) {
      refusal = "server is shutting down";
    } else if (e == null) {
      refusal = "no endpoint at " + h.path();
    } else {
      Optional<String> origin = h.origin();
      if (origin.isEmpty() ? requireOrigin
          : !allowedOrigins.isEmpty() && !allowedOrigins.contains(origin.get())) {
        refusal = "origin not allowed: " + origin.orElse("(none)");
      }
    }
    if (refusal != null) {
      metrics.rejectedHandshakes.increment();
      c.transition(WsConnection.State.HANDSHAKING, WsConnection.State.REJECTED);
      cancel(c.deadline);
      all.remove(c);
      log.debug("Refused handshake {}: {}", h, refusal);
      return refusal;
    }
    c.handshake(h, e);
    return null;
  }

  /** The WebSocket is open (decoder thread): authenticate on the executor. */
  void opened(WsConnection c) {
    if (!c.transition(WsConnection.State.HANDSHAKING, WsConnection.State.AUTHENTICATING)) {
      c.socket.closeConnection(CloseFrame.ABNORMAL_CLOSE, "handshake expired");
      return;
    }
    SerialExecutor serial = new SerialExecutor(executor, limits.maxPendingMessages(),
        limits.maxPendingBytes());
    c.serial = serial;
    serial.submitAlways(() -> authenticate(c));
  }

  private void authenticate(WsConnection c) {
    Endpoint e = c.endpoint();
    Handshake h = c.handshake();
    if (e == null || h == null) {
      return;
    }
    Principal principal = null;
    boolean ok;
    Authenticator a = e.authenticator();
    if (a == null) {
      ok = true;
    } else {
      try {
        Optional<Principal> p = a.authenticate(h);
        ok = p != null && p.isPresent();
        principal = ok ? p.get() : null;
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
        ok = false;
      } catch (Exception | Error ex) {
        log.warn("Authenticator failed for {}; rejecting", h, ex);
        ok = false;
      }
    }
    ScheduledFuture<?> d = c.deadline;
    if (!ok) {
      if (c.transition(WsConnection.State.AUTHENTICATING, WsConnection.State.REJECTED)) {
        cancel(d);
        metrics.rejectedHandshakes.increment();
        metrics.error(ErrorCode.UNAUTHORIZED.wire());
        c.enqueue(codec.encodeError(ErrorCode.UNAUTHORIZED, "invalid or missing credentials",
            null, null));
        c.close(CloseCodes.POLICY_VIOLATION, "unauthorized");
      }
      return;
    }
    c.authenticated(principal);
    c.forgetHandshake();
    if (!c.transition(WsConnection.State.AUTHENTICATING, WsConnection.State.OPEN)) {
      return; // closed or timed out meanwhile
    }
    cancel(d);
    c.deadline = null;
    metrics.totalConnections.increment();
    c.everOpened = true;
    open.put(c.id(), c);
    if (!e.main()) {
      c.send(codec.encode(Channels.global(), new GlobalEvent.Connected(c.id(),
          System.currentTimeMillis(), limits.heartbeatInterval().toMillis())));
    }
    try {
      e.handler().onOpen(c);
    } catch (RuntimeException ex) {
      log.warn("onOpen of {} failed for {}", e.path(), c.id(), ex);
    }
  }

  private static void cancel(@Nullable ScheduledFuture<?> f) {
    if (f != null) {
      f.cancel(false);
    }
  }

  /** A text message (decoder thread). */
  void text(WsConnection c, String text) {
    int bytes = WsServer.utf8Length(text);
    metrics.in(bytes);
    c.lastSeen = System.nanoTime();
    WsConnection.State s = c.state();
    if (s != WsConnection.State.OPEN && s != WsConnection.State.AUTHENTICATING
        || !c.socket.isOpen()) {
      return; // rejected, or closing: input after the server's close frame is discarded
    }
    switch (c.admit(System.nanoTime())) {
      case ACCEPT -> { }
      case NOTIFY -> {
        metrics.error(ErrorCode.RATE_LIMITED.wire());
        c.send(codec.encodeError(ErrorCode.RATE_LIMITED, "too many messages; slow down",
            null, null));
        return;
      }
      case DROP -> {
        return;
      }
      case CLOSE -> {
        metrics.rateLimitCloses.increment();
        c.close(CloseCodes.POLICY_VIOLATION, "rate limit exceeded");
        return;
      }
    }
    Endpoint e = c.endpoint();
    SerialExecutor serial = c.serial;
    if (e == null || serial == null) {
      return;
    }
    if (e.main() && s == WsConnection.State.OPEN && engine.answerIfPing(c, text)) {
      return;
    }
    if (!serial.submit(() -> deliver(c, e, text), bytes)) {
      log.debug("Connection {} has {} messages ({} bytes) waiting; closing", c.id(),
          serial.pending(), serial.pendingBytes());
      c.close(CloseCodes.TRY_AGAIN_LATER, "too many pending messages");
    }
  }

  private void deliver(WsConnection c, Endpoint e, String text) {
    if (!c.everOpened) {
      return; // rejected: nothing else from that connection is processed
    }
    try {
      e.handler().onText(c, text);
    } catch (RuntimeException ex) {
      log.warn("onText of {} failed for {}", e.path(), c.id(), ex);
    }
  }

  /** Java-WebSocket starts a close we (or it) initiated: count it and bound its duration. */
  void closing(WsConnection c, int code) {
    metrics.close(code);
    try {
      timer.schedule(() -> {
        if (!c.socket.isClosed()) {
          log.debug("Close handshake of {} timed out; dropping it", c.id());
          c.socket.closeConnection(code, "close timeout");
        }
      }, limits.closeTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      log.trace("Timer stopped", e);
    }
  }

  /** The connection closed (any thread). */
  void closed(WsConnection c, int code, String reason) {
    WsConnection.State was = c.markClosed();
    all.remove(c);
    pendingOutput.remove(c);
    open.remove(c.id(), c);
    cancel(c.deadline);
    Endpoint e = c.endpoint();
    SerialExecutor serial = c.serial;
    if (was == WsConnection.State.OPEN && e != null && serial != null) {
      serial.submitAlways(() -> {
        try {
          e.handler().onClose(c, code, reason);
        } catch (RuntimeException ex) {
          log.warn("onClose of {} failed for {}", e.path(), c.id(), ex);
        }
      });
    }
  }

  /** Called after a frame was queued for {@code c}. */
  void outputQueued(WsConnection c) {
    pendingOutput.add(c);
  }

  private void kick() {
    WsServer s = server;
    if (s == null) {
      return;
    }
    for (WsConnection c : pendingOutput) {
      WebSocketImpl socket = c.socket;
      if (socket.outQueue.isEmpty() || socket.isClosed()) {
        pendingOutput.remove(c);
        if (socket.outQueue.isEmpty() || socket.isClosed()) {
          continue;
        }
        pendingOutput.add(c); // queued meanwhile
      }
      java.nio.channels.SelectionKey key = socket.getSelectionKey();
      try {
        if (key != null && key.isValid()
            && (key.interestOps() & java.nio.channels.SelectionKey.OP_WRITE) == 0) {
          log.trace("Re-arming the write demand of {}", c.id());
          s.onWriteDemand(socket);
        }
      } catch (java.nio.channels.CancelledKeyException e) {
        pendingOutput.remove(c);
      }
    }
  }

  private void pingAll() {
    long now = System.nanoTime();
    long max = limits.pingInterval().toNanos() * 3 / 2;
    for (WsConnection c : open.values()) {
      WebSocketImpl s = c.socket;
      if (!s.isOpen()) {
        continue;
      }
      if (now - c.lastSeen > max) {
        log.debug("Connection {} did not answer pings; closing", c.id());
        s.closeConnection(CloseFrame.ABNORMAL_CLOSE, "no pong");
      } else {
        try {
          s.sendPing();
        } catch (RuntimeException e) {
          log.trace("Ping to {} failed", c.id(), e);
        }
      }
    }
  }

  // ------------------------------------------------------------- queries

  /** Open connections of every endpoint. */
  public List<ConnectionInfo> connections() {
    List<ConnectionInfo> out = new ArrayList<>();
    for (WsConnection c : open.values()) {
      out.add(info(c));
    }
    return out;
  }

  /** One open connection. */
  public Optional<ConnectionInfo> connection(String id) {
    WsConnection c = open.get(id);
    return c == null ? Optional.empty() : Optional.of(info(c));
  }

  private ConnectionInfo info(WsConnection c) {
    Endpoint e = c.endpoint();
    if (e != null && e.main()) {
      return engine.info(c);
    }
    return new ConnectionInfo(c.id(), c.path(), c.principal(), c.remoteAddress(), c.connectedAt(),
        Set.of(), c.bufferedBytes());
  }

  /** How many connections are open. */
  public int openConnections() {
    return open.size();
  }

  /** Closes one connection; false if none is open with that id. */
  public boolean disconnect(String id, int code, String reason) {
    if (!(code == 1000 || code == 1001 || code == 1003 || code >= 1007 && code <= 1011
        || code == 1013 || code >= 3000 && code <= 4999)) {
      throw new IllegalArgumentException("Code must be a close code a server may send "
          + "(1000, 1001, 1003, 1007-1011, 1013, 3000-4999): " + code);
    }
    WsConnection c = open.get(id);
    if (c == null) {
      return false;
    }
    c.close(code, reason);
    return true;
  }
}
