package io.github.jchannels.server.internal.jws;

import io.github.jchannels.core.time.Cancellable;
import io.github.jchannels.core.time.Scheduler;
import io.github.jchannels.core.time.SystemScheduler;
import io.github.jchannels.server.transport.ServerTransport;
import io.github.jchannels.server.transport.TransportContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.java_websocket.framing.CloseFrame;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default {@link ServerTransport}: a Java-WebSocket 1.6.0 server on its own port (one
 * selector thread, up to four decoder threads).
 *
 * <p>Workaround of a Java-WebSocket 1.6.0 race: it can lose a write demand (its selector sets
 * the key back to OP_READ after a write batch, which can undo the OP_WRITE a concurrent sender
 * just set, leaving frames queued until the next send). Connections that queued output onto an
 * empty queue are re-armed every {@link #KICK}. That timer runs on real time on a thread of
 * this transport (it repairs a lost wake-up, it is no protocol timer, and must run under a
 * test's fake scheduler too).
 */
public final class JwsTransport implements ServerTransport {
  /** The Java-WebSocket version the workarounds of this package were written for. */
  public static final String WRITTEN_FOR = "1.6.0";
  private static final Logger log = LoggerFactory.getLogger(JwsTransport.class);
  private static final AtomicInteger NUMBER = new AtomicInteger();
  private static final Duration KICK = Duration.ofMillis(20);

  private final Set<JwsConnection> connections = ConcurrentHashMap.newKeySet();
  private final Set<JwsConnection> pendingOutput = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean stopped = new AtomicBoolean();
  private volatile @Nullable JwsServer server;
  private volatile @Nullable SystemScheduler kicker;
  private volatile Cancellable kick = Cancellable.NONE;
  private volatile int port = -1;

  /** A transport that binds the context's host and port when started. */
  public JwsTransport() {}

  @Override
  public String name() {
    return "java-websocket";
  }

  @Override
  public void start(TransportContext context) throws IOException {
    if (!started.compareAndSet(false, true)) {
      throw new IllegalStateException("A transport serves one server, once");
    }
    int decoders = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
    JwsServer s = new JwsServer(new InetSocketAddress(context.host(), context.port()), decoders,
        context, this);
    this.server = s;
    SystemScheduler k = Scheduler.system("channels-jws-" + NUMBER.incrementAndGet() + "-kick");
    this.kicker = k;
    s.start();
    try {
      s.awaitStart(30_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while starting", e);
    }
    port = s.getPort();
    kick = k.schedule(KICK, this::kick);
  }

  @Override
  public int port() {
    return port;
  }

  void remember(JwsConnection c) {
    connections.add(c);
  }

  void forget(JwsConnection c) {
    connections.remove(c);
    pendingOutput.remove(c);
  }

  /** Runs {@code task} after {@code delay} of real time on this transport's timer thread. */
  void afterRealDelay(Duration delay, Runnable task) {
    SystemScheduler k = kicker;
    if (k != null && !stopped.get()) {
      k.schedule(delay, task);
    }
  }

  /** Called after a frame was queued onto an empty queue. */
  void outputQueued(JwsConnection c) {
    pendingOutput.add(c);
  }

  @SuppressWarnings("ModifyCollectionInEnhancedForLoop") // a concurrent set
  private void kick() {
    SystemScheduler k = kicker;
    if (stopped.get() || k == null) {
      return;
    }
    for (JwsConnection c : pendingOutput) {
      if (!c.hasQueuedOutput()) {
        pendingOutput.remove(c);
        if (!c.hasQueuedOutput()) {
          continue;
        }
        pendingOutput.add(c); // queued meanwhile
      }
      c.rearmWriteDemand();
    }
    kick = k.schedule(KICK, this::kick);
  }

  @Override
  public void stop() {
    JwsServer s = server;
    if (s != null && (Thread.currentThread() == s.selectorThread()
        || s.workers().contains(Thread.currentThread()))) {
      throw new IllegalStateException("The server must not be closed from a socket thread");
    }
    if (!stopped.compareAndSet(false, true)) {
      return;
    }
    kick.cancel();
    try {
      if (s != null) {
        s.stop(1000, "server shutdown");
        s.releaseReserve();
        // connections the core did not know to close (a bare stop leaks their sockets)
        for (JwsConnection c : List.copyOf(connections)) {
          c.socket.closeConnection(CloseFrame.GOING_AWAY, "server shutdown");
        }
        Thread selector = s.selectorThread();
        if (selector != null && selector.isAlive()) {
          selector.interrupt();
          selector.join(1000);
        }
        for (Thread w : s.workers()) {
          w.interrupt();
          w.join(1000);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      SystemScheduler k = kicker;
      if (k != null) {
        k.close();
      }
      connections.clear();
      pendingOutput.clear();
      log.debug("Java-WebSocket transport on port {} stopped", port);
    }
  }
}
