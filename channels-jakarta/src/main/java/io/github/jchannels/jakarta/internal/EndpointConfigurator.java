package io.github.jchannels.jakarta.internal;

import jakarta.websocket.Extension;
import jakarta.websocket.HandshakeResponse;
import jakarta.websocket.server.HandshakeRequest;
import jakarta.websocket.server.ServerEndpointConfig;
import java.util.List;

/**
 * One upgrade's configurator: hands the container the endpoint bound to its connection, and
 * negotiates neither a subprotocol nor an extension. No permessage-deflate: it would compress
 * the shared broadcast frame again for every receiver (docs/jakarta.md). Admission (origin
 * included) already happened in {@link UpgradeFilter}.
 */
final class EndpointConfigurator extends ServerEndpointConfig.Configurator {
  private final JakartaConnection connection;

  EndpointConfigurator(JakartaConnection connection) {
    this.connection = connection;
  }

  @Override
  public <T> T getEndpointInstance(Class<T> endpointClass) throws InstantiationException {
    if (!endpointClass.isAssignableFrom(ChannelsEndpoint.class)) {
      throw new InstantiationException("Unexpected endpoint class " + endpointClass.getName());
    }
    return endpointClass.cast(new ChannelsEndpoint(connection, connection.maxMessageBytes()));
  }

  @Override
  public String getNegotiatedSubprotocol(List<String> supported, List<String> requested) {
    return "";
  }

  @Override
  public List<Extension> getNegotiatedExtensions(List<Extension> installed,
      List<Extension> requested) {
    return List.of();
  }

  @Override
  public boolean checkOrigin(String originHeaderValue) {
    return true;
  }

  @Override
  public void modifyHandshake(ServerEndpointConfig sec, HandshakeRequest request,
      HandshakeResponse response) {
  }
}
