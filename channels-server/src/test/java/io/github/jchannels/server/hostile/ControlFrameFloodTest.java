package io.github.jchannels.server.hostile;

import static io.github.jchannels.server.hostile.Attacker.PING;
import static io.github.jchannels.server.hostile.Attacker.frame;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.jchannels.server.ChannelServer;
import io.github.jchannels.server.ConnectionInfo;
import io.github.jchannels.server.ServerLimits;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, item 1: control frames are traffic. A ping flood (the attack that took a 6 GB heap
 * in 20 s) counts against the rate limit, owes at most one pong, and never grows the heap.
 */
class ControlFrameFloodTest {
  private ChannelServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  /** {@code n} masked ping frames of {@code size} payload bytes in one buffer. */
  private static byte[] pings(int n, int size) {
    byte[] one = frame(true, PING, new byte[size]);
    byte[] all = new byte[one.length * n];
    for (int i = 0; i < n; i++) {
      System.arraycopy(one, 0, all, i * one.length, one.length);
    }
    return all;
  }

  @Test
  void pingsFasterThanTheRateLimitClose1008() {
    server = Servers.start(ServerLimits.builder().inboundRate(50, Duration.ofMinutes(1))
        .maxRateLimitedMessages(20).build());
    try (Attacker a = Attacker.open(server.port())) {
      a.tryWrite(pings(1000, 0)); // 50 answered, then 20 over the limit, then the close
      assertThat(a.awaitClose()).isEqualTo(1008);
      Servers.assertLegitimateClientServed(server.port());
    }
    assertThat(server.metrics().rateLimitCloses()).isEqualTo(1);
  }

  @Test
  void pingFloodWithoutReadingOwesAtMostOnePongAndHoldsNoMemory() throws Exception {
    // The rate limit is lifted so that only the pong policy is under test.
    server = Servers.start(ServerLimits.builder().inboundRate(100_000_000, Duration.ofSeconds(1))
        .maxRateLimitedMessages(100_000_000).build());
    long before = Servers.heapAfterGc();
    int floods = Servers.LONG ? 400 : 16;
    try (Attacker a = Attacker.open(server.port(), 4096)) {
      // 1.5 MB of 125-byte pings: 11,450 pongs (1.45 MB) owed if each one is queued
      byte[] chunk = pings(11_450, 125);
      Thread writer = Thread.ofVirtual().start(() -> {
        for (int i = 0; i < floods && a.tryWrite(chunk); i++) {
          // never reads
        }
      });
      writer.join(Duration.ofSeconds(60));
      assertThat(writer.isAlive()).as("the server stopped reading the pings").isFalse();
      Servers.assertLegitimateClientServed(server.port());
      Optional<ConnectionInfo> info = server.connection(a.clientId());
      // open with at most one owed pong (plus connected), or closed as a non-reader (1013)
      info.ifPresent(i -> assertThat(i.bufferedBytes())
          .isLessThanOrEqualTo(server.limits().maxBufferedBytes()));
      long grown = Servers.heapAfterGc() - before;
      assertThat(grown).as("heap grown by %d bytes for %d pings", grown, floods * 11_450L)
          .isLessThan(16 * Servers.MIB);
      if (info.isEmpty()) {
        assertThat(a.awaitClose()).isEqualTo(1013);
      }
    }
  }
}
