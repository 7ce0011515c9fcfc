package io.github.jchannels.server.internal;

import io.github.jchannels.core.Channels;
import io.github.jchannels.core.Decoded;
import io.github.jchannels.core.ErrorCode;
import io.github.jchannels.core.Frame;
import io.github.jchannels.core.GlobalEvent;
import io.github.jchannels.core.time.Cancellable;
import io.github.jchannels.core.transport.CloseCodes;
import io.github.jchannels.core.transport.Connection;
import io.github.jchannels.server.Authenticator;
import io.github.jchannels.server.Handshake;
import io.github.jchannels.server.ServerLimits;
import io.github.jchannels.server.transport.ConnectionEvents;
import io.github.jchannels.server.transport.TransportConnection;
import io.github.jchannels.server.transport.UpgradeResult;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection in the transport-neutral core, from {@code connecting} to {@code closed}: the
 * state machine, authentication, the rate limit, the slow-consumer check, liveness bookkeeping
 * and the close handshake deadline. It is the {@link Connection} the engine and the handlers
 * see, and the {@link ConnectionEvents} its transport calls; it drives the transport's
 * {@link TransportConnection}.
 *
 * <p>Thread-safe. Transport callbacks never block here: work for handlers and authenticators is
 * queued on the connection's {@link SerialExecutor}.
 */
final class CoreConnection implements Connection, ConnectionMeta, ConnectionEvents {
  private static final Logger log = LoggerFactory.getLogger(CoreConnection.class);

  /** Life cycle; moves forward only. */
  enum State { HANDSHAKING, AUTHENTICATING, OPEN, REJECTED, CLOSED }

  private final String id;
  private final ServerCore core;
  private final TransportConnection transport;
  private final ServerLimits limits;
  private final AtomicReference<State> state = new AtomicReference<>(State.HANDSHAKING);
  private final RateWindow rate;
  /** Set once the core asked for a close (or a close frame went out): nothing more is sent. */
  private final AtomicBoolean closing = new AtomicBoolean();
  /** Set once the close handshake deadline is armed. */
  private final AtomicBoolean closeArmed = new AtomicBoolean();
  /** Once set, the connection is a slow consumer (or closed): nothing more is queued. */
  private volatile boolean slow;
  /** Created on first use. */
  private volatile @Nullable ConcurrentMap<String, Object> attributes;
  /** Set at the upgrade; dropped once authentication no longer needs it. */
  private volatile @Nullable Handshake handshake;
  /** Set at the upgrade; null before. */
  private volatile @Nullable Endpoint endpoint;
  private volatile @Nullable Principal principal;
  private volatile Instant connectedAt;
  /** Kept from the handshake; "" before. */
  private volatile String path = "";
  private volatile @Nullable InetSocketAddress remote;
  /** Set when the WebSocket opens; null before. */
  private volatile @Nullable SerialExecutor serial;
  /** The handshake deadline; NONE once cancelled or fired. */
  private volatile Cancellable deadline = Cancellable.NONE;
  private volatile Cancellable closeDeadline = Cancellable.NONE;
  /** The remote address counted against the per-address cap, or null. */
  private volatile @Nullable InetAddress countedAddress;
  /** Scheduler nanoTime of the last frame from the peer. */
  private volatile long lastSeen;
  /** Set (on the connection's executor) once authenticated, before the handler's onOpen. */
  private volatile boolean everOpened;

  CoreConnection(String id, ServerCore core, TransportConnection transport) {
    this.id = id;
    this.core = core;
    this.transport = transport;
    this.limits = core.limits();
    long now = core.scheduler().nanoTime();
    this.lastSeen = now;
    this.rate = new RateWindow(limits, now);
    this.connectedAt = Instant.ofEpochMilli(core.scheduler().currentTimeMillis());
  }

  @Override
  public String id() {
    return id;
  }

  State state() {
    return state.get();
  }

  long lastSeen() {
    return lastSeen;
  }

  TransportConnection transport() {
    return transport;
  }

  @Nullable Endpoint endpoint() {
    return endpoint;
  }

  void deadline(Cancellable d) {
    this.deadline = d;
  }

  void countedAddress(InetAddress a) {
    this.countedAddress = a;
  }

  @Nullable InetAddress countedAddress() {
    return countedAddress;
  }

  /** Too many handshakes in progress and this one is the oldest: dropped. */
  void evictHandshake() {
    if (state.compareAndSet(State.HANDSHAKING, State.REJECTED)) {
      deadline.cancel();
      core.metrics().rejectedHandshakes.increment();
      transport.abort();
    }
  }

  // ------------------------------------------------------------- transport events

  @Override
  public UpgradeResult upgrade(Handshake request) {
    UpgradeResult r = core.admit(this, request);
    core.handshakeOver(this);
    if (!r.accepted()) {
      // the handshake deadline stays armed: it drops the connection should the transport not
      // close it after sending the refusal
      state.compareAndSet(State.HANDSHAKING, State.REJECTED);
    }
    return r;
  }

  /** Admission accepted {@code h} for endpoint {@code e}. */
  void admitted(Handshake h, Endpoint e) {
    this.handshake = h;
    this.endpoint = e;
    this.path = h.path();
    this.remote = h.remoteAddress().orElse(null);
  }

  @Override
  public void opened() {
    if (endpoint == null || !state.compareAndSet(State.HANDSHAKING, State.AUTHENTICATING)) {
      transport.abort(); // refused, or the handshake deadline passed meanwhile
      return;
    }
    SerialExecutor s = new SerialExecutor(core.executor(), limits.maxPendingMessages(),
        limits.maxPendingBytes());
    serial = s;
    s.submitAlways(this::authenticate);
  }

  private void authenticate() {
    Endpoint e = endpoint;
    Handshake h = handshake;
    if (e == null || h == null) {
      return;
    }
    Principal p = null;
    boolean ok;
    Authenticator a = e.authenticator();
    if (a == null) {
      ok = true;
    } else {
      try {
        Optional<Principal> found = a.authenticate(h);
        ok = found != null && found.isPresent();
        p = ok ? found.get() : null;
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
        ok = false;
      } catch (Exception | Error ex) {
        log.warn("Authenticator failed for {}; rejecting", h, ex);
        ok = false;
      }
    }
    Metrics metrics = core.metrics();
    if (!ok) {
      if (state.compareAndSet(State.AUTHENTICATING, State.REJECTED)) {
        deadline.cancel();
        metrics.rejectedHandshakes.increment();
        metrics.error(ErrorCode.UNAUTHORIZED.wire());
        write(core.codec().encodeError(ErrorCode.UNAUTHORIZED, "invalid or missing credentials",
            null, null));
        close(CloseCodes.POLICY_VIOLATION, "unauthorized");
      }
      return;
    }
    this.principal = p;
    this.connectedAt = Instant.ofEpochMilli(core.scheduler().currentTimeMillis());
    this.handshake = null; // its header map is no longer needed
    if (!state.compareAndSet(State.AUTHENTICATING, State.OPEN)) {
      return; // closed or timed out meanwhile
    }
    deadline.cancel();
    deadline = Cancellable.NONE;
    metrics.totalConnections.increment();
    everOpened = true;
    core.registerOpen(this);
    if (!e.main()) {
      send(core.codec().encode(Channels.global(), new GlobalEvent.Connected(id,
          core.scheduler().currentTimeMillis(), limits.heartbeatInterval().toMillis())));
    }
    try {
      e.handler().onOpen(this);
    } catch (RuntimeException ex) {
      log.warn("onOpen of {} failed for {}", e.path(), id, ex);
    }
  }

  /** The handshake deadline passed (scheduler thread). */
  void handshakeExpired() {
    deadline = Cancellable.NONE;
    core.handshakeOver(this);
    if (state.compareAndSet(State.HANDSHAKING, State.REJECTED)) {
      core.metrics().handshakeTimeouts.increment();
      log.debug("Handshake of {} timed out", id);
      transport.abort();
    } else if (state.compareAndSet(State.AUTHENTICATING, State.REJECTED)) {
      core.metrics().handshakeTimeouts.increment();
      log.warn("Authentication of {} did not finish within {}", id, limits.handshakeTimeout());
      close(CloseCodes.INTERNAL_ERROR, "authentication timed out");
    } else if (state.get() == State.REJECTED && serial == null) {
      log.debug("Refused connection {} still there at the handshake deadline", id);
      transport.abort();
    }
  }

  @Override
  public void text(String message) {
    int bytes = utf8Length(message);
    core.metrics().in(bytes);
    long now = core.scheduler().nanoTime();
    lastSeen = now;
    State s = state.get();
    if ((s != State.OPEN && s != State.AUTHENTICATING) || closing.get()) {
      return; // rejected, or closing: input after the server's close frame is discarded
    }
    if (bytes > limits.maxFrameSize()) {
      close(CloseCodes.TOO_BIG, "message over " + limits.maxFrameSize() + " bytes");
      return;
    }
    if (!admit(now, message)) {
      return;
    }
    Endpoint e = endpoint;
    SerialExecutor q = serial;
    if (e == null || q == null) {
      return;
    }
    if (e.main() && s == State.OPEN && core.engine().answerIfPing(this, message)) {
      return;
    }
    if (!q.submit(() -> deliver(e, message), bytes)) {
      log.debug("Connection {} has {} messages ({} bytes) waiting; closing", id, q.pending(),
          q.pendingBytes());
      close(CloseCodes.TRY_AGAIN_LATER, "too many pending messages");
    }
  }

  /**
   * Counts one inbound message (a text message, or a ping frame when {@code text} is null)
   * against the rate limit; false if it is dropped. The first one over the limit in a window
   * is answered with {@code rate_limited} (echoing its {@code ref} when readable), always
   * before the close 1008 that follows when the client goes on.
   */
  private boolean admit(long now, @Nullable String text) {
    RateWindow.Admission a = rate.admit(now);
    return switch (a) {
      case ACCEPT -> true;
      case NOTIFY, NOTIFY_AND_CLOSE -> {
        core.metrics().error(ErrorCode.RATE_LIMITED.wire());
        write(core.codec().encodeError(ErrorCode.RATE_LIMITED, "too many messages; slow down",
            null, text == null ? null : refOf(text)));
        if (a == RateWindow.Admission.NOTIFY_AND_CLOSE) {
          core.metrics().rateLimitCloses.increment();
          close(CloseCodes.POLICY_VIOLATION, "rate limit exceeded");
        }
        yield false;
      }
      case DROP -> false;
      default -> {
        core.metrics().rateLimitCloses.increment();
        close(CloseCodes.POLICY_VIOLATION, "rate limit exceeded");
        yield false;
      }
    };
  }

  /** The {@code ref} of an envelope, when readable (for the {@code rate_limited} answer). */
  private @Nullable String refOf(String text) {
    return switch (core.codec().decode(text)) {
      case Decoded.Failure f -> f.ref();
      case Decoded.Control c -> c.ref();
      case Decoded.Message m -> m.ref();
      case Decoded.ReplyMessage r -> r.ref();
    };
  }

  private void deliver(Endpoint e, String text) {
    if (!everOpened) {
      return; // rejected: nothing else from that connection is processed
    }
    try {
      e.handler().onText(this, text);
    } catch (RuntimeException ex) {
      log.warn("onText of {} failed for {}", e.path(), id, ex);
    }
  }

  @Override
  public void binary(ByteBuffer message) {
    core.metrics().in(message.remaining());
    lastSeen = core.scheduler().nanoTime();
    close(CloseCodes.UNSUPPORTED_DATA, "binary frames are not accepted");
  }

  /**
   * A ping frame: counted against the rate limit like a message (over it, no pong; the client
   * that goes on gets 1008), answered with a pong that counts against the outbound budget (the
   * transport owes at most one; a client that does not read gets 1013).
   */
  @Override
  public void ping(ByteBuffer payload) {
    long now = core.scheduler().nanoTime();
    lastSeen = now;
    State s = state.get();
    if (s == State.CLOSED || s == State.REJECTED || closing.get() || slow) {
      return;
    }
    if (s == State.OPEN && !admit(now, null)) {
      return;
    }
    transport.pong(payload);
    if (transport.queuedBytes() > limits.maxBufferedBytes()) {
      slowConsumer();
    }
  }

  @Override
  public void pong(ByteBuffer payload) {
    lastSeen = core.scheduler().nanoTime();
  }

  @Override
  public void closeSent(int code) {
    closing.set(true);
    if (!closeArmed.compareAndSet(false, true)) {
      return;
    }
    core.metrics().close(code);
    closeDeadline = core.scheduler().schedule(limits.closeTimeout(), () -> {
      if (state.get() != State.CLOSED) {
        log.debug("Close handshake of {} timed out; dropping it", id);
        transport.abort();
      }
    });
  }

  @Override
  public void closed(int code, String reason) {
    State was = state.getAndSet(State.CLOSED);
    if (was == State.CLOSED) {
      return;
    }
    slow = true;
    closing.set(true);
    deadline.cancel();
    closeDeadline.cancel();
    core.unregister(this);
    Endpoint e = endpoint;
    SerialExecutor q = serial;
    if (was == State.OPEN && e != null && q != null) {
      q.submitAlways(() -> {
        try {
          e.handler().onClose(this, code, reason);
        } catch (RuntimeException ex) {
          log.warn("onClose of {} failed for {}", e.path(), id, ex);
        }
      });
    }
  }

  // ------------------------------------------------------------- sending

  @Override
  public void send(Frame frame) {
    if (state.get() == State.OPEN) {
      write(frame);
    }
  }

  /** Writes {@code frame} whatever the life-cycle state (e.g. the unauthorized error). */
  void write(Frame frame) {
    if (slow || closing.get()) {
      return;
    }
    transport.write(frame);
    core.metrics().out(frame.size());
    if (transport.queuedBytes() > limits.maxBufferedBytes()) {
      slowConsumer();
    }
  }

  private void slowConsumer() {
    synchronized (this) {
      if (slow) {
        return;
      }
      slow = true;
    }
    core.metrics().slowConsumerCloses.increment();
    if (closing.compareAndSet(false, true)) {
      transport.closeDiscardingQueued(CloseCodes.TRY_AGAIN_LATER, "slow consumer");
    }
  }

  @Override
  public long bufferedBytes() {
    return state.get() == State.CLOSED ? 0 : Math.max(0, transport.queuedBytes());
  }

  // ------------------------------------------------------------- closing

  @Override
  public void close(int code, String reason) {
    if (state.get() == State.CLOSED) {
      return;
    }
    if (serial == null) {
      closing.set(true);
      transport.abort(); // no WebSocket yet: nothing to send a close frame on
      return;
    }
    if (closing.compareAndSet(false, true)) {
      transport.close(code, clipReason(reason));
    }
  }

  /** Server shutdown: 1001 for a WebSocket, abort for a connection still in its handshake. */
  void shutdown() {
    close(CloseCodes.GOING_AWAY, "server shutdown");
  }

  /** Drops the connection at once (shutdown, after the close timeout). */
  void abort() {
    if (state.get() != State.CLOSED) {
      closing.set(true);
      transport.abort();
    }
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
    return state.get() == State.OPEN && !closing.get();
  }

  static int utf8Length(String s) {
    int n = s.length();
    for (int i = 0; i < n; i++) {
      if (s.charAt(i) >= 0x80) {
        return s.getBytes(StandardCharsets.UTF_8).length;
      }
    }
    return n;
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
    return "Connection[" + id + " " + state.get() + " " + path + "]";
  }
}
