package io.github.jchannels.client.internal.transport;

import io.github.jchannels.client.transport.ClientTransport;
import io.github.jchannels.client.transport.TransportListener;
import io.github.jchannels.client.transport.TransportRequest;
import io.github.jchannels.client.transport.TransportSocket;

/** {@link ClientTransport#javaWebSocket()}. Stateless: one Java-WebSocket client per socket. */
public final class JwsTransport implements ClientTransport {
  /** The one instance. */
  public static final JwsTransport INSTANCE = new JwsTransport();

  private JwsTransport() {}

  @Override
  public TransportSocket open(TransportRequest request, TransportListener listener) {
    JwsSocket s = new JwsSocket(request, listener);
    s.start();
    return s;
  }

  @Override
  public String name() {
    return "java-websocket";
  }

  @Override
  public String toString() {
    return "ClientTransport.javaWebSocket()";
  }
}
