package io.github.jchannels.benchmarks.load;

import io.github.jchannels.redis.RedisBroker;
import io.github.jchannels.server.ChannelServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * One channels node in a JVM of its own, for {@link ScaleOutBench}: a {@link ChannelServer}
 * (default transport, a free port) on a {@link RedisBroker}, with the benchmark family's history
 * of {@link ScaleOutBench#HISTORY}. Prints {@code PORT <port> RECEIVERS}, answers
 * {@code RECEIVERS} on stdin with the subscriber count of the benchmark channel, and is killed
 * (SIGKILL) by the benchmark.
 */
public final class ScaleOutNode {
  private ScaleOutNode() {}

  /** {@code ScaleOutNode REDIS_URI NODE_ID}. */
  public static void main(String[] args) throws Exception {
    RedisBroker broker = RedisBroker.builder().uri(args[0]).nodeId(args[1]).build();
    ChannelServer server = ScaleOutBench.node(broker);
    System.out.println("PORT " + server.port());
    System.out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in,
        StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      if (line.equals("RECEIVERS")) {
        System.out.println("RECEIVERS " + server.subscriberCount(Payload.CHANNEL));
        System.out.flush();
      }
    }
    server.close();
    broker.close();
  }
}
