package io.github.jchannels.test.client;

import io.github.jchannels.client.transport.ClientTransport;
import java.util.Set;

/** The client compatibility kit on the Java-WebSocket transport. */
class JavaWebSocketClientCompatibilityTest extends ClientCompatibilityKit {
  @Override
  protected ClientTransport transport() {
    return ClientTransport.javaWebSocket();
  }

  @Override
  protected Set<String> transportThreadPrefixes() {
    return Set.of("WebSocketConnectReadThread", "WebSocketWriteThread");
  }
}
