package io.github.jchannels.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.jchannels.client.ConnectionState;
import io.github.jchannels.core.time.FakeScheduler;
import io.github.jchannels.server.Authenticator;
import io.github.jchannels.server.ChannelServer;
import io.github.jchannels.shell.internal.ProcessTree;
import java.net.URI;
import java.security.Principal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The shell endpoint on a real ChannelServer (loopback, port 0) with real PTYs. */
@Timeout(90)
class ShellOverSocketsTest {
  private static final Map<String, Principal> TOKENS =
      Map.of("alice-token", () -> "alice", "bob-token", () -> "bob");
  private static final Authenticator AUTH =
      Authenticator.bearer(t -> Optional.ofNullable(TOKENS.get(t)));
  /** Shell ids are "<principal name>@<n>", compared exactly. */
  private static final ShellAuthorizer OWNER = ShellAuthorizer.ownerNamed();

  private final List<AutoCloseable> closeables = new ArrayList<>();
  /**
   * The clock of the clients built by {@link #onClientTime}: their heartbeat, reconnection
   * delays and timeouts move only when a test advances it.
   */
  private final FakeScheduler clientTime = new FakeScheduler();
  private ShellEndpoint endpoint;
  private ChannelServer server;

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : closeables.reversed()) {
      c.close();
    }
  }

  private <T extends AutoCloseable> T closing(T c) {
    closeables.add(c);
    return c;
  }

  private void start(ShellConfig config) {
    endpoint = closing(ShellEndpoint.builder().authenticator(AUTH).authorizer(OWNER)
        .config(config).build());
    server = closing(endpoint.mountOn(ChannelServer.builder().host("127.0.0.1").port(0))
        .build().start());
  }

  private URI shellUri() {
    return URI.create("ws://127.0.0.1:" + server.port() + "/shell");
  }

  /** Records what a ShellClient reports. */
  static final class Recorder implements ShellListener {
    @SuppressWarnings("JdkObsolete") // appended on the client's thread, read on the test's
    final StringBuffer output = new StringBuffer();
    final List<String> chunks = new CopyOnWriteArrayList<>();
    final List<String> errors = new CopyOnWriteArrayList<>();
    final List<String> starts = new CopyOnWriteArrayList<>();
    /** The output length at each onStart. */
    final List<Integer> startOffsets = new CopyOnWriteArrayList<>();
    final CompletableFuture<Integer> exit = new CompletableFuture<>();

    @Override
    public void onStart(String shellId, int cols, int rows) {
      startOffsets.add(output.length());
      starts.add(shellId + " " + cols + "x" + rows);
    }

    @Override
    public void onOutput(String text) {
      chunks.add(text);
      output.append(text);
    }

    @Override
    public void onExit(int exitCode) {
      exit.complete(exitCode);
    }

    @Override
    public void onError(String code, String message) {
      errors.add(code);
    }

    void awaitOutput(String text) {
      await().atMost(Duration.ofSeconds(15)).until(() -> output.toString().contains(text));
    }
  }

  private ShellClient client(String token, String shellId, Recorder recorder) {
    return closing(ShellClient.builder(shellUri(), shellId)
        .token(() -> token)
        .size(100, 30)
        .listener(recorder)
        .build());
  }

  /** A client of alice's on {@link #clientTime}, with its default size (80x24). */
  private ShellClient onClientTime(String shellId, Recorder recorder) {
    return closing(ShellClient.builder(shellUri(), shellId)
        .token(() -> "alice-token")
        .listener(recorder)
        .configure(c -> c.scheduler(clientTime))
        .build());
  }

  /** Waits until {@code shell} noticed that its connection dropped, then lets its delay pass. */
  private void reconnectAfterTheDrop(ShellClient shell) {
    clientTime.advance(reconnecting(shell).delay());
  }

  /**
   * Waits until {@code shell} noticed that its connection dropped. On {@link #clientTime} it
   * stays reconnecting until the test advances the clock by the delay.
   */
  private static ConnectionState.Reconnecting reconnecting(ShellClient shell) {
    await().atMost(Duration.ofSeconds(15))
        .until(() -> shell.state() instanceof ConnectionState.Reconnecting);
    return (ConnectionState.Reconnecting) shell.state();
  }

  @Test
  void echoSttySizeResizeAndExitCode() throws Exception {
    start(TestShells.interactive().build());
    Recorder r = new Recorder();
    ShellClient shell = client("alice-token", "alice@1", r);
    shell.start().get(15, TimeUnit.SECONDS);
    assertThat(r.starts).containsExactly("alice@1 100x30");
    assertThat(shell.input("echo hello''world\r")).isTrue();
    r.awaitOutput("helloworld");
    shell.input("stty size\r");
    r.awaitOutput("30 100");
    assertThat(shell.resize(120, 40)).isTrue();
    shell.input("stty size\r");
    r.awaitOutput("40 120");
    shell.input("exit 7\r");
    assertThat(r.exit.get(15, TimeUnit.SECONDS)).isEqualTo(7);
    assertThat(r.errors).isEmpty();
  }

  @Test
  void multiByteCharactersSplitAcrossReadsArriveIntact() throws Exception {
    // é = C3 A9, 漢 = E6 BC A2, 😀 = F0 9F 98 80, each split between two writes; the program
    // writes the next part only after a line of input, typed once the last part has arrived
    start(TestShells.script("stty -echo; printf 'A\\xc3'; read -r; "
        + "printf '\\xa9B\\xe6\\xbc'; read -r; printf '\\xa2C\\xf0\\x9f'; read -r; "
        + "printf '\\x98\\x80D\\n'").build());
    Recorder r = new Recorder();
    ShellClient shell = client("alice-token", "alice@utf8", r);
    shell.start().get(15, TimeUnit.SECONDS);
    for (String seen : List.of("A", "AéB", "AéB漢C")) {
      await().atMost(Duration.ofSeconds(15)).until(() -> r.output.toString().equals(seen));
      assertThat(shell.input("\r")).isTrue();
    }
    assertThat(r.exit.get(15, TimeUnit.SECONDS)).isZero();
    assertThat(r.output.toString()).isEqualTo("AéB漢C😀D\r\n");
    assertThat(r.chunks).hasSizeGreaterThan(3)
        .allSatisfy(c -> assertThat(c).doesNotContain("\uFFFD"));
  }

  @Test
  void twentyMegabytesReachADeliberatelySlowReaderCompleteAndInOrder() throws Exception {
    int lines = 2_400_000; // "1\r\n" .. "2400000\r\n": about 20.5 MB of terminal output
    start(TestShells.script("seq 1 " + lines + "; echo END").build());
    RawShellSocket raw = closing(RawShellSocket.connect(shellUri(), "alice-token", 1));
    assertThat(raw.next().path("type").asText()).isEqualTo("connected");
    raw.read(1);
    raw.send("{\"channel\":\"shell:alice@flood\",\"type\":\"init\","
        + "\"data\":{\"cols\":80,\"rows\":24}}");
    assertThat(raw.next().path("type").asText()).isEqualTo("init");
    // the reader takes nothing more: TCP fills, the server's queue grows, the PTY is paused
    await().atMost(Duration.ofSeconds(30)).until(() -> endpoint.stats().flowControlPauses() > 0);
    awaitNoMoreOutputFrames();
    assertThat(endpoint.stats().shells()).isEqualTo(1);
    long bound = 1024 * 1024; // high mark 256 KiB + chunks in flight, far below the 4 MiB limit
    assertThat(endpoint.stats().peakBufferedBytes()).isLessThan(bound);

    raw.read(Long.MAX_VALUE / 2);
    StringBuilder out = new StringBuilder();
    int exitCode;
    while (true) {
      JsonNode n = raw.next();
      String type = n.path("type").asText();
      if (type.equals("output")) {
        out.append(n.path("data").path("data").asText());
      } else if (type.equals("exit")) {
        exitCode = n.path("data").path("exitCode").asInt();
        break;
      } else {
        throw new AssertionError("unexpected frame " + n);
      }
    }
    assertThat(exitCode).isZero();
    assertThat(out.length()).isGreaterThan(20_000_000);
    String[] got = out.toString().split("\r\n");
    assertThat(got).hasSize(lines + 1);
    for (int i = 0; i < lines; i++) {
      if (!got[i].equals(Integer.toString(i + 1))) {
        throw new AssertionError("line " + (i + 1) + " is '" + got[i] + "'");
      }
    }
    assertThat(got[lines]).isEqualTo("END");
    assertThat(endpoint.stats().peakBufferedBytes()).isLessThan(bound);
    assertThat(raw.closed).isNotDone();
  }

  @Test
  void backgroundJobIsGoneAfterTheConnectionCloses() throws Exception {
    start(TestShells.interactive().build());
    Recorder r = new Recorder();
    ShellClient shell = client("alice-token", "alice@jobs", r);
    shell.start().get(15, TimeUnit.SECONDS);
    long shellPid = endpoint.pid("alice@jobs").orElseThrow();
    shell.input("sleep 1000 & echo JOB=$!\r");
    Pattern p = Pattern.compile("JOB=(\\d+)");
    await().atMost(Duration.ofSeconds(15)).until(() -> p.matcher(r.output).find());
    Matcher m = p.matcher(r.output);
    assertThat(m.find()).isTrue();
    long jobPid = Long.parseLong(m.group(1));
    assertThat(ProcessTree.isGone(jobPid)).isFalse();
    shell.close();
    await().atMost(Duration.ofSeconds(15)).until(() -> ProcessTree.isGone(jobPid));
    // bash kills its jobs on the hang-up, then exits itself: a moment later
    await().atMost(Duration.ofSeconds(15)).until(() -> ProcessTree.isGone(shellPid));
    await().atMost(Duration.ofSeconds(5)).until(() -> endpoint.stats().shells() == 0);
  }

  @Test
  void endpointIsRefusedWhenNotEnabled() throws Exception {
    ChannelServer plain =
        closing(ChannelServer.builder().host("127.0.0.1").port(0).build().start());
    URI uri = URI.create("ws://127.0.0.1:" + plain.port() + "/shell");
    assertThatThrownBy(() -> RawShellSocket.connect(uri, "alice-token", 10))
        .isInstanceOf(ExecutionException.class);
  }

  @Test
  void badCredentialsAreRefusedWith1008() throws Exception {
    start(TestShells.interactive().build());
    RawShellSocket raw = closing(RawShellSocket.connect(shellUri(), "wrong-token", 10));
    JsonNode err = raw.next();
    assertThat(err.path("channel").asText()).isEqualTo("global");
    assertThat(err.path("data").path("error").asText()).isEqualTo("unauthorized");
    assertThat(raw.closed.get(10, TimeUnit.SECONDS)).isEqualTo(1008);
    assertThat(endpoint.stats().shellsStarted()).isZero();

    Recorder r = new Recorder();
    ShellClient noToken = client(null, "alice@x", r);
    assertThatThrownBy(() -> noToken.start().get(15, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class);
    assertThat(endpoint.stats().shellsStarted()).isZero();
  }

  @Test
  void anotherUsersShellIsRefused() throws Exception {
    start(TestShells.interactive().build());
    Recorder r = new Recorder();
    ShellClient bob = client("bob-token", "alice@1", r);
    assertThatThrownBy(() -> bob.start().get(15, TimeUnit.SECONDS))
        .hasCauseInstanceOf(ShellException.class)
        .cause().extracting(e -> ((ShellException) e).code()).isEqualTo("unauthorized");
    assertThat(r.errors).contains("unauthorized");
    assertThat(endpoint.stats().shellsStarted()).isZero();
  }

  @Test
  void aClientCannotChangeTheCommand() throws Exception {
    start(TestShells.script("echo configured-program; exit 3").build());
    RawShellSocket raw = closing(RawShellSocket.connect(shellUri(), "alice-token", 1000));
    assertThat(raw.next().path("type").asText()).isEqualTo("connected");
    raw.send("{\"channel\":\"shell:alice@cmd\",\"type\":\"init\",\"data\":{\"cols\":80,\"rows\":24,"
        + "\"command\":[\"/bin/sh\",\"-c\",\"echo PWNED\"],\"cwd\":\"/\",\"env\":{\"A\":\"1\"}}}");
    StringBuilder out = new StringBuilder();
    JsonNode n = raw.next();
    while (!n.path("type").asText().equals("exit")) {
      out.append(n.path("data").path("data").asText(""));
      n = raw.next();
    }
    assertThat(n.path("data").path("exitCode").asInt()).isEqualTo(3);
    assertThat(out.toString()).contains("configured-program").doesNotContain("PWNED");
  }

  @Test
  void serverShutdownEndsShellsAndClosesWith1001() throws Exception {
    start(TestShells.interactive().build());
    RawShellSocket raw = closing(RawShellSocket.connect(shellUri(), "alice-token", 1000));
    raw.next();
    raw.send("{\"channel\":\"shell:alice@s\",\"type\":\"init\","
        + "\"data\":{\"cols\":80,\"rows\":24}}");
    assertThat(raw.next().path("type").asText()).isEqualTo("init");
    long pid = endpoint.pid("alice@s").orElseThrow();
    server.close();
    assertThat(raw.closed.get(10, TimeUnit.SECONDS)).isEqualTo(1001);
    await().atMost(Duration.ofSeconds(10)).until(() -> ProcessTree.isGone(pid));
    endpoint.close();
    assertThat(endpoint.stats().shells()).isZero();
  }

  @Test
  void clientReconnectsAndStartsANewShellWithTheLatestSize() throws Exception {
    start(TestShells.interactive().build());
    Recorder r = new Recorder();
    ShellClient shell = onClientTime("alice@re", r);
    shell.start().get(15, TimeUnit.SECONDS);
    assertThat(r.starts).containsExactly("alice@re 80x24");
    assertThat(shell.resize(90, 20)).isTrue();
    long firstPid = endpoint.pid("alice@re").orElseThrow();
    String id = server.connections().stream().filter(c -> c.path().equals("/shell"))
        .findFirst().orElseThrow().id();
    assertThat(server.disconnect(id, 1011, "test drop")).isTrue();
    // its only connection dropped: the shell ended (once the server has handled the close; a
    // client back before that would attach to the old shell); the reconnected client starts a
    // new one
    await().atMost(Duration.ofSeconds(10)).until(() -> endpoint.pid("alice@re").isEmpty());
    reconnectAfterTheDrop(shell);
    await().atMost(Duration.ofSeconds(15)).until(() -> r.starts.size() == 2);
    assertThat(r.starts.get(1)).isEqualTo("alice@re 90x20");
    await().atMost(Duration.ofSeconds(10)).until(() -> ProcessTree.isGone(firstPid));
    assertThat(endpoint.pid("alice@re")).isPresent().isNotEqualTo(OptionalLong.of(firstPid));
    shell.input("stty size\r");
    r.awaitOutput("20 90");
  }

  @Test
  void inputIsNotQueuedWhileDisconnected() throws Exception {
    start(TestShells.interactive().build());
    Recorder r = new Recorder();
    ShellClient shell = client("alice-token", "alice@q", r);
    assertThat(shell.input("echo never\r")).isFalse();
    assertThat(shell.resize(100, 40)).isFalse();
    assertThat(shell.cols()).isEqualTo(100);
    shell.start().get(15, TimeUnit.SECONDS);
    assertThat(r.starts).containsExactly("alice@q 100x40");
    shell.close();
    assertThat(shell.input("echo closed\r")).isFalse();
    assertThat(r.output.toString()).doesNotContain("never");
  }

  @Test
  void closingEverythingLeavesNoShellThreadsOrProcesses() throws Exception {
    start(TestShells.interactive().build());
    List<Long> pids = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Recorder r = new Recorder();
      client("alice-token", "alice@t" + i, r).start().get(15, TimeUnit.SECONDS);
      pids.add(endpoint.pid("alice@t" + i).orElseThrow());
    }
    server.close();
    endpoint.close();
    for (long pid : pids) {
      assertThat(ProcessTree.isGone(pid)).as("pid %d", pid).isTrue();
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> Thread.getAllStackTraces().keySet()
        .stream().noneMatch(t -> t.isAlive() && (t.getName().startsWith("shell-")
            || t.getName().startsWith("PtyProcess Reaper"))
            && !t.getName().startsWith("shell-client")));
  }

  @Test
  void heartbeatPingsAreAnsweredByTheShellEndpoint() throws Exception {
    start(TestShells.interactive().build());
    Recorder r = new Recorder();
    // the pong timeout is far beyond the fake time this test lets pass (at most 15 s)
    ShellClient shell = closing(ShellClient.builder(shellUri(), "alice@hb")
        .token(() -> "alice-token")
        .listener(r)
        .configure(c -> c.scheduler(clientTime).useServerHeartbeatInterval(false)
            .heartbeat(Duration.ofMillis(100), Duration.ofHours(1)))
        .build());
    shell.start().get(15, TimeUnit.SECONDS);
    // each step of the client's clock past the interval sends a ping; the pongs come over TCP
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
      clientTime.advance(Duration.ofMillis(100));
      assertThat(shell.channelClient().metrics().snapshot().latencySamples())
          .isGreaterThanOrEqualTo(3);
    });
    assertThat(shell.state().isReady()).isTrue();
    assertThat(shell.channelClient().metrics().snapshot().reconnections()).isZero();
    assertThat(r.errors).isEmpty();
  }

  @Test
  void withAReattachGraceAReconnectingClientGetsItsShellBack() throws Exception {
    // the endpoint's clock does not move: the grace cannot run out, however slow the machine
    start(TestShells.interactive(new FakeScheduler()).reattachGrace(Duration.ofSeconds(30))
        .build());
    Recorder r = new Recorder();
    ShellClient shell = onClientTime("alice@back", r);
    shell.start().get(15, TimeUnit.SECONDS);
    shell.input("Y=sa''me; echo ok\r");
    r.awaitOutput("ok");
    long pid = endpoint.pid("alice@back").orElseThrow();
    String id = server.connections().stream().filter(c -> c.path().equals("/shell"))
        .findFirst().orElseThrow().id();
    server.disconnect(id, 1011, "test drop");
    reconnectAfterTheDrop(shell);
    await().atMost(Duration.ofSeconds(15)).until(() -> r.starts.size() == 2);
    assertThat(endpoint.pid("alice@back")).hasValue(pid);
    shell.input("echo $Y\r");
    r.awaitOutput("same");
    shell.close(); // normal closure: no grace
    await().atMost(Duration.ofSeconds(10)).until(() -> ProcessTree.isGone(pid));
  }

  @Test
  void afterTheShellExitedAReconnectionDoesNotStartANewOne() throws Exception {
    start(TestShells.interactive().build());
    Recorder r = new Recorder();
    ShellClient shell = onClientTime("alice@ex", r);
    shell.start().get(15, TimeUnit.SECONDS);
    shell.input("exit 3\r");
    assertThat(r.exit.get(15, TimeUnit.SECONDS)).isEqualTo(3);
    assertThat(shell.input("echo after-exit\r")).isFalse();
    await().atMost(Duration.ofSeconds(10)).until(() -> endpoint.stats().shells() == 0);
    String id = server.connections().stream().filter(c -> c.path().equals("/shell"))
        .findFirst().orElseThrow().id();
    server.disconnect(id, 1011, "test drop");
    reconnectAfterTheDrop(shell);
    await().atMost(Duration.ofSeconds(15))
        .until(() -> shell.channelClient().metrics().snapshot().reconnections() >= 1
            && shell.state().isReady());
    // the reconnected client is idle: no init, so no new bash
    await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5))
        .until(() -> endpoint.stats().shellsStarted() == 1);
    assertThat(r.starts).hasSize(1);
    assertThat(endpoint.stats().shells()).isZero();
  }

  @Test
  void keystrokesCaughtByADropAreNeverQueuedForTheNextConnection() throws Exception {
    start(TestShells.interactive().build());
    Recorder r = new Recorder();
    ShellClient shell = onClientTime("alice@drop", r);
    shell.start().get(15, TimeUnit.SECONDS);
    String id = server.connections().stream().filter(c -> c.path().equals("/shell"))
        .findFirst().orElseThrow().id();
    server.disconnect(id, 1011, "test drop");
    // type (a no-op) while the client notices the drop: each keystroke goes to the old
    // connection or is dropped, never into the queue flushed on the next connection
    int typed = 0;
    while (!(shell.state() instanceof ConnectionState.Reconnecting) && typed < 20_000) {
      shell.input(":");
      typed++;
      assertThat(shell.channelClient().queuedMessages()).as("after %d keystrokes", typed)
          .isZero();
    }
    ConnectionState.Reconnecting reconnecting = reconnecting(shell);
    assertThat(shell.input(":")).isFalse();
    assertThat(shell.channelClient().queuedMessages()).isZero();
    clientTime.advance(reconnecting.delay());
    await().atMost(Duration.ofSeconds(15)).until(() -> r.starts.size() == 2);
    assertThat(shell.channelClient().metrics().snapshot().dropped()).isZero();
    shell.input("\u0015echo new''conn\r"); // Ctrl-U first: a fresh line whatever was typed
    r.awaitOutput("newconn");
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
