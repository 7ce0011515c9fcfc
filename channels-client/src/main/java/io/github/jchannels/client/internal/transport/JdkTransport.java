package io.github.jchannels.client.internal.transport;

import io.github.jchannels.client.transport.ClientTransport;
import io.github.jchannels.client.transport.TransportListener;
import io.github.jchannels.client.transport.TransportRequest;
import io.github.jchannels.client.transport.TransportSocket;

/** {@link ClientTransport#jdk()}. Stateless: every socket builds its own {@code HttpClient}. */
public final class JdkTransport implements ClientTransport {
  /** The one instance. */
  public static final JdkTransport INSTANCE = new JdkTransport();

  private JdkTransport() {}

  @Override
  public TransportSocket open(TransportRequest request, TransportListener listener) {
    JdkSocket s = new JdkSocket(request, listener);
    s.start();
    return s;
  }

  @Override
  public String name() {
    return "jdk";
  }

  @Override
  public String toString() {
    return "ClientTransport.jdk()";
  }
}
