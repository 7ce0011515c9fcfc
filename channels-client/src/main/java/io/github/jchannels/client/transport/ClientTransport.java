package io.github.jchannels.client.transport;

import io.github.jchannels.client.internal.transport.JdkTransport;
import io.github.jchannels.client.internal.transport.JwsTransport;

/**
 * Opens WebSocket connections for a {@link io.github.jchannels.client.ChannelClient}: one
 * {@link TransportSocket} per connection attempt, never reused. Implementations are stateless or
 * thread-safe; the client calls {@link #open} from its own loop thread and never twice for one
 * attempt.
 *
 * <p>What a transport must do (the compatibility kit checks it): report exactly one of
 * {@link TransportListener#onClosed} or {@link TransportListener#onRefused} per socket; deliver
 * whole text messages in order; refuse messages over {@link TransportRequest#maxFrameSize()} by
 * closing with 1009; send text frames in the order {@link TransportSocket#send} accepted them;
 * count queued bytes; and either pause reading on {@link TransportSocket#pauseReading()} or say
 * it cannot ({@link TransportSocket#canPauseReading()}).
 */
public interface ClientTransport {

  /**
   * Starts connecting to {@code request.uri()} and returns at once; the outcome reaches
   * {@code listener} on the transport's threads.
   */
  TransportSocket open(TransportRequest request, TransportListener listener);

  /** A short name for logs and test names, e.g. {@code jdk}. */
  String name();

  /**
   * The transport on the JDK's {@code java.net.http.WebSocket}: no extra dependency,
   * demand-driven reading (the client stops requesting when its handler queue is full), HTTP
   * proxies and TLS parameters through the JDK's {@code HttpClient}. The default.
   */
  static ClientTransport jdk() {
    return JdkTransport.INSTANCE;
  }

  /**
   * The transport on Java-WebSocket 1.6: one reading and one writing thread per connection;
   * pausing blocks the connection's own reading thread, so TCP pushes back on the server.
   */
  static ClientTransport javaWebSocket() {
    return JwsTransport.INSTANCE;
  }
}
