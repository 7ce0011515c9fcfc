package io.github.jchannels.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.jchannels.core.memory.InMemoryConnection;
import io.github.jchannels.core.memory.InMemoryTransport;
import io.github.jchannels.core.transport.CloseCodes;
import java.security.Principal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Many connections starting, attaching to and leaving shells at once. */
@Timeout(120)
class ShellConcurrencyTest {
  private static final Principal ALICE = () -> "alice";

  private static long bashChildren() {
    return ProcessHandle.current().children()
        .filter(p -> p.info().command().map(c -> c.endsWith("bash")).orElse(false))
        .filter(ProcessHandle::isAlive)
        .count();
  }

  @Test
  void concurrentInitsOfOneIdStartExactlyOneShell() throws Exception {
    try (ShellEndpoint endpoint = ShellEndpoint.builder()
            .authenticator(h -> Optional.of(ALICE)).authorizer((p, id) -> true)
            .config(TestShells.interactive().maxShellsPerPrincipal(16).build()).build();
        InMemoryTransport t = new InMemoryTransport(endpoint.handler());
        ExecutorService pool = Executors.newFixedThreadPool(8)) {
      int n = 8;
      CountDownLatch go = new CountDownLatch(1);
      List<Future<InMemoryConnection>> fs = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        fs.add(pool.submit(() -> {
          InMemoryConnection c = t.open(ALICE);
          go.await();
          new ShellPeer(c).init("same", 80, 24);
          return c;
        }));
      }
      go.countDown();
      List<InMemoryConnection> conns = new ArrayList<>();
      for (Future<InMemoryConnection> f : fs) {
        conns.add(f.get(30, TimeUnit.SECONDS));
      }
      assertThat(endpoint.stats().shellsStarted()).isEqualTo(1);
      assertThat(endpoint.stats().shells()).isEqualTo(1);
      for (InMemoryConnection c : conns) {
        ShellPeer p = new ShellPeer(c);
        p.expectInit("same", 80, 24);
      }
      // leaving all at once ends the shell once
      CountDownLatch leave = new CountDownLatch(1);
      List<Future<?>> closes = new ArrayList<>();
      for (InMemoryConnection c : conns) {
        closes.add(pool.submit(() -> {
          leave.await();
          c.closeFromPeer(CloseCodes.ABNORMAL, "gone");
          return null;
        }));
      }
      leave.countDown();
      for (Future<?> f : closes) {
        f.get(30, TimeUnit.SECONDS);
      }
      await().atMost(Duration.ofSeconds(15)).until(() -> endpoint.stats().shells() == 0);
    }
  }

  @Test
  void churnOfConnectionsLeavesNoShellsProcessesOrThreads() throws Exception {
    long before = bashChildren();
    ShellEndpoint endpoint = ShellEndpoint.builder()
        .authenticator(h -> Optional.of(ALICE)).authorizer((p, id) -> true)
        .config(TestShells.interactive().maxShells(64).maxShellsPerPrincipal(64).build())
        .build();
    InMemoryTransport t = new InMemoryTransport(endpoint.handler());
    ExecutorService pool = Executors.newFixedThreadPool(6);
    try {
      List<Future<?>> fs = new ArrayList<>();
      for (int w = 0; w < 6; w++) {
        int worker = w;
        fs.add(pool.submit(() -> {
          for (int round = 0; round < 5; round++) {
            InMemoryConnection c = t.open(ALICE);
            ShellPeer p = new ShellPeer(c);
            String id = "s" + (worker % 3); // pairs of workers share an id
            p.init(id, 80, 24);
            p.until("init");
            p.input(id, "echo w" + worker + "r" + round + "\n");
            c.closeFromPeer(round % 2 == 0 ? CloseCodes.NORMAL : CloseCodes.ABNORMAL, "bye");
          }
          return null;
        }));
      }
      for (Future<?> f : fs) {
        f.get(60, TimeUnit.SECONDS);
      }
      await().atMost(Duration.ofSeconds(20)).until(() -> endpoint.stats().shells() == 0);
      assertThat(endpoint.stats().connections()).isZero();
      await().atMost(Duration.ofSeconds(20)).until(() -> bashChildren() <= before);
    } finally {
      pool.shutdownNow();
      t.close();
      endpoint.close();
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> Thread.getAllStackTraces().keySet()
        .stream().noneMatch(th -> th.isAlive() && th.getName().startsWith("shell-")));
  }
}
