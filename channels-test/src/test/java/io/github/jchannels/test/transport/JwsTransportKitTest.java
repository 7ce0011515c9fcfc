package io.github.jchannels.test.transport;

import io.github.jchannels.server.ChannelServer;
import io.github.jchannels.server.transport.ServerTransport;
import java.net.URI;
import org.jspecify.annotations.Nullable;

/** The default transport, Java-WebSocket 1.6.0, passes the kit. */
class JwsTransportKitTest extends ServerTransportKit {
  @Override
  protected Running start(ChannelServer.Builder builder, @Nullable KitTls tls) {
    builder.transport(ServerTransport.javaWebSocket()).host("127.0.0.1").port(0);
    if (tls != null) {
      builder.tls(tls.server());
    }
    ChannelServer server = builder.build().start();
    return Running.of(server, URI.create(tls == null
        ? "ws://127.0.0.1:" + server.port() : "wss://localhost:" + server.port()));
  }

  /** Java-WebSocket 1.6 answers every refused upgrade with 404 (upstream issue 1423). */
  @Override
  protected int originRefusalStatus() {
    return 404;
  }

  /** Java-WebSocket cannot answer 503: it upgrades, then the core closes with 1013. */
  @Override
  protected boolean refusesOverLimitWith503() {
    return false;
  }

  /** Its own socket: the handshake deadline starts at TCP accept. */
  @Override
  protected boolean coreSeesTcpAccept() {
    return true;
  }
}
