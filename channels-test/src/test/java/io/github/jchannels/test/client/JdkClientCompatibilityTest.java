package io.github.jchannels.test.client;

import io.github.jchannels.client.transport.ClientTransport;
import java.util.Set;

/** The client compatibility kit on the JDK transport (the default). */
class JdkClientCompatibilityTest extends ClientCompatibilityKit {
  @Override
  protected ClientTransport transport() {
    return ClientTransport.jdk();
  }

  @Override
  protected Set<String> transportThreadPrefixes() {
    return Set.of("channels-jdk-ws-", "HttpClient-");
  }
}
