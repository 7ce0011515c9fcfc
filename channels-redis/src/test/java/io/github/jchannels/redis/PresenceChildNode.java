package io.github.jchannels.redis;

import io.github.jchannels.core.Channels;
import io.github.jchannels.server.Authenticator;
import io.github.jchannels.server.ChannelServer;
import io.github.jchannels.server.Presence;
import java.io.IOException;
import java.security.Principal;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * A server node with presence on the session family in a child JVM, for the test that kills a
 * node with {@code kill -9}. Prints {@code PORT <n>} when it listens; exits when its stdin
 * closes, so it never outlives the test. Bearer tokens (or {@code ?token=}) are principal names.
 *
 * <p>Arguments: the Redis URI, the node id, the presence time-to-live in seconds.
 */
public final class PresenceChildNode {
  private PresenceChildNode() {}

  public static void main(String[] args) throws IOException {
    RedisBroker broker = RedisBroker.builder().uri(args[0]).nodeId(args[1])
        .presenceTtl(Duration.ofSeconds(Long.parseLong(args[2])))
        .reconnectDelayMax(Duration.ofMillis(200)).retryDelay(Duration.ofMillis(100)).build();
    ChannelServer server = ChannelServer.builder().host("127.0.0.1").port(0)
        .authenticator(Authenticator.bearer(t -> Optional.<Principal>of(() -> t)))
        .presence(Channels.SESSION, Presence.builder().window(Duration.ZERO)
            .meta(info -> Map.of("node", args[1])).build())
        .broker(broker).build().start();
    System.out.println("PORT " + server.port());
    System.out.flush();
    while (System.in.read() >= 0) {
      // the parent holds stdin open while it wants this node
    }
    server.close();
    broker.close();
    System.exit(0);
  }
}
