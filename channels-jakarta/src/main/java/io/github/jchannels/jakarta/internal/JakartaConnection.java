package io.github.jchannels.jakarta.internal;

import io.github.jchannels.core.Frame;
import io.github.jchannels.core.time.Scheduler;
import io.github.jchannels.server.Handshake;
import io.github.jchannels.server.ServerLimits;
import io.github.jchannels.server.transport.ConnectionEvents;
import io.github.jchannels.server.transport.TransportConnection;
import io.github.jchannels.server.transport.UpgradeResult;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.websocket.CloseReason;
import jakarta.websocket.RemoteEndpoint;
import jakarta.websocket.SendHandler;
import jakarta.websocket.SendResult;
import jakarta.websocket.Session;
import java.nio.ByteBuffer;
import java.security.Principal;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection on a Jakarta WebSocket container, from its upgrade request to its close.
 *
 * <p>Sending: containers allow one outstanding asynchronous send per session (Tomcat throws
 * {@code IllegalStateException} on a second {@code sendText} before the first completed), so
 * frames wait in an unbounded queue of our own, counted in {@link #queuedBytes()} (the core
 * closes a slow consumer over its budget), and each send starts the next from its
 * {@link SendHandler}. A container may complete a send on the caller's thread: the handler then
 * only clears the in-flight flag and the pumping loop goes on, so the stack never grows with the
 * queue. Every receiver gets the same {@link Frame#text()} string: a broadcast is serialised
 * once; the container encodes and frames it per session, which the Jakarta API cannot avoid.
 *
 * <p>Control frames (close, ping) use calls that may block in some containers (Tomcat sends
 * them with a blocking write bounded by its blocking-send timeout, which {@link Containers} sets
 * to the close timeout): they run on the server's executor, never on the caller's thread. The
 * close frame goes after the frames already queued.
 *
 * <p>Thread-safe. The core's inbound callbacks ({@link ConnectionEvents#opened}, text, binary,
 * pong) are called under one lock per connection, so they never run concurrently for it, as the
 * SPI requires; closeSent and closed may come from any thread, as the SPI allows. No lock is
 * held while calling the core except that one, and the core's calls back into this class take
 * none of it.
 */
public final class JakartaConnection implements TransportConnection {
  private static final Logger log = LoggerFactory.getLogger(JakartaConnection.class);
  /** The connection whose queue this thread pumps: inline completions then do not recurse. */
  private static final ThreadLocal<@Nullable JakartaConnection> PUMPING = new ThreadLocal<>();
  private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

  /** The close frame, queued behind the frames written before it. */
  private record CloseRequest(int code, String reason) {}

  private final Executor executor;
  private final Scheduler scheduler;
  private final ServerLimits limits;
  private final Object eventsLock = new Object();
  /** Set right after {@code connecting}; null only before. Calls guarded by eventsLock. */
  private volatile @Nullable ConnectionEvents events;
  /** Bound in the endpoint's onOpen; null before (and for a refused upgrade). */
  private volatile @Nullable Session session;
  private final ConcurrentLinkedQueue<Object> queue = new ConcurrentLinkedQueue<>();
  /** Bytes of frames queued or handed to the container and not yet completed. */
  private final AtomicLong queued = new AtomicLong();
  /** True while one send is outstanding (or the close was handed over: nothing follows). */
  private final AtomicBoolean sending = new AtomicBoolean();
  /** Once set, write() drops frames: a close is queued. */
  private volatile boolean closing;
  private final AtomicBoolean closeSent = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  /** Requested before the session was bound: applied at bind. */
  private volatile boolean abortRequested;
  private volatile boolean paused;

  private final TransportState state;
  /** The upgrade request; null before the filter read it. */
  private volatile @Nullable Handshake handshake;

  JakartaConnection(Executor executor, Scheduler scheduler, ServerLimits limits,
      TransportState state) {
    this.executor = executor;
    this.scheduler = scheduler;
    this.limits = limits;
    this.state = state;
    state.added(this);
  }

  /** Keeps what the servlet request knew about the upgrade, for authenticators. */
  void handshake(Handshake h, HttpServletRequest req) {
    this.handshake = h;
    Principal user = null;
    try {
      user = req.getUserPrincipal();
    } catch (RuntimeException e) {
      log.trace("No user principal", e);
    }
    state.remember(h, new TransportState.RequestInfo(user, req.getSession(false)));
  }

  /** Asks the core whether to upgrade. */
  UpgradeResult upgrade(Handshake h) {
    ConnectionEvents e = events;
    if (e == null) {
      return UpgradeResult.refuse(503, "not connected to a server");
    }
    synchronized (eventsLock) {
      return e.upgrade(h);
    }
  }

  /** The server's scheduler (protocol timers). */
  Scheduler scheduler() {
    return scheduler;
  }

  /** How long a message in several parts may take to complete. */
  Duration messageTimeout() {
    return limits.messageTimeout();
  }

  int maxMessageBytes() {
    return limits.maxFrameSize();
  }

  void events(ConnectionEvents events) {
    this.events = events;
  }

  /** Whether the core asked to drop or close this connection before it was bound. */
  boolean abortRequested() {
    return abortRequested;
  }

  boolean closeRequested() {
    return closing;
  }

  // ------------------------------------------------------------- binding and inbound

  /** The WebSocket is open on {@code s}: configure it, then tell the core. */
  void bind(Session s) {
    Containers.configure(s, limits);
    this.session = s;
    if (abortRequested || closed.get()) {
      abortNow(s);
      return;
    }
    if (closing) { // closed by the core before the bind (e.g. its handshake deadline)
      pump();
      return;
    }
    if (paused) {
      Containers.suspend(s);
    }
    call(e -> e.opened());
    pump(); // a close requested before the bind
  }

  void text(String message) {
    call(e -> e.text(message));
  }

  void binary(ByteBuffer part) {
    call(e -> e.binary(part));
  }

  void pongReceived(ByteBuffer payload) {
    call(e -> e.pong(payload));
  }

  /** The container closed the session (any reason, any side). Exactly once reaches the core. */
  void closedBy(int code, String reason) {
    if (closeSent.compareAndSet(false, true)) {
      callAnyThread(e -> e.closeSent(code)); // the container answered or closed on its own
    }
    finish(code, reason);
  }

  /** The connection is over; tells the core once. */
  void finish(int code, String reason) {
    if (closed.compareAndSet(false, true)) {
      closing = true;
      sending.set(true);
      queue.clear();
      queued.set(0);
      state.removed(this, handshake);
      callAnyThread(e -> e.closed(code, reason));
    }
  }

  boolean isFinished() {
    return closed.get();
  }

  private interface Call {
    void run(ConnectionEvents e);
  }

  /**
   * closeSent and closed: from any thread, without the lock (the SPI allows them to overtake
   * the inbound callbacks, and a sender may close while a container thread delivers text).
   */
  private void callAnyThread(Call c) {
    ConnectionEvents e = events;
    if (e == null) {
      return;
    }
    try {
      c.run(e);
    } catch (RuntimeException ex) {
      log.warn("The server core failed on a connection event", ex);
    }
  }

  /** Inbound callbacks, one at a time per connection (the container calls from its threads). */
  private void call(Call c) {
    ConnectionEvents e = events;
    if (e == null) {
      return;
    }
    synchronized (eventsLock) {
      try {
        c.run(e);
      } catch (RuntimeException ex) {
        log.warn("The server core failed on a connection event", ex);
      }
    }
  }

  // ------------------------------------------------------------- outbound

  @Override
  public void write(Frame frame) {
    if (closing) {
      return;
    }
    queued.addAndGet(frame.size());
    queue.add(frame);
    pump();
  }

  @Override
  public long queuedBytes() {
    return Math.max(0, queued.get());
  }

  /** Sends what is queued, one outstanding send at a time; returns when one is in flight. */
  private void pump() {
    Session s = session;
    if (s == null) {
      return;
    }
    while (sending.compareAndSet(false, true)) {
      Object next = queue.poll();
      if (next == null) {
        sending.set(false);
        if (queue.isEmpty()) {
          return;
        }
        continue;
      }
      if (next instanceof CloseRequest c) {
        sendClose(s, c); // sending stays true: nothing follows the close frame
        return;
      }
      Frame f = (Frame) next;
      sendText(s, f);
    }
  }

  private void sendText(Session s, Frame f) {
    int size = f.size();
    JakartaConnection outer = PUMPING.get();
    PUMPING.set(this);
    try {
      RemoteEndpoint.Async remote = s.getAsyncRemote();
      remote.sendText(f.text(), new Sent(size));
    } catch (RuntimeException e) { // closed session: IllegalStateException
      log.debug("Send on {} failed: {}", s.getId(), e.toString());
      queued.addAndGet(-size);
      sending.set(false);
    } finally {
      PUMPING.set(outer);
    }
  }

  /** Completion of one send: counts it and starts the next. */
  private final class Sent implements SendHandler {
    private final int size;

    Sent(int size) {
      this.size = size;
    }

    @Override
    public void onResult(SendResult result) {
      queued.addAndGet(-size);
      if (!result.isOK()) {
        log.debug("Send failed: {}", String.valueOf(result.getException()));
      }
      sending.set(false);
      if (PUMPING.get() != JakartaConnection.this) {
        pump(); // completed on another thread: continue here
      }
    }
  }

  @Override
  public void close(int code, String reason) {
    requestClose(code, reason, false);
  }

  @Override
  public void closeDiscardingQueued(int code, String reason) {
    requestClose(code, reason, true);
  }

  private void requestClose(int code, String reason, boolean discard) {
    synchronized (queue) {
      if (closing) {
        return;
      }
      closing = true;
      if (discard) {
        Object o;
        while ((o = queue.poll()) != null) {
          if (o instanceof Frame f) {
            queued.addAndGet(-f.size());
          }
        }
      }
      queue.add(new CloseRequest(code, reason));
    }
    pump(); // outside the lock: it may call the core (closeSent)
  }

  private void sendClose(Session s, CloseRequest c) {
    if (closeSent.compareAndSet(false, true)) {
      callAnyThread(e -> e.closeSent(c.code()));
    }
    // The close handshake is bounded by the close timeout. Where the container reports the
    // close before the peer answered (Tomcat), the core no longer watches it: drop the socket
    // here if the peer has not answered by then. Armed before the close frame can go out: a
    // peer that has seen the frame finds the bound already running.
    try {
      scheduler.schedule(limits.closeTimeout(), () -> {
        if (Containers.stillConnected(s)) {
          log.debug("Close handshake of {} timed out; dropping it", s.getId());
          run(() -> Containers.abort(s));
        }
      });
    } catch (RuntimeException e) {
      log.trace("Scheduler stopped", e);
    }
    run(() -> {
      try {
        s.close(new CloseReason(CloseReason.CloseCodes.getCloseCode(c.code()), c.reason()));
      } catch (Exception e) {
        log.debug("Close of {} failed: {}", s.getId(), e.toString());
        Containers.abort(s);
      }
    });
  }

  @Override
  public void abort() {
    abortRequested = true;
    Session s = session;
    if (s != null) {
      abortNow(s);
    } else if (handshake != null) {
      // upgrading, or the upgrade failed without the container telling us: either way the
      // connection is over for the core; a late onOpen closes the session at once
      finish(1006, "aborted");
    }
  }

  private void abortNow(Session s) {
    closing = true;
    run(() -> {
      if (!Containers.abort(s)) {
        try {
          s.close(new CloseReason(CloseReason.CloseCodes.GOING_AWAY, "aborted"));
        } catch (Exception e) {
          log.debug("Close of {} failed: {}", s.getId(), e.toString());
        }
      }
    });
  }

  @Override
  public void pauseReading() {
    paused = true;
    Session s = session;
    if (s != null) {
      Containers.suspend(s);
    }
  }

  @Override
  public void resumeReading() {
    paused = false;
    Session s = session;
    if (s != null) {
      Containers.resume(s);
    }
  }

  @Override
  public void ping() {
    Session s = session;
    if (s == null || closing) {
      return;
    }
    run(() -> {
      try {
        s.getAsyncRemote().sendPing(EMPTY.duplicate());
      } catch (Exception e) {
        log.trace("Ping to {} failed: {}", s.getId(), e.toString());
      }
    });
  }

  /** The container answers pings itself; the core's pong is not needed. */
  @Override
  public void pong(ByteBuffer payload) {
  }

  private void run(Runnable task) {
    try {
      executor.execute(task);
    } catch (RejectedExecutionException e) {
      task.run(); // the server is stopping: do it here
    }
  }

  @Override
  public String toString() {
    Session s = session;
    return "JakartaConnection[" + (s == null ? "upgrading" : s.getId()) + "]";
  }
}
