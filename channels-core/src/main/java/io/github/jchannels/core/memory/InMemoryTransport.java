package io.github.jchannels.core.memory;

import io.github.jchannels.core.transport.CloseCodes;
import io.github.jchannels.core.transport.ConnectionHandler;
import java.security.Principal;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * A transport without sockets: {@link #open} makes a connection and tells the handler, as a
 * server binding would after a successful handshake. The test then plays the peer through the
 * returned {@link InMemoryConnection}. {@link #close()} closes every connection still open with
 * 1001, as a server shutdown does.
 */
public final class InMemoryTransport implements AutoCloseable {
  private final ConnectionHandler handler;
  private final AtomicLong ids = new AtomicLong();
  private final List<InMemoryConnection> connections = new ArrayList<>();

  /** A transport feeding {@code handler}. */
  public InMemoryTransport(ConnectionHandler handler) {
    this.handler = Objects.requireNonNull(handler, "handler");
  }

  /** Opens an anonymous connection. */
  public InMemoryConnection open() {
    return open(null);
  }

  /** Opens a connection authenticated as {@code principal}. */
  public InMemoryConnection open(@Nullable Principal principal) {
    InMemoryConnection c =
        new InMemoryConnection("mem-" + ids.incrementAndGet(), principal, handler);
    synchronized (connections) {
      connections.add(c);
    }
    handler.onOpen(c);
    return c;
  }

  /** Closes every open connection with 1001 (going away). */
  @Override
  public void close() {
    List<InMemoryConnection> all;
    synchronized (connections) {
      all = new ArrayList<>(connections);
      connections.clear();
    }
    for (InMemoryConnection c : all) {
      c.close(CloseCodes.GOING_AWAY, "transport closed");
    }
  }
}
