package io.github.jchannels.core.memory;

import io.github.jchannels.core.Frame;
import io.github.jchannels.core.transport.Connection;
import io.github.jchannels.core.transport.ConnectionHandler;
import java.security.Principal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Connection} without a socket that records the frames sent to it, so a test can
 * await them, and lets the test act as the peer ({@link #receive}, {@link #closeFromPeer}).
 *
 * <p>Thread-safe. Frames are recorded in send order; {@link #takeFrame} consumes them one by one
 * while {@link #frames()} keeps the whole history.
 */
public final class InMemoryConnection implements Connection {
  private final String id;
  private final @Nullable Principal principal;
  private final @Nullable ConnectionHandler handler;
  private final BlockingQueue<Frame> pending = new LinkedBlockingQueue<>();
  private final List<Frame> history = new ArrayList<>();
  private final ConcurrentMap<String, Object> attributes = new ConcurrentHashMap<>();
  private final CountDownLatch closedLatch = new CountDownLatch(1);
  private final AtomicLong bufferedBytes = new AtomicLong();
  /** Serialises {@link #receive} calls, as a transport serialises one connection's frames. */
  private final Object receiveLock = new Object();
  /** Guarded by {@code this}. */
  private boolean open = true;
  /** Guarded by {@code this}; set once closed. */
  private int closeCode = -1;
  private String closeReason = "";

  InMemoryConnection(String id, @Nullable Principal principal,
      @Nullable ConnectionHandler handler) {
    this.id = Objects.requireNonNull(id, "id");
    this.principal = principal;
    this.handler = handler;
  }

  /** A stand-alone recording connection with no handler behind it. */
  public static InMemoryConnection recording(String id) {
    return new InMemoryConnection(id, null, null);
  }

  /** A stand-alone recording connection for {@code principal}. */
  public static InMemoryConnection recording(String id, @Nullable Principal principal) {
    return new InMemoryConnection(id, principal, null);
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public void send(Frame frame) {
    synchronized (this) {
      if (!open) {
        return;
      }
      history.add(frame);
      pending.add(frame);
    }
  }

  @Override
  public void close(int code, String reason) {
    if (markClosed(code, reason) && handler != null) {
      handler.onClose(this, code, reason);
    }
  }

  private boolean markClosed(int code, String reason) {
    synchronized (this) {
      if (!open) {
        return false;
      }
      open = false;
      closeCode = code;
      closeReason = reason;
    }
    closedLatch.countDown();
    return true;
  }

  @Override
  public synchronized boolean isOpen() {
    return open;
  }

  @Override
  public long bufferedBytes() {
    return bufferedBytes.get();
  }

  /** Pretends the peer has not read {@code bytes} bytes (for slow-consumer tests). */
  public void setBufferedBytes(long bytes) {
    bufferedBytes.set(bytes);
  }

  @Override
  public @Nullable Principal principal() {
    return principal;
  }

  @Override
  public ConcurrentMap<String, Object> attributes() {
    return attributes;
  }

  // ------------------------------------------------------------ the peer's side

  /**
   * Delivers {@code text} to the handler as if the peer had sent it, on the calling thread.
   * Calls for this connection are serialised, as a real transport does.
   */
  public void receive(String text) {
    ConnectionHandler h = Objects.requireNonNull(handler, "this connection has no handler");
    synchronized (this) {
      if (!open) {
        throw new IllegalStateException("connection " + id + " is closed");
      }
    }
    synchronized (receiveLock) {
      h.onText(this, text);
    }
  }

  /** Closes the connection as if the peer had closed it; the handler hears of it. */
  public void closeFromPeer(int code, String reason) {
    close(code, reason);
  }

  /** The next frame not yet taken, waiting up to {@code timeout}; fails if none arrives. */
  public Frame takeFrame(Duration timeout) {
    try {
      Frame f = pending.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
      if (f == null) {
        throw new AssertionError("connection " + id + ": no frame within " + timeout);
      }
      return f;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while waiting for a frame", e);
    }
  }

  /** The text of the next frame not yet taken; fails if none arrives within {@code timeout}. */
  public String takeText(Duration timeout) {
    return takeFrame(timeout).text();
  }

  /**
   * Skips frames until one whose text matches {@code test}; fails if none does within
   * {@code timeout}.
   */
  public String takeTextMatching(Predicate<String> test, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError("connection " + id + ": no matching frame within " + timeout);
      }
      String t = takeFrame(Duration.ofNanos(left)).text();
      if (test.test(t)) {
        return t;
      }
    }
  }

  /** Fails if a frame not yet taken is waiting. */
  public void assertNoMoreFrames() {
    Frame f = pending.peek();
    if (f != null) {
      throw new AssertionError("connection " + id + ": unexpected frame " + f.text());
    }
  }

  /** Every frame sent to this connection, in order. */
  public synchronized List<Frame> frames() {
    return List.copyOf(history);
  }

  /** The texts of every frame sent to this connection, in order. */
  public List<String> texts() {
    return frames().stream().map(Frame::text).toList();
  }

  /** Waits until the connection is closed and returns the close code; fails on timeout. */
  public int awaitClose(Duration timeout) {
    try {
      if (!closedLatch.await(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
        throw new AssertionError("connection " + id + " not closed within " + timeout);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while waiting for close", e);
    }
    return closeCode();
  }

  /** The close code, or -1 while open. */
  public synchronized int closeCode() {
    return closeCode;
  }

  /** The close reason, or empty while open. */
  public synchronized String closeReason() {
    return closeReason;
  }

  @Override
  public String toString() {
    return "InMemoryConnection[" + id + "]";
  }
}
