package io.github.jchannels.server.transport;

import io.github.jchannels.server.internal.jws.JwsTransport;
import java.io.IOException;

/**
 * A WebSocket transport a {@link io.github.jchannels.server.ChannelServer} runs on. The server
 * calls {@link #start} once from {@code ChannelServer.start()} and {@link #stop} once from
 * {@code ChannelServer.close()}, after the core has closed (or aborted) every connection.
 *
 * <p>A transport either opens a port of its own (the default, Java-WebSocket, binds
 * {@link TransportContext#host()}:{@link TransportContext#port()}), or is mounted in somebody
 * else's container (a Jakarta WebSocket {@code ServerContainer}, a servlet container): then
 * {@link #start} only keeps the context, the container's endpoint calls
 * {@link TransportContext#connecting} for each upgrade, and the core opens no port.
 *
 * <p>An instance serves one server and is not restarted.
 */
public interface ServerTransport {
  /**
   * Starts serving: binds (or registers with its container) and returns once connections are
   * accepted. From then on the transport calls {@code context.connecting(...)} for every new
   * connection. Called once.
   *
   * @throws IOException if the port cannot be bound
   */
  void start(TransportContext context) throws IOException;

  /**
   * The port connections arrive on, once started; -1 if the transport does not know it (a
   * mounted transport whose container owns the port) or before {@link #start}.
   */
  int port();

  /**
   * Stops accepting connections and releases every thread and socket of the transport; aborts
   * connections still open (the core has already closed them with 1001 and waited for their
   * close handshakes). Returns once released. Idempotent; also called after a failed
   * {@link #start}.
   */
  void stop();

  /**
   * The default transport: Java-WebSocket on a port of its own ({@code host}, {@code port} and
   * {@code tls} of the builder). It refuses every upgrade with HTTP 404, whatever the status the
   * core chose (a Java-WebSocket 1.6 limitation). A new instance per server.
   */
  static ServerTransport javaWebSocket() {
    return new JwsTransport();
  }

  /** A short name for logs and errors, e.g. {@code "java-websocket"} or {@code "jakarta"}. */
  default String name() {
    return getClass().getSimpleName();
  }
}
