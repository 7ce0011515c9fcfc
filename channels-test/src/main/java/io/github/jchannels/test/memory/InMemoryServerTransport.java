package io.github.jchannels.test.memory;

import io.github.jchannels.core.Frame;
import io.github.jchannels.server.Handshake;
import io.github.jchannels.server.transport.ConnectionEvents;
import io.github.jchannels.server.transport.ServerTransport;
import io.github.jchannels.server.transport.TransportConnection;
import io.github.jchannels.server.transport.TransportContext;
import io.github.jchannels.server.transport.UpgradeResult;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * A {@link ServerTransport} with no socket and no port: the test opens connections
 * ({@link #open}) and frames go through queues in memory. The core's policies (path, origin,
 * authentication, authorizers, every limit of {@code ServerLimits} the core enforces, pings,
 * deadlines) apply unchanged. What a socket transport adds and this one has not: the
 * handshake size limit ({@code maxHandshakeSize}; there is no request to parse), fragments (a
 * message arrives whole), and backpressure ({@link TransportConnection#queuedBytes()} is always
 * 0, so the slow-consumer close 1013 never happens; test it on a port).
 *
 * <p>Pings the core sends are counted ({@link Connection#pingsReceived()}) and answered with a
 * pong at once, on the pinging thread (with a {@code FakeScheduler}: the thread that advances
 * time), unless the connection was told not to ({@link Connection#answerPings(boolean)}), to
 * play a dead peer. Close handshakes complete on the transport's own thread (a close the core
 * sends is answered by the peer, then {@code closed} is reported), released by
 * {@link #stop()}.
 *
 * <p>Thread-safe. One instance serves one server.
 */
public final class InMemoryServerTransport implements ServerTransport {
  private static final AtomicInteger INSTANCES = new AtomicInteger();

  /** Runs the close handshakes, off the core's call stack. */
  private final ExecutorService loop;
  private final List<Connection> connections = new CopyOnWriteArrayList<>();
  private final List<FrameObserver> observers = new CopyOnWriteArrayList<>();
  /** Null until {@link #start}. */
  private volatile @Nullable TransportContext context;

  /** A transport; give it to {@code ChannelServer.Builder.transport}. */
  public InMemoryServerTransport() {
    String name = "channels-in-memory-transport-" + INSTANCES.incrementAndGet();
    this.loop = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    });
  }

  /** Sees each frame the server writes to a connection, on the writing thread. */
  interface FrameObserver {
    /** {@code frame} was written to {@code connection}. */
    void written(Connection connection, Frame frame);
  }

  @Override
  public void start(TransportContext context) {
    if (this.context != null) {
      throw new IllegalStateException("already started");
    }
    this.context = Objects.requireNonNull(context, "context");
  }

  /** Always -1: there is no port. */
  @Override
  public int port() {
    return -1;
  }

  @Override
  public String name() {
    return "in-memory";
  }

  /** The paths the server serves (the channels endpoint first). */
  public Set<String> paths() {
    return context().paths();
  }

  /** The connections not closed yet (a snapshot). */
  public List<Connection> connections() {
    return List.copyOf(connections);
  }

  void observe(FrameObserver observer) {
    observers.add(observer);
  }

  /**
   * Opens a connection: the upgrade request for {@code resource} (path and query, e.g.
   * {@code /ws?token=abc}) with these headers (e.g. {@code Authorization},
   * {@code Origin}). A refused upgrade gives a closed connection (code 1006) whose
   * {@link Connection#upgrade()} holds the HTTP status. An accepted one is open; the core
   * authenticates it on its executor, so its first frame ({@code connected}, or the
   * {@code unauthorized} error) comes a moment later.
   */
  public Connection open(String resource, Map<String, String> headers) {
    Objects.requireNonNull(resource, "resource");
    Objects.requireNonNull(headers, "headers");
    Connection c = new Connection();
    connections.add(c);
    synchronized (c) {
      ConnectionEvents events = context().connecting(c);
      c.events = events;
      UpgradeResult result = events.upgrade(new Handshake(resource, headers, null));
      c.upgrade = result;
      if (!result.accepted()) {
        c.finish(1006, "upgrade refused: " + result.status() + " " + result.reason());
        return c;
      }
      events.opened();
    }
    return c;
  }

  /** Ends every connection still there (1006) and the transport's thread. Idempotent. */
  @Override
  public void stop() {
    for (Connection c : List.copyOf(connections)) {
      c.finish(1006, "transport stopped");
    }
    loop.shutdown();
    try {
      if (!loop.awaitTermination(10, TimeUnit.SECONDS)) {
        loop.shutdownNow();
      }
    } catch (InterruptedException e) {
      loop.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  private TransportContext context() {
    TransportContext c = context;
    if (c == null) {
      throw new IllegalStateException("the transport is not started: build and start the server");
    }
    return c;
  }

  /** Runs {@code task} on the transport's thread, or here once that thread is gone. */
  private void later(Runnable task) {
    try {
      loop.execute(task);
    } catch (RejectedExecutionException e) {
      task.run();
    }
  }

  /**
   * One in-memory connection. The server's side writes here; the test reads {@link #frames()}
   * and plays the peer with {@link #sendText} and {@link #closeFromPeer}. Thread-safe: the
   * peer's calls to the core are made one at a time, as the transport SPI requires.
   */
  public final class Connection implements TransportConnection {
    private final BlockingQueue<String> frames = new LinkedBlockingQueue<>();
    private final CountDownLatch closedLatch = new CountDownLatch(1);
    private final AtomicInteger pings = new AtomicInteger();
    /** Null until {@link #open} got the core's callbacks; guarded by this while opening. */
    private volatile @Nullable ConnectionEvents events;
    /** Null before the upgrade was answered. */
    private volatile @Nullable UpgradeResult upgrade;
    private volatile boolean answerPings = true;
    /** -1 while open. Guarded by this (written). */
    private volatile int closeCode = -1;
    private volatile String closeReason = "";
    /** Whether the core started the close handshake. Guarded by this. */
    private boolean closeSent;

    private Connection() {}

    /** The text frames the server wrote, oldest first, taken by the test. */
    public BlockingQueue<String> frames() {
      return frames;
    }

    /** The answer to the upgrade request (null before it). */
    public @Nullable UpgradeResult upgrade() {
      return upgrade;
    }

    /** The close code, or -1 while open. */
    public int closeCode() {
      return closeCode;
    }

    /** The close reason, empty while open. */
    public String closeReason() {
      return closeReason;
    }

    /** Whether the connection is closed. */
    public boolean isClosed() {
      return closeCode >= 0;
    }

    /**
     * Waits (on real time: the close handshake runs on the transport's thread) until the
     * connection is closed; returns the close code, or -1 if it is still open after
     * {@code timeout}.
     */
    public int awaitClosed(Duration timeout) {
      try {
        closedLatch.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return closeCode;
    }

    /** How many WebSocket pings the server sent. */
    public int pingsReceived() {
      return pings.get();
    }

    /** Whether to answer the server's pings with a pong (default true). */
    public void answerPings(boolean answer) {
      this.answerPings = answer;
    }

    /** Delivers a text message from the peer to the server; ignored once closing. */
    public synchronized void sendText(String text) {
      Objects.requireNonNull(text, "text");
      ConnectionEvents e = events;
      if (e != null && closeCode < 0 && !closeSent) {
        e.text(text);
      }
    }

    /** The peer closes with {@code code} and {@code reason}; the handshake completes at once. */
    public void closeFromPeer(int code, String reason) {
      finish(code, reason);
    }

    synchronized void finish(int code, String reason) {
      if (closeCode >= 0) {
        return;
      }
      closeCode = code;
      closeReason = reason;
      connections.remove(this);
      ConnectionEvents e = events;
      if (e != null) {
        e.closed(code, reason);
      }
      closedLatch.countDown();
    }

    @Override
    public void write(Frame frame) {
      if (closeCode >= 0) {
        return;
      }
      frames.add(frame.text());
      for (FrameObserver o : observers) {
        o.written(this, frame);
      }
    }

    @Override
    public long queuedBytes() {
      return 0;
    }

    @Override
    public void pauseReading() {}

    @Override
    public void resumeReading() {}

    @Override
    public void ping() {
      pings.incrementAndGet();
      if (!answerPings) {
        return;
      }
      synchronized (this) {
        ConnectionEvents e = events;
        if (e != null && closeCode < 0) {
          e.pong(ByteBuffer.allocate(0));
        }
      }
    }

    @Override
    public void pong(ByteBuffer payload) {}

    @Override
    public void close(int code, String reason) {
      synchronized (this) {
        if (closeSent || closeCode >= 0) {
          return;
        }
        closeSent = true;
      }
      later(() -> {
        ConnectionEvents e = events;
        if (e != null) {
          e.closeSent(code);
        }
        finish(code, reason);
      });
    }

    @Override
    public void abort() {
      later(() -> finish(1006, "aborted"));
    }
  }
}
