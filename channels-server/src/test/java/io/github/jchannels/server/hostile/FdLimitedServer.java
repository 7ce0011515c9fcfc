package io.github.jchannels.server.hostile;

import io.github.jchannels.server.ChannelServer;
import io.github.jchannels.server.ServerLimits;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * The child JVM of {@link DescriptorExhaustionTest}: a server on 127.0.0.1:0 with default
 * limits; prints {@code PORT n}, then serves until its standard input ends.
 */
public final class FdLimitedServer {
  private FdLimitedServer() {
  }

  /** Entry point. */
  public static void main(String[] args) throws Exception {
    try (ChannelServer server = ChannelServer.builder().host("127.0.0.1").port(0)
        .limits(ServerLimits.defaults()).build().start()) {
      System.out.println("PORT " + server.port());
      System.out.flush();
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in,
          StandardCharsets.UTF_8));
      while (in.readLine() != null) {
        System.out.println("OPEN " + server.metrics().openConnections());
        System.out.flush();
      }
    }
  }
}
