package io.github.jchannels.core.transport;

import io.github.jchannels.core.Frame;
import java.security.Principal;
import java.util.concurrent.ConcurrentMap;
import org.jspecify.annotations.Nullable;

/**
 * One peer connection as the core sees it: the transport SPI. A server binding (Java-WebSocket),
 * the in-memory transport and any future binding (Netty, Jakarta WebSocket) implement it.
 *
 * <p>Implementations are thread-safe: {@link #send} may be called from any thread, concurrently,
 * and must neither block nor throw for a closed connection (the frame is dropped). Frames sent
 * from one thread arrive in the order they were sent.
 */
public interface Connection {
  /** A stable id, unique within its server (sent to the client as {@code clientId}). */
  String id();

  /**
   * Queues {@code frame} for sending. Never blocks; the same {@link Frame} may be passed to
   * many connections. Dropped silently once the connection is closed.
   */
  void send(Frame frame);

  /** Closes the connection with a WebSocket close code and a short reason. Idempotent. */
  void close(int code, String reason);

  /** Whether the connection is still open. */
  boolean isOpen();

  /** Bytes queued for sending that the peer has not yet taken. */
  long bufferedBytes();

  /** The authenticated principal, or null for an anonymous connection. */
  @Nullable Principal principal();

  /** Free-form attributes an application keeps with the connection. */
  ConcurrentMap<String, Object> attributes();
}
