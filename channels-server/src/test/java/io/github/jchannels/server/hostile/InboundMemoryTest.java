package io.github.jchannels.server.hostile;

import static io.github.jchannels.server.hostile.Attacker.CONTINUATION;
import static io.github.jchannels.server.hostile.Attacker.TEXT;
import static io.github.jchannels.server.hostile.Attacker.frame;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.jchannels.server.ChannelServer;
import io.github.jchannels.server.ServerLimits;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, item 5: inbound memory. Frames that announce a large length but do not send it, and
 * unfinished fragmented messages, must not hold more memory than their bytes (and a
 * server-wide budget), and must not starve a legitimate client.
 */
class InboundMemoryTest {
  private ChannelServer server;
  private final List<Attacker> attackers = new ArrayList<>();

  @AfterEach
  void stop() {
    attackers.forEach(Attacker::close);
    if (server != null) {
      server.close();
    }
  }

  @Test
  void framesAnnouncingOneMebibyteHoldOnlyTheirBytes() {
    server = Servers.start(ServerLimits.defaults());
    long before = Servers.heapAfterGc();
    int n = 300;
    byte[] header = Arrays.copyOf(frame(0x80 | TEXT, new byte[] {'{'}, Servers.MIB, true), 15);
    for (int i = 0; i < n; i++) {
      Attacker a = Attacker.open(server.port());
      attackers.add(a);
      a.write(header); // header, mask and 1 byte of a 1 MiB frame
    }
    Servers.assertLegitimateClientServed(server.port());
    long grown = Servers.heapAfterGc() - before;
    assertThat(grown).as("heap grown by %d bytes for %d announced MiB", grown, n)
        .isLessThan(32 * Servers.MIB);
  }

  @Test
  void unfinishedMessagesStayWithinTheBudget() {
    server = Servers.start(ServerLimits.defaults());
    long before = Servers.heapAfterGc();
    int n = Servers.LONG ? 300 : 100;
    byte[] part = new byte[64 * 1024];
    Arrays.fill(part, (byte) 'x');
    part[0] = '"';
    for (int i = 0; i < n; i++) {
      Attacker a = Attacker.open(server.port());
      attackers.add(a);
      // 15 fragments of 64 KiB: 960 KiB, under the 1 MiB frame limit, never finished
      boolean ok = a.tryWrite(frame(false, TEXT, part));
      for (int k = 1; k < 15 && ok; k++) {
        ok = a.tryWrite(frame(false, CONTINUATION, part));
      }
    }
    Servers.assertLegitimateClientServed(server.port());
    long grown = Servers.heapAfterGc() - before;
    assertThat(grown).as("heap grown by %d bytes for %d unfinished messages", grown, n)
        .isLessThan(96 * Servers.MIB);
    for (Attacker a : attackers) {
      if (server.connection(a.clientId()).isEmpty()) {
        assertThat(a.awaitClose()).isEqualTo(1013);
      }
    }
  }
}
