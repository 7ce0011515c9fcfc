package io.github.jchannels.server.hostile;

import io.github.jchannels.server.ChannelServer;
import io.github.jchannels.server.ServerLimits;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, item 4: 500 slowloris connections, each writing its upgrade request one header
 * byte per round (one byte per second in the attack as measured; here the rounds follow each
 * other, since the handshake deadline is the server's and is not what this test is about). A
 * legitimate client connects and gets its pong in every round.
 */
class SlowlorisTest {
  private ChannelServer server;
  private final List<Attacker> lorises = new ArrayList<>();

  @AfterEach
  void stop() {
    lorises.forEach(Attacker::close);
    if (server != null) {
      server.close();
    }
  }

  @Test
  void legitimateClientIsServedDuringFiveHundredSlowHandshakes() {
    server = Servers.start(ServerLimits.defaults());
    byte[] request = Attacker.request("/ws", Map.of("X-Padding", "p".repeat(200)))
        .getBytes(StandardCharsets.US_ASCII);
    int n = 500;
    for (int i = 0; i < n; i++) {
      lorises.add(Attacker.tcp(server.port(), 0));
    }
    int rounds = Servers.LONG ? 60 : 5;
    for (int round = 0; round < rounds; round++) {
      for (Attacker a : lorises) {
        a.tryWrite(new byte[] {request[round]});
      }
      Servers.assertLegitimateClientServed(server.port());
    }
  }
}
