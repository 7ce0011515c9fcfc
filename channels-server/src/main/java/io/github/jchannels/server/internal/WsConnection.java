package io.github.jchannels.server.internal;

import io.github.jchannels.core.Frame;
import io.github.jchannels.core.transport.Connection;
import io.github.jchannels.server.Handshake;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.java_websocket.WebSocketImpl;
import org.jspecify.annotations.Nullable;

/**
 * One Java-WebSocket connection as the core's {@link Connection}, from TCP accept to close.
 *
 * <p>Outbound: every frame is written as a shared pre-framed buffer ({@link WsFrame}) straight
 * into Java-WebSocket's (unbounded) out queue; the bytes not yet written to the socket are
 * counted here, because the library cannot tell (NOTES.md). The counting happens in
 * {@link #write}, which {@link CountingChannel} routes every socket write through. Over the
 * limit the connection is a slow consumer: it is closed with 1013 and the writer skips its
 * queued frames that were not started.
 *
 * <p>Thread-safe. Senders take the {@link WebSocketImpl} monitor (Java-WebSocket's own, also
 * taken by its close methods) only to queue; the writer (selector thread) takes no lock, and is
 * the only thread that moves buffer positions.
 */
final class WsConnection implements Connection, ConnectionMeta {
  /** Life cycle; moves forward only. */
  enum State { HANDSHAKING, AUTHENTICATING, OPEN, REJECTED, CLOSED }

  /** What to do with an inbound message, by the rate limit. */
  enum Admission { ACCEPT, NOTIFY, DROP, CLOSE }

  private final String id;
  final WebSocketImpl socket;
  private final WsServer server;
  private final Instant acceptedAt = Instant.now();
  private final AtomicReference<State> state = new AtomicReference<>(State.HANDSHAKING);
  /** Created on first use. */
  private volatile @Nullable ConcurrentMap<String, Object> attributes;
  /** Set at the handshake; null before. */
  private volatile @Nullable Handshake handshake;
  /** Set at the handshake; null before. */
  private volatile @Nullable Endpoint endpoint;
  private volatile @Nullable Principal principal;
  private volatile Instant connectedAt = acceptedAt;
  /** Set when the WebSocket handshake completes; null before. */
  volatile @Nullable SerialExecutor serial;
  /** The handshake deadline; null once cancelled or fired. */
  volatile @Nullable ScheduledFuture<?> deadline;
  /** System.nanoTime() of the last pong or message from the peer. */
  volatile long lastSeen = System.nanoTime();
  /** Set (on the connection's executor) once authenticated, before the handler's onOpen. */
  volatile boolean everOpened;
  /** Bytes read before the handshake completed. Decoder/selector thread only. */
  long handshakeBytes;

  /**
   * Bytes of our frames queued and not yet written. Our frames are the read-only buffers in
   * Java-WebSocket's out queue (its own control frames are writable ones and not counted).
   */
  private final AtomicLong queued = new AtomicLong();
  /** Once set, nothing more is queued and the writer skips our frames not yet started. */
  private volatile boolean slow;
  /** Kept from the handshake; "" before. */
  private volatile String path = "";
  private volatile @Nullable InetSocketAddress remote;

  /** Rate-limit window. Guarded by this. */
  private long windowStart = System.nanoTime();
  private int windowCount;
  private int windowDropped;

  private final ServerRuntime runtime;

  WsConnection(String id, WebSocketImpl socket, WsServer server, ServerRuntime runtime) {
    this.id = id;
    this.socket = socket;
    this.server = server;
    this.runtime = runtime;
  }

  @Override
  public String id() {
    return id;
  }

  State state() {
    return state.get();
  }

  boolean transition(State from, State to) {
    return state.compareAndSet(from, to);
  }

  /** Marks the connection closed; returns the state it was in. */
  State markClosed() {
    State was = state.getAndSet(State.CLOSED);
    slow = true;
    queued.set(0);
    return was;
  }

  void handshake(Handshake h, Endpoint e) {
    this.handshake = h;
    this.endpoint = e;
    this.path = h.path();
    this.remote = h.remoteAddress().orElse(null);
  }

  /** Drops the handshake (its header map) once authentication no longer needs it. */
  void forgetHandshake() {
    this.handshake = null;
  }

  @Nullable Handshake handshake() {
    return handshake;
  }

  @Nullable Endpoint endpoint() {
    return endpoint;
  }

  void authenticated(@Nullable Principal p) {
    this.principal = p;
    this.connectedAt = Instant.now();
  }

  Instant acceptedAt() {
    return acceptedAt;
  }

  // ------------------------------------------------------------- sending

  @Override
  public void send(Frame frame) {
    if (state.get() == State.OPEN) {
      enqueue(frame);
    }
  }

  /** Queues {@code frame} whatever the life-cycle state (e.g. the unauthorized error). */
  void enqueue(Frame frame) {
    WsFrame framed = WsFrame.of(frame);
    ByteBuffer buf = framed.readOnlyView();
    int size = framed.size();
    long now;
    synchronized (socket) {
      if (slow || !socket.isOpen() || socket.isFlushAndClose()) {
        return;
      }
      // Queue first, count second: "now <= size" then proves that every byte queued before
      // this frame was written before it became visible, the only case in which the selector
      // can have found the queue empty and dropped its write interest without seeing this frame
      // (Java-WebSocket's doWrite sets OP_READ after a batch). Then the kick re-arms it.
      socket.outQueue.add(buf);
      now = queued.addAndGet(size);
    }
    server.metrics().out(size);
    server.onWriteDemand(socket);
    if (now <= size) {
      runtime.outputQueued(this);
    }
    if (now > server.limits().maxBufferedBytes()) {
      slowConsumer();
    }
  }

  private static final int MAX_GATHER = 64;
  private static final long MAX_GATHER_BYTES = 256 * 1024;

  /**
   * Writes {@code src}, the head of the out queue, to {@code channel} (selector thread only; no
   * lock is held across the system call). With several frames queued on a plain socket, one
   * gathering write sends the head and the frames behind it; Java-WebSocket then finds those
   * written and moves past them without a system call each. Once the connection is a slow
   * consumer our frames not yet started are skipped; one half written stays whole, so the peer
   * can still read the close frame behind it.
   */
  int write(ByteChannel channel, ByteBuffer src) throws IOException {
    if (!src.hasRemaining()) {
      return 0; // already written by an earlier gathering write
    }
    if (slow && src.isReadOnly() && src.position() == 0) {
      src.position(src.limit());
      return 0;
    }
    if (!slow && channel instanceof GatheringByteChannel g && socket.outQueue.size() > 1) {
      return gather(g, src);
    }
    int before = src.position();
    int n = channel.write(src);
    if (src.isReadOnly()) {
      queued.addAndGet(before - src.position());
    }
    return n;
  }

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
      if (k == batch.length || bytes >= MAX_GATHER_BYTES) {
        break;
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
    long n = g.write(batch, 0, k);
    long ours = 0;
    for (int i = 0; i < k; i++) {
      if (batch[i].isReadOnly()) {
        ours += batch[i].position() - before[i];
      }
    }
    queued.addAndGet(-ours);
    return (int) Math.min(Integer.MAX_VALUE, n);
  }

  private void slowConsumer() {
    synchronized (socket) {
      if (slow) {
        return;
      }
      slow = true;
    }
    server.metrics().slowConsumerCloses.increment();
    close(io.github.jchannels.core.transport.CloseCodes.TRY_AGAIN_LATER, "slow consumer");
  }

  @Override
  public long bufferedBytes() {
    return Math.max(0, queued.get());
  }

  // ------------------------------------------------------------- closing

  @Override
  public void close(int code, String reason) {
    State s = state.get();
    if (s == State.HANDSHAKING) {
      socket.closeConnection(code, reason);
      return;
    }
    socket.close(code, clipReason(reason));
  }

  static String clipReason(String reason) {
    byte[] b = reason.getBytes(StandardCharsets.UTF_8);
    if (b.length <= 123) {
      return reason;
    }
    String s = reason;
    while (s.getBytes(StandardCharsets.UTF_8).length > 120) {
      s = s.substring(0, s.length() - 1);
    }
    return s;
  }

  @Override
  public boolean isOpen() {
    return state.get() == State.OPEN && socket.isOpen();
  }

  // ------------------------------------------------------------- rate limit

  /** Counts one inbound message against the rate limit. */
  synchronized Admission admit(long nowNanos) {
    var limits = server.limits();
    if (nowNanos - windowStart >= limits.inboundWindow().toNanos()) {
      windowStart = nowNanos;
      windowCount = 0;
      windowDropped = 0;
    }
    if (++windowCount <= limits.maxInboundMessages()) {
      return Admission.ACCEPT;
    }
    windowDropped++;
    if (windowDropped >= limits.maxRateLimitedMessages()) {
      return Admission.CLOSE;
    }
    return windowDropped == 1 ? Admission.NOTIFY : Admission.DROP;
  }

  // ------------------------------------------------------------- metadata

  @Override
  public @Nullable Principal principal() {
    return principal;
  }

  @Override
  public ConcurrentMap<String, Object> attributes() {
    ConcurrentMap<String, Object> a = attributes;
    if (a == null) {
      synchronized (this) {
        a = attributes;
        if (a == null) {
          a = new ConcurrentHashMap<>();
          attributes = a;
        }
      }
    }
    return a;
  }

  @Override
  public String path() {
    return path;
  }

  @Override
  public @Nullable InetSocketAddress remoteAddress() {
    return remote;
  }

  @Override
  public Instant connectedAt() {
    return connectedAt;
  }

  @Override
  public String toString() {
    return "WsConnection[" + id + " " + state.get() + " " + path() + "]";
  }
}
