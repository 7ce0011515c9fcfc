package io.github.jchannels.server.internal;

import io.github.jchannels.core.Frame;
import io.github.jchannels.core.transport.Connection;
import io.github.jchannels.server.Handshake;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.java_websocket.WebSocketImpl;
import org.jspecify.annotations.Nullable;

/**
 * One Java-WebSocket connection as the core's {@link Connection}, from TCP accept to close.
 *
 * <p>Outbound: every frame is written as a shared pre-framed buffer ({@link WsFrame}) straight
 * into Java-WebSocket's (unbounded) out queue; the bytes not yet written to the socket are
 * counted here, because the library cannot tell (NOTES.md). The counting happens in
 * {@link CountingChannel}, which sees every socket write. Over the limit the connection is a
 * slow consumer: its untouched queued frames are emptied and it is closed with 1013.
 *
 * <p>Thread-safe. Lock order: the {@link WebSocketImpl} monitor (Java-WebSocket's own, taken by
 * its close methods) before {@link #outLock}; the socket writer takes only {@link #outLock}.
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
  private final ConcurrentMap<String, Object> attributes = new ConcurrentHashMap<>();
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

  private final Object outLock = new Object();
  /** Our buffers in Java-WebSocket's out queue, oldest first. Guarded by outLock. */
  private final ArrayDeque<ByteBuffer> inflight = new ArrayDeque<>();
  /** Bytes of {@link #inflight} not yet written. Guarded by outLock. */
  private long buffered;
  /** Guarded by outLock; once set, nothing more is queued. */
  private boolean slow;

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
    synchronized (outLock) {
      inflight.clear();
      buffered = 0;
      slow = true;
    }
    return was;
  }

  void handshake(Handshake h, Endpoint e) {
    this.handshake = h;
    this.endpoint = e;
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
    ByteBuffer buf = framed.duplicate();
    int size = framed.size();
    long now;
    boolean first;
    synchronized (socket) {
      if (!socket.isOpen() || socket.isFlushAndClose()) {
        return;
      }
      synchronized (outLock) {
        if (slow) {
          return;
        }
        inflight.addLast(buf);
        buffered += size;
        now = buffered;
      }
      first = socket.outQueue.isEmpty();
      socket.outQueue.add(buf);
    }
    server.metrics().out(size);
    if (first) {
      // A non-empty queue already has a write demand (its first frame asked for one); asking
      // once per burst spares a selector wake-up per frame. A demand the selector loses is
      // re-armed by ServerRuntime's kick.
      server.onWriteDemand(socket);
      runtime.outputQueued(this);
    }
    if (now > server.limits().maxBufferedBytes()) {
      slowConsumer();
    }
  }

  /** Writes {@code src} to {@code channel}, counting it if it is one of our buffers. */
  int write(ByteChannel channel, ByteBuffer src) throws IOException {
    synchronized (outLock) {
      int n = channel.write(src);
      if (n > 0 && inflight.peekFirst() == src) {
        buffered -= n;
        if (!src.hasRemaining()) {
          inflight.pollFirst();
        }
      }
      return n;
    }
  }

  private void slowConsumer() {
    synchronized (outLock) {
      if (slow) {
        return;
      }
      slow = true;
      // Frames the socket has not started are emptied (the writer skips them); a frame it is
      // halfway through stays whole so the peer can still read the close frame.
      for (ByteBuffer b : inflight) {
        if (b.position() == 0) {
          b.position(b.limit());
        }
      }
      inflight.clear();
      buffered = 0;
    }
    server.metrics().slowConsumerCloses.increment();
    close(io.github.jchannels.core.transport.CloseCodes.TRY_AGAIN_LATER, "slow consumer");
  }

  @Override
  public long bufferedBytes() {
    synchronized (outLock) {
      return buffered;
    }
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
    return attributes;
  }

  @Override
  public String path() {
    Handshake h = handshake;
    return h == null ? "" : h.path();
  }

  @Override
  public @Nullable InetSocketAddress remoteAddress() {
    Handshake h = handshake;
    return h == null ? null : h.remoteAddress().orElse(null);
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
