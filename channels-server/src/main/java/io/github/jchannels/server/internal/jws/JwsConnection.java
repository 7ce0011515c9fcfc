package io.github.jchannels.server.internal.jws;

import io.github.jchannels.core.Frame;
import io.github.jchannels.core.transport.CloseCodes;
import io.github.jchannels.server.transport.ConnectionEvents;
import io.github.jchannels.server.transport.TransportConnection;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.java_websocket.WebSocketImpl;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Java-WebSocket connection as the core's {@link TransportConnection}, from TCP accept to
 * close.
 *
 * <p>Outbound: every frame is written as a shared pre-framed buffer ({@link WsFrame}) straight
 * into Java-WebSocket's (unbounded) out queue; the bytes not yet written to the socket are
 * counted here, because the library cannot tell (NOTES.md). The counting happens in
 * {@link #write(ByteChannel, ByteBuffer)}, which {@link CountingChannel} routes every socket
 * write through. {@link #closeDiscardingQueued} makes the writer skip our queued frames that
 * were not started.
 *
 * <p>Thread-safe. Senders take the {@link WebSocketImpl} monitor (Java-WebSocket's own, also
 * taken by its close methods) only to queue; the writer (selector thread) takes no lock, and is
 * the only thread that moves buffer positions.
 */
final class JwsConnection implements TransportConnection {
  private static final Logger log = LoggerFactory.getLogger(JwsConnection.class);
  private static final int MAX_GATHER = 64;
  private static final long MAX_GATHER_BYTES = 256 * 1024;

  final WebSocketImpl socket;
  private final JwsServer server;
  /** Set right after the core knows the connection; null only during construction. */
  private volatile @Nullable ConnectionEvents events;
  /**
   * Bytes of our frames queued and not yet written. Our frames are the read-only buffers in
   * Java-WebSocket's out queue; its own control frames (writable buffers) are counted too
   * ({@link CountedSocket}), its handshake responses are not.
   */
  private final AtomicLong queued = new AtomicLong();
  /** Once set, nothing more is queued and the writer skips our frames not yet started. */
  private volatile boolean discard;
  private volatile boolean paused;
  /** Until the WebSocket opened. */
  private volatile boolean handshaking = true;
  private final AtomicBoolean reported = new AtomicBoolean();
  /** Set when the upgrade was refused: the connection ends once the refusal is written. */
  private volatile boolean refused;
  /** Set when the core refused the upgrade with 503: upgrade, then close with 1013. */
  private volatile @Nullable String refusedAfterUpgrade;
  /** Guards the owed pong against the writer. */
  private final Object pongLock = new Object();
  /** The last pong queued (a read-only view of {@link #pongBytes}), or null. */
  private volatile @Nullable ByteBuffer owedPong;
  /** The bytes behind {@link #owedPong}. Guarded by pongLock. */
  private ByteBuffer pongBytes = ByteBuffer.allocate(0);
  /** Bytes read before the handshake completed. Selector thread only. */
  long handshakeBytes;
  private volatile boolean aborted;
  private volatile @Nullable SocketChannel raw;
  /** A control frame of the library's being written (counted). Selector thread only. */
  private @Nullable ByteBuffer controlInProgress;

  JwsConnection(WebSocketImpl socket, JwsServer server) {
    this.socket = socket;
    this.server = server;
  }

  /** A close or ping frame of the library's was queued ({@code size} > 0) or was not. */
  void controlQueued(long size) {
    queued.addAndGet(size);
  }

  /**
   * Whether the bytes of {@code b} are counted in {@link #queued}: our frames (read-only) and the
   * library's control frames (selector thread only).
   */
  @SuppressWarnings("ReferenceEquality") // identity of the one control frame being written
  private boolean counted(ByteBuffer b) {
    if (b.isReadOnly() || b == controlInProgress) {
      return true;
    }
    if (CountedSocket.isControlFrame(b)) {
      controlInProgress = b;
      return true;
    }
    return false;
  }

  void events(ConnectionEvents e) {
    this.events = e;
  }

  @Nullable ConnectionEvents events() {
    return events;
  }

  boolean handshaking() {
    return handshaking;
  }

  /** The WebSocket opened (decoder thread). */
  void opened() {
    handshaking = false;
    ConnectionEvents e = events;
    if (e != null) {
      e.opened();
    }
  }

  /** Java-WebSocket's onClose (opened connections only). */
  void closed(int code, String reason) {
    report(code, reason);
  }

  /** The socket channel closed: reports a connection that never opened (no onClose for it). */
  void channelClosed() {
    if (handshaking) {
      report(CloseCodes.ABNORMAL, "");
    }
  }

  void refuseAfterUpgrade(String reason) {
    refusedAfterUpgrade = reason;
  }

  @Nullable String refusedAfterUpgrade() {
    return refusedAfterUpgrade;
  }

  private void report(int code, String reason) {
    discard = true;
    queued.set(0);
    if (socket.getDraft() instanceof LimitedDraft d) {
      d.release();
    }
    server.transport().forget(this);
    ConnectionEvents e = events;
    if (e != null && reported.compareAndSet(false, true)) {
      e.closed(code, reason);
    }
  }

  // ------------------------------------------------------------- sending

  @Override
  public void write(Frame frame) {
    WsFrame framed = WsFrame.of(frame);
    ByteBuffer buf = framed.readOnlyView();
    int size = framed.size();
    long now;
    synchronized (socket) {
      if (discard || !socket.isOpen() || socket.isFlushAndClose()) {
        return;
      }
      // Queue first, count second: "now <= size" then proves that every byte queued before
      // this frame was written before it became visible, the only case in which the selector
      // can have found the queue empty and dropped its write interest without seeing this frame
      // (Java-WebSocket's doWrite sets OP_READ after a batch). Then the kick re-arms it.
      socket.outQueue.add(buf);
      now = queued.addAndGet(size);
    }
    server.onWriteDemand(socket);
    if (now <= size) {
      server.transport().outputQueued(this);
    }
  }

  @Override
  public long queuedBytes() {
    return Math.max(0, queued.get());
  }

  /**
   * Writes {@code src}, the head of the out queue, to {@code channel} (selector thread only; no
   * lock is held across the system call). With several frames queued on a plain socket, one
   * gathering write sends the head and the frames behind it; Java-WebSocket then finds those
   * written and moves past them without a system call each. Once discarding, our frames not yet
   * started are skipped; one half written stays whole, so the peer can still read the close
   * frame behind it.
   */
  @SuppressWarnings("ReferenceEquality") // identity of the one owed-pong buffer
  int write(ByteChannel channel, ByteBuffer src) throws IOException {
    if (!src.hasRemaining()) {
      return 0; // already written by an earlier gathering write
    }
    if (discard && src.isReadOnly() && src.position() == 0) {
      src.position(src.limit());
      return 0;
    }
    if (src == owedPong) {
      synchronized (pongLock) {
        int before = src.position();
        int n = channel.write(src);
        queued.addAndGet(before - src.position());
        return n;
      }
    }
    if (!discard && channel instanceof GatheringByteChannel g && socket.outQueue.size() > 1) {
      return gather(g, src);
    }
    int before = src.position();
    boolean ours = counted(src);
    int n = channel.write(src);
    if (ours) {
      queued.addAndGet(before - src.position());
    } else if (refused && !src.hasRemaining() && socket.outQueue.size() <= 1) {
      // Java-WebSocket 1.6.0 never closes a connection whose handshake it refused (its
      // flush-and-close needs a draft role the refused handshake did not get)
      socket.closeConnection(CloseCodes.ABNORMAL, "upgrade refused");
    }
    return n;
  }

  /** The upgrade is being refused with an HTTP response (decoder thread). */
  void refused() {
    refused = true;
  }

  @SuppressWarnings("ReferenceEquality") // identity of queued buffers
  private int gather(GatheringByteChannel g, ByteBuffer head) throws IOException {
    Object[] now = socket.outQueue.toArray();
    ByteBuffer[] batch = new ByteBuffer[Math.min(MAX_GATHER, now.length)];
    int[] before = new int[batch.length];
    int k = 0;
    long bytes = 0;
    boolean seenHead = false;
    for (Object o : now) {
      ByteBuffer b = (ByteBuffer) o;
      if (!seenHead) {
        if (b != head) {
          continue;
        }
        seenHead = true;
      }
      if (k == batch.length || bytes >= MAX_GATHER_BYTES || b == owedPong) {
        break; // the owed pong may still be rewritten: it is written alone, at the head
      }
      before[k] = b.position();
      batch[k++] = b;
      bytes += b.remaining();
    }
    if (k == 0) {
      batch[0] = head;
      before[0] = head.position();
      k = 1;
    }
    boolean[] counted = new boolean[k];
    for (int i = 0; i < k; i++) {
      counted[i] = counted(batch[i]);
    }
    long n = g.write(batch, 0, k);
    long ours = 0;
    for (int i = 0; i < k; i++) {
      if (counted[i]) {
        ours += batch[i].position() - before[i];
      }
    }
    queued.addAndGet(-ours);
    return (int) Math.min(Integer.MAX_VALUE, n);
  }

  /** Whether frames wait in the out queue (for the kick). */
  boolean hasQueuedOutput() {
    return !socket.outQueue.isEmpty() && !socket.isClosed();
  }

  /** Re-arms a lost write demand (the kick timer's thread). */
  void rearmWriteDemand() {
    SelectionKey key = socket.getSelectionKey();
    try {
      if (key != null && key.isValid() && (key.interestOps() & SelectionKey.OP_WRITE) == 0) {
        log.trace("Re-arming the write demand of {}", this);
        server.onWriteDemand(socket);
      }
    } catch (CancelledKeyException e) {
      log.trace("Key cancelled", e);
    }
  }

  // ------------------------------------------------------------- reading

  @Override
  public void pauseReading() {
    paused = true;
    // The selector finds the key readable once more, reads nothing (CountingChannel) and the
    // interest is dropped here; Java-WebSocket sets OP_READ again after each write batch.
    SelectionKey key = socket.getSelectionKey();
    try {
      if (key != null && key.isValid()) {
        key.interestOps(key.interestOps() & ~SelectionKey.OP_READ);
      }
    } catch (CancelledKeyException e) {
      log.trace("Key cancelled", e);
    }
  }

  @Override
  public void resumeReading() {
    if (paused) {
      paused = false;
      if (socket.getSelectionKey() != null) {
        server.onWriteDemand(socket); // sets OP_READ (and OP_WRITE, harmless) and wakes up
      }
    }
  }

  boolean readingPaused() {
    if (paused) {
      SelectionKey key = socket.getSelectionKey();
      try {
        if (key != null && key.isValid()) {
          key.interestOps(key.interestOps() & ~SelectionKey.OP_READ);
        }
      } catch (CancelledKeyException e) {
        log.trace("Key cancelled", e);
      }
      return true;
    }
    return false;
  }

  // ------------------------------------------------------------- control frames

  @Override
  public void ping() {
    try {
      if (socket.isOpen()) {
        socket.sendPing();
      }
    } catch (RuntimeException e) {
      log.trace("Ping to {} failed", this, e);
    }
  }

  /**
   * Queues a pong for {@code payload}, counted in {@link #queuedBytes()} like any frame. At most
   * one pong is owed: while the queued pong has not started to be written, a new ping rewrites
   * it in place, so it answers the most recent ping (RFC 6455 5.5.3). A ping flood from a
   * client that does not read holds one pong, not one per ping. The pong is written only at the
   * head of the queue, under {@link #pongLock}, never inside a gathering write.
   */
  @Override
  public void pong(ByteBuffer payload) {
    int n = Math.min(125, payload.remaining());
    ByteBuffer src = payload.duplicate();
    src.limit(src.position() + n);
    boolean first = false;
    synchronized (pongLock) {
      ByteBuffer view = owedPong;
      if (view != null && view.position() == 0 && view.hasRemaining()) {
        long before = view.limit();
        pongBytes.clear();
        pongBytes.put((byte) 0x8A).put((byte) n).put(src);
        view.limit(2 + n);
        queued.addAndGet(2 + n - before);
        return;
      }
      synchronized (socket) {
        if (discard || !socket.isOpen() || socket.isFlushAndClose()) {
          return;
        }
        pongBytes = ByteBuffer.allocate(127);
        pongBytes.put((byte) 0x8A).put((byte) n).put(src);
        ByteBuffer ours = pongBytes.asReadOnlyBuffer();
        ours.position(0).limit(2 + n);
        owedPong = ours;
        socket.outQueue.add(ours);
        first = queued.addAndGet(2 + n) <= 2 + n;
      }
    }
    server.onWriteDemand(socket);
    if (first) {
      server.transport().outputQueued(this);
    }
  }

  // ------------------------------------------------------------- closing

  @Override
  public void close(int code, String reason) {
    if (handshaking) {
      abort();
      return;
    }
    socket.close(code, reason);
  }

  @Override
  public void closeDiscardingQueued(int code, String reason) {
    discard = true;
    close(code, reason);
  }

  @Override
  public void abort() {
    aborted = true;
    closeRaw(); // Java-WebSocket closes no channel it has not been given yet (accept window)
    socket.closeConnection(CloseCodes.ABNORMAL, "aborted");
  }

  /**
   * The accepted channel, before Java-WebSocket gets it (selector thread, {@code wrapChannel}):
   * an {@link #abort} in the window between the core's {@code connecting} and the library's
   * {@code setChannel} (a handshake deadline on fake time, an eviction) would otherwise close
   * nothing and leave the socket open. Returns whether the connection was aborted already.
   */
  boolean accepted(SocketChannel channel) {
    raw = channel;
    if (aborted) {
      closeRaw();
      return true;
    }
    return false;
  }

  private void closeRaw() {
    SocketChannel ch = raw;
    if (ch != null) {
      try {
        ch.close();
      } catch (IOException e) {
        log.trace("Closing {} failed", this, e);
      }
    }
  }

  @Override
  public String toString() {
    return "JwsConnection@" + Integer.toHexString(System.identityHashCode(this));
  }
}
