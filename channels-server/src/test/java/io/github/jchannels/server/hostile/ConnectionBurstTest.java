package io.github.jchannels.server.hostile;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.jchannels.server.ChannelServer;
import io.github.jchannels.server.ServerLimits;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, item 3: a reconnect storm. 3,000 clients connecting at once each get
 * {@code connected} or a clean refusal (HTTP 503, or 1013 right after the upgrade) in time;
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

  /**
   * Time each client of the burst gets, from its connect to {@code connected}: issue 12
   * measured 20 s; 60 s here, so that a loaded build machine (the test's 3,000 clients share it
   * with the server) does not fail the test.
   */
  static final Duration WITHIN = Duration.ofSeconds(60);

  /** What one client of the burst saw. */
  enum Outcome { CONNECTED, REFUSED_503, REFUSED_1013, FAILED }

  static final Map<String, Integer> WHY = new ConcurrentHashMap<>();

  static Outcome connectOnce(int port, Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    try (Attacker a = Attacker.tcp(port, 0, within)) {
      a.socket.setSoTimeout((int) Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
      String head = a.upgrade("/ws", Map.of());
      if (head.startsWith("HTTP/1.1 503")) {
        return Outcome.REFUSED_503;
      }
      if (!head.startsWith("HTTP/1.1 101")) {
        WHY.merge(head.lines().findFirst().orElse(""), 1, Integer::sum);
        return Outcome.FAILED;
      }
      Attacker.Frame f = a.read(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
      if (f.opcode() == Attacker.CLOSE) {
        WHY.merge("close " + f.closeCode(), f.closeCode() == 1013 ? 0 : 1, Integer::sum);
        return f.closeCode() == 1013 ? Outcome.REFUSED_1013 : Outcome.FAILED;
      }
      if (!"connected".equals(f.type())) {
        WHY.merge("first frame " + f, 1, Integer::sum);
        return Outcome.FAILED;
      }
      return Outcome.CONNECTED;
    } catch (RuntimeException | IOException | AssertionError e) {
      Throwable root = e;
      while (root.getCause() != null) {
        root = root.getCause();
      }
      WHY.merge(root.getClass().getSimpleName() + ": " + root.getMessage(), 1, Integer::sum);
      return Outcome.FAILED;
    }
  }

  @Test
  void threeThousandAtOnceAreAllConnectedOrCleanlyRefused() throws Exception {
    // The handshake deadline is raised from 10 s to the test's budget: the 3,000 clients share
    // this JVM and a loaded machine with the server, and a client that gets no CPU for 10 s
    // between its connect and its upgrade request is dropped by that deadline, not refused by
    // the accept path under test here.
    server = Servers.start(ServerLimits.builder().handshakeTimeout(WITHIN).build());
    // issue 12's storm, in every run (16 s at load average 5-7 on the 2-core build machine)
    int n = 3000;
    CountDownLatch go = new CountDownLatch(1);
    ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
    AtomicInteger started = new AtomicInteger();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<?>> fs = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        fs.add(pool.submit(() -> {
          started.incrementAndGet();
          go.await();
          outcomes.add(connectOnce(server.port(), WITHIN));
          return null;
        }));
      }
      go.countDown();
      pool.shutdown();
      assertThat(pool.awaitTermination(120, TimeUnit.SECONDS)).isTrue();
      for (Future<?> f : fs) {
        f.get(); // a client thread that threw fails the test with its exception
      }
    }
    long connected = outcomes.stream().filter(o -> o == Outcome.CONNECTED).count();
    long failed = outcomes.stream().filter(o -> o == Outcome.FAILED).count();
    assertThat(outcomes).hasSize(n);
    assertThat(failed).as("%d connected, %d neither connected nor cleanly refused: %s; %s",
        connected, failed, WHY, server.metrics()).isZero();
    Servers.assertLegitimateClientServed(server.port());
  }
}
