package io.github.jchannels.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.jchannels.core.memory.InMemoryConnection;
import io.github.jchannels.core.memory.InMemoryTransport;
import io.github.jchannels.core.time.FakeScheduler;
import io.github.jchannels.core.transport.CloseCodes;
import io.github.jchannels.shell.internal.ProcessTree;
import java.security.Principal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The endpoint's protocol over the in-memory transport, with real PTYs behind it. */
@Timeout(60)
class ShellEndpointTest {
  private static final Principal ALICE = () -> "alice";
  private static final Principal BOB = () -> "bob";

  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : closeables.reversed()) {
      c.close();
    }
  }

  private InMemoryTransport start(ShellConfig config) {
    return start(config, (p, id) -> true);
  }

  private InMemoryTransport start(ShellConfig config, ShellAuthorizer authorizer) {
    ShellEndpoint endpoint = ShellEndpoint.builder()
        .authenticator(h -> Optional.of(ALICE))
        .authorizer(authorizer)
        .config(config)
        .build();
    this.endpoint = endpoint;
    closeables.add(endpoint);
    InMemoryTransport t = new InMemoryTransport(endpoint.handler());
    closeables.add(t);
    return t;
  }

  private ShellEndpoint endpoint;

  private static String type(JsonNode n) {
    return n.path("type").asText();
  }

  @Test
  void initStartsTheShellAndInputEchoesBack() {
    ShellPeer peer = new ShellPeer(start(TestShells.interactive().build()).open(ALICE));
    peer.init("t1", 80, 24);
    peer.expectInit("t1", 80, 24);
    peer.input("t1", "echo round''trip\n");
    peer.awaitOutput("roundtrip");
    assertThat(endpoint.stats().shells()).isEqualTo(1);
  }

  @Test
  void initWithARefGetsInitThenAReply() {
    ShellPeer peer = new ShellPeer(start(TestShells.interactive().build()).open(ALICE));
    peer.send("shell:t1", "init", Map.of("cols", 90, "rows", 20), "r1");
    JsonNode init = peer.expectInit("t1", 90, 20);
    assertThat(init.path("ref").asText()).isEqualTo("r1");
    JsonNode reply = peer.until("reply");
    assertThat(reply.path("ref").asText()).isEqualTo("r1");
    assertThat(reply.path("data").path("status").asText()).isEqualTo("ok");
  }

  @Test
  void sttySizeFollowsInitAndResize() {
    ShellPeer peer = new ShellPeer(start(TestShells.interactive().build()).open(ALICE));
    peer.init("t1", 100, 30);
    peer.expectInit("t1", 100, 30);
    peer.input("t1", "stty size\n");
    peer.awaitOutput("30 100");
    peer.send("shell:t1", "resize", Map.of("cols", 120, "rows", 40));
    peer.input("t1", "stty size\n");
    peer.awaitOutput("40 120");
  }

  @Test
  void exitCodeIsSentAndTheChannelIsLeft() {
    ShellPeer peer = new ShellPeer(start(TestShells.interactive().build()).open(ALICE));
    peer.init("t1", 80, 24);
    peer.expectInit("t1", 80, 24);
    peer.input("t1", "exit 7\n");
    JsonNode exit = peer.until("exit");
    assertThat(exit.path("data").path("exitCode").asInt()).isEqualTo(7);
    assertThat(exit.path("channel").asText()).isEqualTo("shell:t1");
    peer.input("t1", "echo too late\n");
    JsonNode err = peer.until("error");
    assertThat(err.path("channel").asText()).isEqualTo("global");
    assertThat(err.path("data").path("error").asText()).isEqualTo("not_subscribed");
    await().atMost(Duration.ofSeconds(10)).until(() -> endpoint.stats().shells() == 0);
  }

  @Test
  void inputBeforeInitIsNotSubscribed() {
    ShellPeer peer = new ShellPeer(start(TestShells.interactive().build()).open(ALICE));
    peer.send("shell:t1", "input", Map.of("data", "ls\n"), "7");
    JsonNode err = peer.next();
    assertThat(err.path("channel").asText()).isEqualTo("global");
    assertThat(err.path("data").path("error").asText()).isEqualTo("not_subscribed");
    assertThat(err.path("ref").asText()).isEqualTo("7");
    // bad data on an unjoined channel: not_subscribed comes first (PROTOCOL.md 7, step 6)
    peer.send("shell:t1", "resize", Map.of("cols", "wide"));
    assertThat(peer.next().path("data").path("error").asText()).isEqualTo("not_subscribed");
    assertThat(endpoint.stats().shells()).isZero();
  }

  @Test
  void protocolErrorsFollowSection7() {
    ShellPeer peer = new ShellPeer(start(TestShells.interactive().build()).open(ALICE));
    peer.connection.receive("not json");
    assertThat(peer.next().path("data").path("error").asText()).isEqualTo("invalid_message");
    peer.send("session:abc", "send_message", Map.of("message", "hi"));
    assertThat(peer.next().path("data").path("error").asText()).isEqualTo("unknown_channel");
    peer.send("shell:t1", "output", Map.of("data", "x"));
    assertThat(peer.next().path("data").path("error").asText()).isEqualTo("unknown_type");
    peer.send("shell:t1", "init", Map.of("cols", 0, "rows", 24));
    assertThat(peer.next().path("data").path("error").asText()).isEqualTo("invalid_data");
    peer.send("shell:t1", "init", Map.of("cols", 80));
    assertThat(peer.next().path("data").path("error").asText()).isEqualTo("invalid_data");
    peer.send("global", "subscribe", Map.of("channel", "shell:t1"), "s1");
    JsonNode sub = peer.next();
    assertThat(type(sub)).isEqualTo("subscription_error");
    assertThat(sub.path("ref").asText()).isEqualTo("s1");
    assertThat(endpoint.stats().shells()).isZero();
  }

  @Test
  void pingIsAnsweredWithPongEchoingTimestampAndRef() {
    ShellPeer peer = new ShellPeer(start(TestShells.interactive().build()).open(ALICE));
    peer.send("global", "ping", Map.of("timestamp", 12345), "p1");
    JsonNode pong = peer.next();
    assertThat(type(pong)).isEqualTo("pong");
    assertThat(pong.path("data").path("timestamp").asLong()).isEqualTo(12345);
    assertThat(pong.path("ref").asText()).isEqualTo("p1");
  }

  @Test
  void notAllowedShellGetsErrorUnauthorized() {
    InMemoryTransport t = start(TestShells.interactive().build(), ShellAuthorizer.ownerNamed());
    ShellPeer bob = new ShellPeer(t.open(BOB));
    bob.send("shell:alice@1", "init", Map.of("cols", 80, "rows", 24), "i1");
    JsonNode reply = bob.next();
    assertThat(type(reply)).isEqualTo("reply");
    assertThat(reply.path("data").path("status").asText()).isEqualTo("error");
    assertThat(reply.path("data").path("response").path("error").asText())
        .isEqualTo("unauthorized");
    JsonNode err = bob.next();
    assertThat(err.path("channel").asText()).isEqualTo("shell:alice@1");
    assertThat(type(err)).isEqualTo("error");
    assertThat(err.path("data").path("error").asText()).isEqualTo("unauthorized");
    assertThat(endpoint.stats().shells()).isZero();
    ShellPeer alice = new ShellPeer(t.open(ALICE));
    alice.init("alice@1", 80, 24);
    alice.expectInit("alice@1", 80, 24);
  }

  @Test
  void aClientCannotChooseTheProgram() {
    ShellPeer peer = new ShellPeer(start(TestShells.script("echo configured-program; sleep 30")
        .build()).open(ALICE));
    peer.send("shell:t1", "init", Map.of("cols", 80, "rows", 24,
        "command", "/bin/sh", "args", List.of("-c", "echo PWNED"), "env", Map.of("X", "1")));
    peer.expectInit("t1", 80, 24);
    peer.awaitOutput("configured-program");
    assertThat(peer.output.toString()).doesNotContain("PWNED");
    // and there is no event type to run something else
    peer.send("shell:t1", "exec", Map.of("command", "/bin/sh"));
    assertThat(peer.until("error").path("data").path("error").asText()).isEqualTo("unknown_type");
  }

  @Test
  void secondConnectionAttachesAndTheNewestSizeWins() {
    InMemoryTransport t = start(TestShells.interactive().build());
    ShellPeer a = new ShellPeer(t.open(ALICE));
    a.init("shared", 80, 24);
    a.expectInit("shared", 80, 24);
    a.input("shared", "echo first''one\n");
    a.awaitOutput("firstone");
    ShellPeer b = new ShellPeer(t.open(ALICE));
    b.init("shared", 132, 50);
    b.expectInit("shared", 132, 50);
    assertThat(endpoint.stats().shells()).isEqualTo(1);
    b.input("shared", "stty size\n");
    a.awaitOutput("50 132");
    b.awaitOutput("50 132");
    // the first connection leaving does not end the shell
    a.connection.closeFromPeer(CloseCodes.NORMAL, "bye");
    b.input("shared", "echo still''here\n");
    b.awaitOutput("stillhere");
  }

  @Test
  void backgroundJobDiesWhenTheLastConnectionCloses() {
    ShellPeer peer = new ShellPeer(start(TestShells.interactive().build()).open(ALICE));
    peer.init("t1", 80, 24);
    peer.expectInit("t1", 80, 24);
    long shellPid = endpoint.pid("t1").orElseThrow();
    peer.input("t1", "sleep 1000 & echo JOB=$!\n");
    Pattern p = Pattern.compile("JOB=(\\d+)");
    while (!p.matcher(peer.output).find()) {
      peer.next();
    }
    Matcher m = p.matcher(peer.output);
    assertThat(m.find()).isTrue();
    long jobPid = Long.parseLong(m.group(1));
    assertThat(ProcessHandle.of(jobPid)).isPresent();
    peer.connection.closeFromPeer(CloseCodes.ABNORMAL, "gone");
    await().atMost(Duration.ofSeconds(10)).until(() -> ProcessTree.isGone(jobPid));
    await().atMost(Duration.ofSeconds(10)).until(() -> ProcessTree.isGone(shellPid));
    await().atMost(Duration.ofSeconds(10)).until(() -> endpoint.stats().shells() == 0);
  }

  @Test
  void limitsPerPrincipalAndInTotal() {
    InMemoryTransport t = start(TestShells.interactive().maxShells(2).maxShellsPerPrincipal(1)
        .build());
    ShellPeer alice = new ShellPeer(t.open(ALICE));
    alice.init("a1", 80, 24);
    alice.expectInit("a1", 80, 24);
    alice.init("a2", 80, 24);
    JsonNode err = alice.until("error");
    assertThat(err.path("channel").asText()).isEqualTo("shell:a2");
    assertThat(err.path("data").path("error").asText()).isEqualTo("limit_exceeded");
    // attaching to a running shell is not a new shell
    ShellPeer alice2 = new ShellPeer(t.open(ALICE));
    alice2.init("a1", 80, 24);
    alice2.expectInit("a1", 80, 24);
    ShellPeer bob = new ShellPeer(t.open(BOB));
    bob.init("b1", 80, 24);
    bob.expectInit("b1", 80, 24);
    ShellPeer anonymous = new ShellPeer(t.open());
    anonymous.init("c1", 80, 24);
    assertThat(anonymous.next().path("data").path("error").asText()).isEqualTo("limit_exceeded");
    assertThat(endpoint.stats().shells()).isEqualTo(2);
  }

  @Test
  void missingCommandIsReported() {
    ShellPeer peer = new ShellPeer(start(TestShells.interactive()
        .command("definitely-not-a-program-42").build()).open(ALICE));
    peer.init("t1", 80, 24);
    JsonNode err = peer.next();
    assertThat(type(err)).isEqualTo("error");
    assertThat(err.path("data").path("error").asText()).isEqualTo("command_not_found");
    assertThat(endpoint.stats().shells()).isZero();
  }

  @Test
  void slowReaderPausesThePtyAndLosesNothing() {
    int lines = 200_000;
    InMemoryTransport t = start(TestShells.script("seq 1 " + lines + "; echo END").build());
    InMemoryConnection conn = t.open(ALICE);
    conn.setBufferedBytes(1_000_000);
    ShellPeer peer = new ShellPeer(conn);
    peer.init("flood", 80, 24);
    peer.expectInit("flood", 80, 24);
    await().atMost(Duration.ofSeconds(10)).until(() -> endpoint.stats().flowControlPauses() > 0);
    awaitNoMoreOutputFrames();
    conn.setBufferedBytes(0);
    JsonNode exit = peer.until("exit");
    assertThat(exit.path("data").path("exitCode").asInt()).isZero();
    String[] got = peer.output.toString().split("\r\n");
    assertThat(got).hasSize(lines + 1);
    for (int i = 0; i < lines; i++) {
      if (!got[i].equals(Integer.toString(i + 1))) {
        throw new AssertionError("line " + i + " is '" + got[i] + "'");
      }
    }
    assertThat(got[lines]).isEqualTo("END");
  }

  @Test
  void idleShellIsEnded() {
    FakeScheduler time = new FakeScheduler();
    ShellPeer peer = new ShellPeer(start(TestShells.interactive(time)
        .idleTimeout(Duration.ofMillis(500)).build()).open(ALICE));
    peer.init("t1", 80, 24);
    peer.expectInit("t1", 80, 24);
    // bash's prompt first: output is activity, and a prompt that arrived after the clock moved
    // (a slow start on a loaded machine) would re-arm the idle timer past the advances below
    peer.awaitOutput("$ ");
    time.advance(Duration.ofMillis(499));
    assertThat(endpoint.stats().shells()).isEqualTo(1);
    assertThat(peer.connection.texts()).noneMatch(x -> x.contains("idle_timeout"));
    time.advance(Duration.ofMillis(1));
    JsonNode err = peer.until("error");
    assertThat(err.path("data").path("error").asText()).isEqualTo("idle_timeout");
    // Teardown hangs up, then waits terminateGrace (1 s) on the fake clock before it forces the
    // kill: bash usually exits on the hang-up, but when it does not, only the clock moving past
    // the grace ends it. Drive the clock while waiting for the exit.
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
      time.advance(Duration.ofMillis(500));
      assertThat(peer.connection.texts()).anyMatch(x -> x.contains("\"type\":\"exit\""));
    });
  }

  @Test
  void closingTheEndpointKillsShellsAndClosesConnections() {
    InMemoryTransport t = start(TestShells.interactive().build());
    ShellPeer peer = new ShellPeer(t.open(ALICE));
    peer.init("t1", 80, 24);
    peer.expectInit("t1", 80, 24);
    long pid = endpoint.pid("t1").orElseThrow();
    endpoint.close();
    assertThat(ProcessTree.isGone(pid)).isTrue();
    assertThat(peer.connection.awaitClose(Duration.ofSeconds(5))).isEqualTo(CloseCodes.GOING_AWAY);
    // the shell's threads were told to end; one may still be leaving its run method
    await().atMost(Duration.ofSeconds(10)).until(() -> Thread.getAllStackTraces().keySet()
        .stream().noneMatch(th -> th.isAlive() && th.getName().startsWith("shell-" + pid)));
    ShellPeer late = new ShellPeer(t.open(ALICE));
    assertThat(late.connection.awaitClose(Duration.ofSeconds(5))).isEqualTo(CloseCodes.GOING_AWAY);
  }

  @Test
  void builderRequiresAnAuthenticatorAndAnAuthorizer() {
    assertThatThrownBy(() -> ShellEndpoint.builder().authorizer((p, id) -> true).build())
        .isInstanceOf(NullPointerException.class).hasMessageContaining("authenticator");
    assertThatThrownBy(() -> ShellEndpoint.builder().authenticator(h -> Optional.empty()).build())
        .isInstanceOf(NullPointerException.class).hasMessageContaining("authorizer");
  }

  @Test
  void inputToAProgramThatDoesNotReadOverflowsWithAnError() {
    // Raw mode: in canonical mode the tty discards a line past 4 KiB instead of refusing it, so
    // this input (no line ends) would never fill the PTY. In raw mode the tty keeps what the
    // program does not read, the PTY's buffers fill up, and what is typed then waits in the
    // bounded queue until it overflows.
    ShellPeer peer = new ShellPeer(start(TestShells.script("stty raw -echo; echo raw''mode; "
        + "sleep 30").maxPendingInput(4096).build()).open(ALICE));
    peer.init("t1", 80, 24);
    peer.expectInit("t1", 80, 24);
    peer.awaitOutput("rawmode");
    String line = "x".repeat(1000);
    int sent = 0;
    while (peer.connection.texts().stream().noneMatch(t -> t.contains("input_overflow"))) {
      assertThat(sent).as("input sent before the overflow").isLessThan(1000);
      peer.input("t1", line);
      sent++;
    }
    JsonNode err = peer.until(n -> "error".equals(type(n)));
    assertThat(err.path("channel").asText()).isEqualTo("shell:t1");
    assertThat(err.path("data").path("error").asText()).isEqualTo("input_overflow");
    // the writer thread, blocked on the full PTY, ends with the shell
    long pid = endpoint.pid("t1").orElseThrow();
    endpoint.close();
    await().atMost(Duration.ofSeconds(10)).until(() -> Thread.getAllStackTraces().keySet()
        .stream().noneMatch(th -> th.isAlive() && th.getName().startsWith("shell-" + pid + "-")));
  }

  @Test
  void oneSlowConnectionHoldsTheShellForAllAndBothGetEverything() {
    int lines = 100_000;
    InMemoryTransport t = start(TestShells.script("read go; seq 1 " + lines + "; echo END")
        .build());
    InMemoryConnection slowConn = t.open(ALICE);
    ShellPeer slow = new ShellPeer(slowConn);
    slow.init("shared", 80, 24);
    slow.expectInit("shared", 80, 24);
    ShellPeer fast = new ShellPeer(t.open(ALICE));
    fast.init("shared", 80, 24);
    fast.expectInit("shared", 80, 24);
    slowConn.setBufferedBytes(10_000_000);
    fast.input("shared", "go\n");
    await().atMost(Duration.ofSeconds(10)).until(() -> endpoint.stats().flowControlPauses() > 0);
    awaitNoMoreOutputFrames();
    slowConn.setBufferedBytes(0);
    for (ShellPeer p : List.of(fast, slow)) {
      assertThat(p.until("exit").path("data").path("exitCode").asInt()).isZero();
      String out = p.output.toString();
      assertThat(out).contains("\r\n1\r\n2\r\n").endsWith("\r\n" + lines + "\r\nEND\r\n");
    }
    assertThat(slow.output.toString()).isEqualTo(fast.output.toString());
  }

  @Test
  void aLostConnectionCanReattachWithinTheGraceAndTheShellEndsAfterIt() {
    FakeScheduler time = new FakeScheduler();
    InMemoryTransport t = start(TestShells.interactive(time)
        .reattachGrace(Duration.ofMillis(800)).build());
    ShellPeer a = new ShellPeer(t.open(ALICE));
    a.init("t1", 80, 24);
    a.expectInit("t1", 80, 24);
    a.input("t1", "X=ke''pt; echo set\n");
    a.awaitOutput("set");
    long pid = endpoint.pid("t1").orElseThrow();
    a.connection.closeFromPeer(CloseCodes.ABNORMAL, "lost");
    assertThat(endpoint.stats().shells()).isEqualTo(1);
    ShellPeer b = new ShellPeer(t.open(ALICE));
    b.init("t1", 100, 30);
    b.expectInit("t1", 100, 30);
    assertThat(endpoint.pid("t1")).hasValue(pid);
    b.input("t1", "echo $X\n");
    b.awaitOutput("kept");
    b.connection.closeFromPeer(CloseCodes.ABNORMAL, "lost again");
    time.advance(Duration.ofMillis(799));
    assertThat(ProcessTree.isGone(pid)).isFalse();
    time.advance(Duration.ofMillis(1));
    // the teardown hangs up, then forces the kill after terminateGrace on the fake clock:
    // drive the clock while waiting, for a bash that does not exit on the hang-up
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      time.advance(Duration.ofMillis(500));
      return ProcessTree.isGone(pid);
    });
    await().atMost(Duration.ofSeconds(10)).until(() -> endpoint.stats().shells() == 0);
  }

  @Test
  void aNormalCloseEndsTheShellAtOnceWhateverTheGrace() {
    InMemoryTransport t = start(TestShells.interactive().reattachGrace(Duration.ofHours(1))
        .build());
    ShellPeer a = new ShellPeer(t.open(ALICE));
    a.init("t1", 80, 24);
    a.expectInit("t1", 80, 24);
    long pid = endpoint.pid("t1").orElseThrow();
    a.connection.closeFromPeer(CloseCodes.NORMAL, "bye");
    await().atMost(Duration.ofSeconds(10)).until(() -> ProcessTree.isGone(pid));
  }

  /** Waits until no output frame was encoded for 300 ms: the PTY is no longer read. */
  private void awaitNoMoreOutputFrames() {
    AtomicLong last = new AtomicLong(-1);
    await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(10)).until(() -> {
      long now = endpoint.stats().outputFrames();
      return last.getAndSet(now) == now;
    });
  }
}
