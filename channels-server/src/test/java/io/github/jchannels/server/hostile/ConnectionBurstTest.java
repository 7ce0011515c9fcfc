package io.github.jchannels.server.hostile;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.jchannels.server.ChannelServer;
import io.github.jchannels.server.ServerLimits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, item 3: a reconnect storm. 3,000 clients connecting at once each get
 * {@code connected} or a clean refusal (HTTP 503, or 1013 right after the upgrade) within 20 s;
 * none is left hanging, and a legitimate client is served right after.
 */
class ConnectionBurstTest {
  private ChannelServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  /** What one client of the burst saw. */
  enum Outcome { CONNECTED, REFUSED_503, REFUSED_1013, FAILED }

  static Outcome connectOnce(int port, Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    try (Attacker a = Attacker.tcp(port, 0)) {
      a.socket.setSoTimeout((int) within.toMillis());
      String head = a.upgrade("/ws", Map.of());
      if (head.startsWith("HTTP/1.1 503")) {
        return Outcome.REFUSED_503;
      }
      if (!head.startsWith("HTTP/1.1 101")) {
        return Outcome.FAILED;
      }
      Attacker.Frame f = a.read(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
      if (f.opcode() == Attacker.CLOSE) {
        return f.closeCode() == 1013 ? Outcome.REFUSED_1013 : Outcome.FAILED;
      }
      return "connected".equals(f.type()) ? Outcome.CONNECTED : Outcome.FAILED;
    } catch (RuntimeException | java.io.IOException | AssertionError e) {
      return Outcome.FAILED;
    }
  }

  @Test
  @Disabled("issue 12 item 3: Java-WebSocket's accept backlog of 50 drops SYNs in a burst")
  void threeThousandAtOnceAreAllConnectedOrCleanlyRefused() throws Exception {
    server = Servers.start(ServerLimits.defaults());
    int n = 3000;
    CountDownLatch go = new CountDownLatch(1);
    ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
    AtomicInteger started = new AtomicInteger();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<java.util.concurrent.Future<?>> fs = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        fs.add(pool.submit(() -> {
          started.incrementAndGet();
          go.await();
          outcomes.add(connectOnce(server.port(), Duration.ofSeconds(20)));
          return null;
        }));
      }
      go.countDown();
      pool.shutdown();
      assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
    }
    long connected = outcomes.stream().filter(o -> o == Outcome.CONNECTED).count();
    long failed = outcomes.stream().filter(o -> o == Outcome.FAILED).count();
    assertThat(outcomes).hasSize(n);
    assertThat(failed).as("%d connected, %d neither connected nor cleanly refused", connected,
        failed).isZero();
    Servers.assertLegitimateClientServed(server.port());
  }
}
