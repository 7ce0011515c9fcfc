package io.github.jchannels.shell;

import static io.github.jchannels.shell.Fixture.principal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.jchannels.core.time.FakeScheduler;
import io.github.jchannels.core.transport.CloseCodes;
import io.github.jchannels.shell.internal.ProcessTree;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Limits that hold (issue 17, part 4). */
@Timeout(60)
class ShellLimitsTest {

  @Test
  void aDyingShellCountsUntilItIsGone() {
    FakeScheduler time = new FakeScheduler();
    // the program ignores SIGHUP: its teardown waits the terminate grace (1 s) for SIGKILL
    try (Fixture f = new Fixture(TestShells.interactive(time)
        .command("bash", "--noprofile", "--norc", "-c",
            "trap '' HUP; echo ready; while :; do read -r x; done")
        .maxShells(1).build())) {
      ShellPeer a = f.open(principal("alice"));
      a.init("a", 80, 24);
      a.expectInit("a", 80, 24);
      a.awaitOutput("ready");
      long pid = f.endpoint.pid("a").orElseThrow();
      a.connection.closeFromPeer(CloseCodes.NORMAL, "bye");
      time.awaitPending(1, Duration.ofSeconds(10)); // the SIGKILL after the grace is armed
      assertThat(ProcessTree.isGone(pid)).isFalse();
      assertThat(f.endpoint.stats().shells()).isEqualTo(1);
      ShellPeer b = f.open(principal("alice"));
      b.init("b", 80, 24);
      assertThat(b.until("error").path("data").path("error").asText())
          .isEqualTo("limit_exceeded");
      time.advance(Duration.ofSeconds(1));
      await().atMost(Duration.ofSeconds(10)).until(() -> ProcessTree.isGone(pid));
      await().atMost(Duration.ofSeconds(10)).until(() -> f.endpoint.stats().shells() == 0);
      b.init("b", 80, 24);
      b.expectInit("b", 80, 24);
    }
  }

  @Test
  void aSlowStartDoesNotHoldOtherStartsBack() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    try (Fixture f = new Fixture(TestShells.interactive().build(), b -> b.launcher(
        (user, id, defaults) -> {
          if (id.equals("slow")) {
            entered.countDown();
            release.await(30, TimeUnit.SECONDS);
          }
          return defaults;
        }))) {
      ShellPeer slow = f.open(principal("alice"));
      CompletableFuture<Void> slowInit =
          CompletableFuture.runAsync(() -> slow.init("slow", 80, 24));
      assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
      // while "slow" is being started, another shell starts and a limit check runs
      ShellPeer fast = f.open(principal("bob"));
      fast.init("fast", 80, 24);
      fast.expectInit("fast", 80, 24);
      assertThat(slowInit).isNotDone();
      assertThat(f.endpoint.stats().shells()).isEqualTo(2); // the starting one counts
      release.countDown();
      slowInit.get(10, TimeUnit.SECONDS);
      slow.expectInit("slow", 80, 24);
    }
  }

  @Test
  void aShellUsesAtMostTwoPlatformThreads() {
    try (Fixture f = new Fixture(TestShells.interactive().build())) {
      // one shell first: the endpoint's own threads (timer, pty4j's shared ones) exist after it
      ShellPeer warm = f.open(principal("alice"));
      warm.init("warm", 80, 24);
      warm.expectInit("warm", 80, 24);
      warm.input("warm", "echo wa''rm\n");
      warm.awaitOutput("warm");
      Set<Thread> before = Thread.getAllStackTraces().keySet();
      int n = 3;
      for (int i = 0; i < n; i++) {
        ShellPeer p = f.open(principal("alice"));
        p.init("s" + i, 80, 24);
        p.expectInit("s" + i, 80, 24);
        p.input("s" + i, "echo he''llo" + i + "\n");
        p.awaitOutput("hello" + i);
      }
      // new platform threads, but the carriers of virtual threads (shared by the whole JVM) and
      // the endpoint's timer thread (one per endpoint, started at its first timer)
      List<String> added = Thread.getAllStackTraces().keySet().stream()
          .filter(t -> !before.contains(t) && t.isAlive() && !t.isVirtual())
          .map(Thread::getName)
          .filter(name -> !name.startsWith("ForkJoinPool-") && !name.equals("shell-timer"))
          .toList();
      assertThat(added).as("platform threads for %d shells", n).hasSizeLessThanOrEqualTo(2 * n);
    }
  }
}
