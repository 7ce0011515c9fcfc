package io.github.jchannels.shell;

import static io.github.jchannels.shell.Fixture.pidsWith;
import static io.github.jchannels.shell.Fixture.principal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.jchannels.core.time.FakeScheduler;
import io.github.jchannels.core.transport.CloseCodes;
import io.github.jchannels.server.ChannelServer;
import io.github.jchannels.shell.ShellConfig.Containment;
import io.github.jchannels.shell.internal.CgroupRoot;
import io.github.jchannels.shell.internal.ShellHub;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Teardown that nothing escapes (issue 17, part 3): processes that leave the shell's session
 * ({@code setsid -f}, a double fork with {@code setsid}, {@code nohup}, a {@code tmux} server)
 * die with the shell, with a cgroup per shell and with the environment-tag fallback.
 */
@Timeout(90)
class ShellTeardownTest {
  private static final AtomicLong SEQ = new AtomicLong();

  private String marker;
  private String tmuxSocket;

  @AfterEach
  void tearDown() throws IOException {
    if (tmuxSocket != null) {
      Files.deleteIfExists(Path.of("/tmp/tmux-" + uid(), tmuxSocket));
    }
  }

  private static String uid() {
    try {
      return Files.readAllLines(Path.of("/proc/self/status")).stream()
          .filter(l -> l.startsWith("Uid:")).findFirst().orElseThrow().split("\\s+", -1)[1];
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private static void assumeContainment(Containment c) {
    if (c == Containment.CGROUP && !TestShells.ci()) {
      Optional<CgroupRoot> root = CgroupRoot.open(null);
      root.ifPresent(CgroupRoot::close);
      assumeTrue(root.isPresent(), "this process may not create cgroups v2 here");
    }
  }

  private static boolean hasTmux() {
    return Files.isExecutable(Path.of("/usr/bin/tmux"));
  }

  /** Starts the four escapees from the shell and waits until they all run. */
  private void escape(ShellPeer p, String id) {
    long n = SEQ.incrementAndGet();
    String base = "1000" + ProcessHandle.current().pid() + n;
    marker = base;
    tmuxSocket = "chs-" + base;
    p.input(id, "setsid -f sleep " + base + ".1\n");
    p.input(id, "( setsid sh -c 'sleep " + base + ".2 & ' & )\n");
    p.input(id, "nohup sleep " + base + ".3 >/dev/null 2>&1 &\n");
    int sleeps = 3;
    if (hasTmux() || TestShells.ci()) {
      p.input(id, "tmux -L " + tmuxSocket + " new -d 'sleep " + base + ".4'\n");
      sleeps = 4;
    }
    for (int k = 1; k <= sleeps; k++) {
      String sleep = "sleep " + base + "." + k;
      await().atMost(Duration.ofSeconds(20)).until(() -> !pidsWith(sleep).isEmpty());
    }
    if (sleeps == 4) {
      await().atMost(Duration.ofSeconds(20)).until(() -> !pidsWith("-L " + tmuxSocket).isEmpty());
    }
  }

  private void awaitNoneLeft() {
    await().atMost(Duration.ofSeconds(20)).until(() -> pidsWith(marker).isEmpty());
  }

  @ParameterizedTest
  @EnumSource(value = Containment.class, names = {"CGROUP", "ENVIRONMENT_TAG"})
  void nothingSurvivesClose(Containment containment) {
    assumeContainment(containment);
    Fixture f = new Fixture(TestShells.interactive().containment(containment).build());
    try {
      ShellPeer p = f.open(principal("alice"));
      p.init("t", 80, 24);
      p.expectInit("t", 80, 24);
      escape(p, "t");
    } finally {
      f.close();
    }
    assertThat(pidsWith(marker)).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(value = Containment.class, names = {"CGROUP", "ENVIRONMENT_TAG"})
  void nothingSurvivesTheLastDetachAfterItsGrace(Containment containment) {
    assumeContainment(containment);
    FakeScheduler time = new FakeScheduler();
    try (Fixture f = new Fixture(TestShells.interactive(time).containment(containment)
        .reattachGrace(Duration.ofSeconds(5)).build())) {
      ShellPeer p = f.open(principal("alice"));
      p.init("t", 80, 24);
      p.expectInit("t", 80, 24);
      escape(p, "t");
      p.connection.closeFromPeer(CloseCodes.ABNORMAL, "lost");
      time.advance(Duration.ofMillis(4_999));
      assertThat(f.endpoint.stats().shells()).isEqualTo(1);
      assertThat(pidsWith(marker)).isNotEmpty();
      time.advance(Duration.ofMillis(1));
      // the teardown hangs up, then forces the kill after terminateGrace on the fake clock:
      // drive the clock while waiting, for a bash that does not exit on the hang-up
      await().atMost(Duration.ofSeconds(20)).until(() -> {
        time.advance(Duration.ofMillis(500));
        return pidsWith(marker).isEmpty();
      });
      await().atMost(Duration.ofSeconds(10)).until(() -> f.endpoint.stats().shells() == 0);
    }
  }

  @ParameterizedTest
  @EnumSource(value = Containment.class, names = {"CGROUP", "ENVIRONMENT_TAG"})
  void nothingSurvivesAServerStop(Containment containment) throws Exception {
    assumeContainment(containment);
    try (ShellEndpoint endpoint = ShellEndpoint.builder()
        .authenticator(h -> Optional.of(principal("alice"))).authorizer((p, id) -> true)
        .config(TestShells.interactive().containment(containment).build()).build()) {
      ChannelServer server = endpoint.mountOn(ChannelServer.builder().host("127.0.0.1").port(0))
          .build().start();
      try (RawShellSocket raw = RawShellSocket.connect(
          URI.create("ws://127.0.0.1:" + server.port() + "/shell"), "t", 1000)) {
        raw.next(); // connected
        raw.send("{\"channel\":\"shell:t\",\"type\":\"init\",\"data\":{\"cols\":80,\"rows\":24}}");
        assertThat(raw.next().path("type").asText()).isEqualTo("init");
        long n = SEQ.incrementAndGet();
        marker = "1000" + ProcessHandle.current().pid() + n;
        raw.send("{\"channel\":\"shell:t\",\"type\":\"input\",\"data\":{\"data\":\"setsid -f sleep "
            + marker + ".1; nohup sleep " + marker + ".3 >/dev/null 2>&1 &\\n\"}}");
        await().atMost(Duration.ofSeconds(20)).until(() -> pidsWith(marker).size() >= 2);
        server.close();
        assertThat(raw.closed.get(10, TimeUnit.SECONDS)).isEqualTo(1001);
      }
      awaitNoneLeft();
    }
  }

  @Test
  void theCgroupOfAShellIsRemovedAfterItsTeardown() {
    assumeContainment(Containment.CGROUP);
    try (Fixture f = new Fixture(TestShells.interactive().containment(Containment.CGROUP)
        .build())) {
      ShellPeer p = f.open(principal("alice"));
      p.init("t", 80, 24);
      p.expectInit("t", 80, 24);
      p.input("t", "cat /proc/self/cgroup | grep '^0::'\n");
      p.awaitOutput("channels-shell-" + ProcessHandle.current().pid());
      Path dir = ((ShellHub) f.endpoint.handler()).cgroupDirectory();
      assertThat(dir).isNotNull();
      p.connection.closeFromPeer(CloseCodes.NORMAL, "bye");
      await().atMost(Duration.ofSeconds(10)).until(() -> f.endpoint.stats().shells() == 0);
      try (var children = Files.list(dir)) {
        assertThat(children.filter(Files::isDirectory)).isEmpty();
      } catch (IOException e) {
        throw new AssertionError(e);
      }
    }
  }
}
