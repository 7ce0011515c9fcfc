package io.github.jchannels.jakarta;

import io.github.jchannels.server.ChannelServer;
import io.github.jchannels.test.transport.KitTls;
import io.github.jchannels.test.transport.ServerTransportKit;
import java.net.URI;
import org.jspecify.annotations.Nullable;

/**
 * The server transport kit on the Jakarta transport, in a real container on 127.0.0.1 and a
 * free port (TLS on the container's connector when the kit asks for it).
 */
abstract class JakartaKitCases extends ServerTransportKit {
  abstract EmbeddedContainer newContainer() throws Exception;

  @Override
  protected Running start(ChannelServer.Builder builder, @Nullable KitTls tls) throws Exception {
    JakartaTransport transport = JakartaTransport.create();
    ChannelServer server = builder.transport(transport).build();
    EmbeddedContainer container = newContainer();
    try {
      container.start(transport::mount, tls == null ? null
          : new EmbeddedContainer.KeyStoreFile(tls.keyStore(), KitTls.PASSWORD));
      server.start();
    } catch (Exception | Error e) {
      server.close();
      container.close();
      throw e;
    }
    String base = (tls == null ? "ws://127.0.0.1:" : "wss://localhost:") + container.port();
    return Running.of(server, URI.create(base), container);
  }

  /** The containers answer WebSocket pings themselves; the Jakarta API does not show them. */
  @Override
  protected boolean peerPingsReachTheCore() {
    return false;
  }
}
