package io.github.jchannels.redis;

import io.github.jchannels.core.Channels;
import io.github.jchannels.server.ChannelServer;
import io.github.jchannels.server.broker.History;
import java.io.IOException;
import java.time.Duration;

/**
 * A server node in a child JVM, for tests that kill a node with {@code kill -9}: a
 * {@link ChannelServer} on a free loopback port with the session family's history, on a
 * {@link RedisBroker}. Prints {@code PORT <n>} when it listens; exits when its stdin closes
 * (the parent test ended), so it never outlives the test.
 *
 * <p>Arguments: the Redis URI and the node id.
 */
public final class ChildNode {
  private ChildNode() {}

  public static void main(String[] args) throws IOException {
    RedisBroker broker = RedisBroker.builder().uri(args[0]).nodeId(args[1])
        .reconnectDelayMax(Duration.ofMillis(200)).retryDelay(Duration.ofMillis(100)).build();
    ChannelServer server = ChannelServer.builder().host("127.0.0.1").port(0)
        .history(Channels.SESSION, History.of(100, Duration.ofMinutes(5)))
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
