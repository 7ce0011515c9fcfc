package io.github.jchannels.server.internal;

import io.github.jchannels.core.Codec;
import io.github.jchannels.core.time.Cancellable;
import io.github.jchannels.core.time.Scheduler;
import io.github.jchannels.core.time.SystemScheduler;
import io.github.jchannels.server.ConnectionInfo;
import io.github.jchannels.server.Handshake;
import io.github.jchannels.server.ServerLimits;
import io.github.jchannels.server.transport.ConnectionEvents;
import io.github.jchannels.server.transport.ServerTransport;
import io.github.jchannels.server.transport.TransportConnection;
import io.github.jchannels.server.transport.TransportContext;
import io.github.jchannels.server.transport.UpgradeResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transport-neutral server: everything a {@code ChannelServer} does that does not depend on
 * the WebSocket implementation. It owns
 *
 * <ul>
 *   <li>admission ({@link #admit}): the server state, path routing and the origin check (and,
 *       through {@link CoreConnection}, authentication with the unauthorized error and 1008);
 *   <li>the connection state machine, handshake and close deadlines ({@link CoreConnection});
 *   <li>liveness: WebSocket pings every {@code pingInterval}, a peer silent for 1.5 intervals
 *       is dropped;
 *   <li>the rate, size and slow-consumer limits of {@link ServerLimits} (the one place limits
 *       are enforced; a transport only applies the frame-level ones where it parses frames);
 *   <li>the connection registry, the metrics and shutdown: 1001 to every connection, wait for
 *       the close handshakes (at most {@code closeTimeout}), abort the rest, then stop the
 *       transport, the handler executor and the scheduler it owns.
 * </ul>
 *
 * <p>Time comes from the injected {@link Scheduler} only. Thread-safe; the transport's
 * callbacks never block here.
 */
public final class ServerCore implements TransportContext, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ServerCore.class);
  private static final AtomicInteger SERVERS = new AtomicInteger();

  private final ServerTransport transport;
  private final String host;
  private final int requestedPort;
  private final @Nullable SSLContext tls;
  private final Map<String, Endpoint> endpoints;
  private final Set<String> allowedOrigins;
  private final boolean requireOrigin;
  private final ServerLimits limits;
  private final Metrics metrics;
  private final Engine engine;
  private final Codec codec;
  private final Scheduler scheduler;
  private final @Nullable SystemScheduler ownedScheduler;
  private final ExecutorService executor;
  /** Every connection from {@code connecting} to {@code closed}. */
  private final Set<CoreConnection> all = ConcurrentHashMap.newKeySet();
  /** Connections in their handshake, oldest first. Guarded by itself. */
  private final LinkedHashSet<CoreConnection> handshaking = new LinkedHashSet<>();
  /** Admitted connections per remote IP address (only with maxConnectionsPerAddress). */
  private final ConcurrentHashMap<InetAddress, AtomicInteger> perAddress =
      new ConcurrentHashMap<>();
  /** Open (authenticated) connections by id. */
  private final ConcurrentHashMap<String, CoreConnection> open = new ConcurrentHashMap<>();
  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition gone = lock.newCondition();
  private volatile Cancellable pinger = Cancellable.NONE;
  private volatile boolean running;

  /**
   * A core serving {@code endpoints} (one of them {@code main}, driven by {@code engine}) on
   * {@code transport}. {@code scheduler} null: a system scheduler this core owns and closes.
   */
  public ServerCore(ServerTransport transport, String host, int port, @Nullable SSLContext tls,
      List<Endpoint> endpoints, Set<String> allowedOrigins, boolean requireOrigin,
      ServerLimits limits, Metrics metrics, Engine engine, Scheduler scheduler,
      @Nullable SystemScheduler ownedScheduler) {
    this.transport = transport;
    this.host = host;
    this.requestedPort = port;
    this.tls = tls;
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
    this.scheduler = scheduler;
    this.ownedScheduler = ownedScheduler;
    int n = SERVERS.incrementAndGet();
    this.executor = Executors.newThreadPerTaskExecutor(
        Thread.ofVirtual().name("channels-server-" + n + "-handler-", 0).factory());
  }

  /** A UTC clock reading {@code scheduler}'s wall time (for the engine). */
  public static Clock clock(Scheduler scheduler) {
    return new SchedulerClock(scheduler);
  }

  /** The number of the next server, for thread names. */
  public static int nextNumber() {
    return SERVERS.get() + 1;
  }

  // ------------------------------------------------------------- TransportContext

  @Override
  public ConnectionEvents connecting(TransportConnection connection) {
    CoreConnection c = new CoreConnection(UUID.randomUUID().toString(), this, connection);
    all.add(c);
    CoreConnection evicted = null;
    synchronized (handshaking) {
      handshaking.add(c);
      if (handshaking.size() > limits.maxHandshakesInProgress()) {
        Iterator<CoreConnection> oldest = handshaking.iterator();
        evicted = oldest.next();
        oldest.remove();
      }
    }
    if (evicted != null) {
      log.debug("{} handshakes in progress; dropping the oldest, {}",
          limits.maxHandshakesInProgress(), evicted);
      evicted.evictHandshake();
    }
    c.deadline(scheduler.schedule(limits.handshakeTimeout(), c::handshakeExpired));
    return c;
  }

  /** {@code c} is no longer in its handshake (opened, refused, expired or closed). */
  void handshakeOver(CoreConnection c) {
    synchronized (handshaking) {
      handshaking.remove(c);
    }
  }

  @Override
  public String host() {
    return host;
  }

  @Override
  public int port() {
    return requestedPort;
  }

  @Override
  public @Nullable SSLContext tls() {
    return tls;
  }

  @Override
  public Set<String> paths() {
    return new LinkedHashSet<>(endpoints.keySet());
  }

  @Override
  public ServerLimits limits() {
    return limits;
  }

  @Override
  public Scheduler scheduler() {
    return scheduler;
  }

  @Override
  public ExecutorService executor() {
    return executor;
  }

  Metrics metrics() {
    return metrics;
  }

  Engine engine() {
    return engine;
  }

  Codec codec() {
    return codec;
  }

  // ------------------------------------------------------------- lifecycle

  /** Starts the transport; returns once it accepts connections. */
  public void start() {
    if (!started.compareAndSet(false, true)) {
      throw new IllegalStateException("A ChannelServer can only be started once");
    }
    if (closed.get()) {
      throw new IllegalStateException("The server is closed");
    }
    try {
      transport.start(this);
    } catch (IOException e) {
      close();
      throw new UncheckedIOException("Could not start " + transport.name() + " on " + host
          + ":" + requestedPort, e);
    } catch (RuntimeException e) {
      close();
      throw e;
    }
    running = true;
    pinger = scheduler.schedule(limits.pingInterval(), this::pingAll);
    log.info("Channels server on {} listening on {}:{} (endpoints {})", transport.name(), host,
        transport.port(), endpoints.keySet());
  }

  /** The bound port; -1 before start or when the transport does not know it. */
  public int boundPort() {
    return running ? transport.port() : -1;
  }

  /** Whether {@link #start()} succeeded. */
  public boolean running() {
    return running;
  }

  /**
   * Sends 1001 to every connection, waits at most {@code closeTimeout} for their close
   * handshakes, aborts the rest, then stops the transport, the handlers and the owned scheduler.
   * Idempotent.
   */
  @Override
  public void close() {
    if (SerialExecutor.inTask()) {
      throw new IllegalStateException("close() must not be called from a handler or listener "
          + "of this server");
    }
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    pinger.cancel();
    try {
      for (CoreConnection c : List.copyOf(all)) {
        c.shutdown();
      }
      awaitGone(limits.closeTimeout().toNanos());
      for (CoreConnection c : List.copyOf(all)) {
        log.debug("{} did not finish closing; dropping it", c);
        c.abort();
      }
    } finally {
      try {
        transport.stop();
      } catch (RuntimeException e) {
        log.warn("Stopping {} failed", transport.name(), e);
      }
      stopExecutor();
      if (ownedScheduler != null) {
        ownedScheduler.close();
      }
      all.clear();
      open.clear();
      running = false;
    }
    log.info("Channels server on {} closed", transport.name());
  }

  private void awaitGone(long nanos) {
    lock.lock();
    try {
      long left = nanos;
      while (!all.isEmpty() && left > 0) {
        left = gone.awaitNanos(left);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      lock.unlock();
    }
  }

  private void stopExecutor() {
    executor.shutdown();
    try {
      long timeout = limits.closeTimeout().toMillis();
      if (!executor.awaitTermination(timeout, TimeUnit.MILLISECONDS)) {
        log.warn("Handlers still running after {} ms; interrupting them", timeout);
        executor.shutdownNow();
        executor.awaitTermination(1, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      executor.shutdownNow();
    }
  }

  // ------------------------------------------------------------- admission

  /**
   * Admission of an upgrade request: the server state, the path and the origin. Limits on
   * connections or handshakes in progress belong here too, so every transport inherits them.
   * Authentication follows once the WebSocket is open ({@link CoreConnection}).
   */
  UpgradeResult admit(CoreConnection c, Handshake h) {
    Endpoint e = endpoints.get(h.path());
    UpgradeResult refusal = null;
    if (closed.get()) {
      refusal = UpgradeResult.refuse(503, "server is shutting down");
    } else if (e == null) {
      refusal = UpgradeResult.refuse(404, "no endpoint at " + h.path());
    } else if (c.state() != CoreConnection.State.HANDSHAKING) {
      refusal = UpgradeResult.refuse(408, "handshake timed out");
    } else {
      Optional<String> origin = h.origin();
      if (origin.isEmpty() ? requireOrigin
          : !allowedOrigins.isEmpty() && !allowedOrigins.contains(origin.get())) {
        refusal = UpgradeResult.refuse(403, "origin not allowed: " + origin.orElse("(none)"));
      }
    }
    if (refusal == null && all.size() > limits.maxConnections()) {
      refusal = UpgradeResult.refuse(503, "over the connection limit ("
          + limits.maxConnections() + ")");
    }
    if (refusal == null && !countAddress(c, h)) {
      refusal = UpgradeResult.refuse(503, "over the connection limit per address ("
          + limits.maxConnectionsPerAddress() + ")");
    }
    if (refusal != null || e == null) {
      metrics.rejectedHandshakes.increment();
      all.remove(c);
      signalIfGone();
      UpgradeResult r = refusal != null ? refusal
          : UpgradeResult.refuse(404, "no endpoint at " + h.path());
      log.debug("Refused handshake {}: {}", h, r.reason());
      return r;
    }
    c.admitted(h, e);
    return UpgradeResult.accept();
  }

  // ------------------------------------------------------------- registry

  void registerOpen(CoreConnection c) {
    open.put(c.id(), c);
    if (c.state() == CoreConnection.State.CLOSED) {
      open.remove(c.id(), c); // closed while being registered
    }
  }

  /** Counts {@code c} against the per-address cap; false (not counted) if over it. */
  private boolean countAddress(CoreConnection c, Handshake h) {
    int cap = limits.maxConnectionsPerAddress();
    InetAddress a = h.remoteAddress().map(InetSocketAddress::getAddress).orElse(null);
    if (cap == 0 || a == null) {
      return true;
    }
    AtomicInteger n = perAddress.computeIfAbsent(a, k -> new AtomicInteger());
    if (n.incrementAndGet() > cap) {
      uncountAddress(a);
      return false;
    }
    c.countedAddress(a);
    return true;
  }

  private void uncountAddress(InetAddress a) {
    perAddress.computeIfPresent(a, (k, n) -> n.decrementAndGet() <= 0 ? null : n);
  }

  void unregister(CoreConnection c) {
    handshakeOver(c);
    InetAddress a = c.countedAddress();
    if (a != null) {
      uncountAddress(a);
    }
    all.remove(c);
    open.remove(c.id(), c);
    signalIfGone();
  }

  private void signalIfGone() {
    if (closed.get() && all.isEmpty()) {
      lock.lock();
      try {
        gone.signalAll();
      } finally {
        lock.unlock();
      }
    }
  }

  // ------------------------------------------------------------- liveness

  private void pingAll() {
    if (closed.get()) {
      return;
    }
    pinger = scheduler.schedule(limits.pingInterval(), this::pingAll);
    long now = scheduler.nanoTime();
    long max = limits.pingInterval().toNanos() * 3 / 2;
    for (CoreConnection c : open.values()) {
      if (!c.isOpen()) {
        continue;
      }
      if (now - c.lastSeen() > max) {
        log.debug("Connection {} did not answer pings; dropping it", c.id());
        c.abort();
      } else {
        try {
          c.transport().ping();
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
    for (CoreConnection c : open.values()) {
      out.add(info(c));
    }
    return out;
  }

  /** One open connection. */
  public Optional<ConnectionInfo> connection(String id) {
    CoreConnection c = open.get(id);
    return c == null ? Optional.empty() : Optional.of(info(c));
  }

  private ConnectionInfo info(CoreConnection c) {
    Endpoint e = c.endpoint();
    if (e != null && e.main()) {
      return engine.info(c);
    }
    return new ConnectionInfo(c.id(), c.path(), c.principal(), c.remoteAddress(),
        c.connectedAt(), Set.of(), c.bufferedBytes());
  }

  /** How many connections are open. */
  public int openConnections() {
    return open.size();
  }

  /** Closes one connection; false if none is open with that id. */
  public boolean disconnect(String id, int code, String reason) {
    if (!(code == 1000 || code == 1001 || code == 1003 || (code >= 1007 && code <= 1011)
        || code == 1013 || (code >= 3000 && code <= 4999))) {
      throw new IllegalArgumentException("Code must be a close code a server may send "
          + "(1000, 1001, 1003, 1007-1011, 1013, 3000-4999): " + code);
    }
    CoreConnection c = open.get(id);
    if (c == null) {
      return false;
    }
    c.close(code, reason);
    return true;
  }
}
