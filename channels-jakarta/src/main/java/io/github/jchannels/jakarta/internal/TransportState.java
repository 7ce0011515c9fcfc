package io.github.jchannels.jakarta.internal;

import io.github.jchannels.server.Handshake;
import io.github.jchannels.server.transport.TransportContext;
import jakarta.servlet.http.HttpSession;
import java.security.Principal;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * What the transport and its filter share: the core's context once started, the live
 * connections (aborted at stop), and what the servlet request knew about each handshake (its
 * authenticated user and HTTP session) until the connection ends.
 */
public final class TransportState {
  /** The servlet request's view of one upgrade. */
  record RequestInfo(@Nullable Principal userPrincipal, @Nullable HttpSession httpSession) {}

  private volatile @Nullable TransportContext context;
  private volatile boolean stopped;
  private final Set<JakartaConnection> live = ConcurrentHashMap.newKeySet();
  /** By handshake identity (Handshake has no equals); weak so nothing outlives its connection. */
  private final Map<Handshake, RequestInfo> requests = new WeakHashMap<>();

  /** Keeps the core's context: from now on the filter admits upgrades. */
  public void start(TransportContext context) {
    if (this.context != null) {
      throw new IllegalStateException("The transport is already started");
    }
    this.context = context;
  }

  /** The core's context; null before start. */
  public @Nullable TransportContext context() {
    return context;
  }

  /** Whether {@link #stop()} ran. */
  public boolean stopped() {
    return stopped;
  }

  /** Refuses new upgrades (503) and aborts the connections still open. */
  public void stop() {
    stopped = true;
    for (JakartaConnection c : List.copyOf(live)) {
      c.abort();
      c.finish(1006, "transport stopped");
    }
    live.clear();
    synchronized (requests) {
      requests.clear();
    }
  }

  /** How many connections are between their upgrade request and their end. */
  public int liveConnections() {
    return live.size();
  }

  void added(JakartaConnection c) {
    live.add(c);
    if (stopped) {
      live.remove(c);
    }
  }

  void remember(Handshake h, RequestInfo info) {
    synchronized (requests) {
      requests.put(h, info);
    }
  }

  void removed(JakartaConnection c, @Nullable Handshake h) {
    live.remove(c);
    if (h != null) {
      synchronized (requests) {
        requests.remove(h);
      }
    }
  }

  private Optional<RequestInfo> info(Handshake h) {
    synchronized (requests) {
      return Optional.ofNullable(requests.get(h));
    }
  }

  /** The servlet request's authenticated user for this handshake, if any. */
  public Optional<Principal> userPrincipal(Handshake h) {
    return info(h).map(RequestInfo::userPrincipal);
  }

  /** The HTTP session the upgrade request belonged to, if it had one. */
  public Optional<HttpSession> httpSession(Handshake h) {
    return info(h).map(RequestInfo::httpSession);
  }
}
