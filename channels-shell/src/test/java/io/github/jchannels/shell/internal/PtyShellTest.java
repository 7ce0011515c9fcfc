package io.github.jchannels.shell.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import io.github.jchannels.core.time.FakeScheduler;
import io.github.jchannels.core.time.Scheduler;
import io.github.jchannels.core.time.SystemScheduler;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class PtyShellTest {
  /** The production defaults: coalescing for 5 ms, chunks up to 32 Ki chars. */
  private static final OutputPump.Settings SETTINGS =
      new OutputPump.Settings(Duration.ofMillis(5), 32 * 1024, 256 * 1024, 64 * 1024);
  /** No coalescing: every read is a chunk at once, no timer involved. */
  private static final OutputPump.Settings UNCOALESCED =
      new OutputPump.Settings(Duration.ZERO, 32 * 1024, 256 * 1024, 64 * 1024);

  /** The pump's clock: it moves only when a test advances it. */
  private final FakeScheduler time = new FakeScheduler();
  /** Only for the SIGKILL after a teardown's grace, a fallback: bash ends on the hang-up. */
  private final SystemScheduler timer = Scheduler.system("test-timer");
  private final ExecutorService blocking = Executors.newVirtualThreadPerTaskExecutor();
  private final List<String> chunks = new CopyOnWriteArrayList<>();
  private final AtomicLong backlog = new AtomicLong();
  private PtyShell shell;
  private OutputPump pump;

  @AfterEach
  void tearDown() throws Exception {
    if (shell != null) {
      terminate(Duration.ofSeconds(1));
    }
    timer.close();
    blocking.close();
  }

  private void terminate(Duration grace) throws Exception {
    shell.terminate(grace, timer, blocking).get(20, TimeUnit.SECONDS);
  }

  private void start(LaunchSpec spec, int cols, int rows) throws Exception {
    start(spec, cols, rows, UNCOALESCED);
  }

  private void start(LaunchSpec spec, int cols, int rows, OutputPump.Settings settings)
      throws Exception {
    shell = PtyShell.start(spec, cols, rows, Shells.jail());
    pump = new OutputPump(shell, chunks::add, backlog::get, time, settings).start("test-pump");
  }

  private String output() {
    return String.join("", chunks);
  }

  private void type(String s) throws Exception {
    byte[] b = s.getBytes(UTF_8);
    assertThat(shell.writeSome(b, 0, b.length)).isEqualTo(b.length);
  }

  @Test
  void echoRoundTrip() throws Exception {
    start(Shells.interactive(), 80, 24);
    type("echo hel''lo-from-pty\n");
    await().atMost(Duration.ofSeconds(10)).until(() -> output().contains("hello-from-pty"));
  }

  @Test
  void sttySizeReflectsInitialSizeAndResize() throws Exception {
    start(Shells.interactive(), 100, 30);
    type("stty size\n");
    await().atMost(Duration.ofSeconds(10)).until(() -> output().contains("30 100"));
    shell.resize(132, 43);
    type("stty size\n");
    await().atMost(Duration.ofSeconds(10)).until(() -> output().contains("43 132"));
  }

  @Test
  void exitCodeIsReported() throws Exception {
    start(Shells.interactive(), 80, 24);
    type("exit 7\n");
    assertThat(shell.exit().get(10, TimeUnit.SECONDS)).isEqualTo(7);
    pump.done().get(10, TimeUnit.SECONDS);
  }

  @Test
  void multiByteCharactersSplitAcrossReadsArriveIntact() throws Exception {
    // é = C3 A9, 漢 = E6 BC A2, 😀 = F0 9F 98 80, each split between two writes. The program
    // writes the next part only after a line of input, which is typed only once what the last
    // part completed has arrived: the parts are separate reads whatever the machine's speed.
    start(Shells.script("stty -echo; printf 'A\\xc3'; read -r; printf '\\xa9B\\xe6\\xbc'; "
        + "read -r; printf '\\xa2C\\xf0\\x9f'; read -r; printf '\\x98\\x80D\\n'"),
        80, 24);
    for (String seen : List.of("A", "AéB", "AéB漢C")) {
      await().atMost(Duration.ofSeconds(10)).until(() -> output().equals(seen));
      type("\n");
    }
    pump.done().get(20, TimeUnit.SECONDS);
    assertThat(output()).isEqualTo("AéB漢C😀D\r\n");
    assertThat(chunks).allSatisfy(c -> assertThat(c).doesNotContain("\uFFFD"));
    assertThat(chunks.size()).as("separate reads became separate chunks").isGreaterThan(3);
  }

  @Test
  void outputAfterAQuietPeriodGoesAtOnceAndWhatFollowsWaitsForTheCoalescingTimer()
      throws Exception {
    FakeScheduler time = new FakeScheduler();
    shell = PtyShell.start(Shells.script("printf first; read -r x; printf second; read -r y"),
        80, 24, Shells.jail());
    pump = new OutputPump(shell, chunks::add, backlog::get, time, SETTINGS).start("test-pump");
    // leading edge: nothing was sent for at least the delay, so it goes without a timer
    await().atMost(Duration.ofSeconds(10)).until(() -> output().contains("first"));
    assertThat(time.pending()).isZero();
    type("\n");
    // within the delay of the last chunk (no fake time passed): held until the timer fires
    time.awaitPending(1, Duration.ofSeconds(10));
    // "first", the echoed line break, "second": all read, the last two not sent
    await().atMost(Duration.ofSeconds(10)).until(() -> pump.bytesRead() >= 13);
    assertThat(output()).doesNotContain("second");
    time.advance(SETTINGS.coalesceDelay().minusNanos(1));
    assertThat(output()).doesNotContain("second");
    time.advance(Duration.ofNanos(1));
    assertThat(output()).contains("second");
    type("\n");
    pump.done().get(10, TimeUnit.SECONDS);
  }

  @Test
  void floodIsCoalescedIntoFewLargeChunks() throws Exception {
    // no fake time passes: after the first chunk (leading edge) everything waits for the timer,
    // so only a full chunk (32 Ki chars) and the end of the stream send anything
    start(Shells.script("seq 1 200000"), 80, 24, SETTINGS);
    pump.done().get(30, TimeUnit.SECONDS);
    String out = output();
    assertThat(out).startsWith("1\r\n2\r\n").endsWith("199999\r\n200000\r\n");
    long bytes = out.length();
    assertThat(chunks.size()).as("%d chunks for %d bytes", chunks.size(), bytes)
        .isLessThanOrEqualTo((int) (bytes / SETTINGS.maxChunkChars()) + 2);
    assertThat(chunks.subList(1, chunks.size() - 1))
        .allSatisfy(c -> assertThat(c.length()).isGreaterThanOrEqualTo(SETTINGS.maxChunkChars()));
  }

  @Test
  void readingPausesWhileTheBacklogIsHighAndResumesWhenItDrains() throws Exception {
    backlog.set(SETTINGS.highWater() + 1);
    start(Shells.script("seq 1 300000; echo END"), 80, 24);
    await().atMost(Duration.ofSeconds(10)).until(pump::isPaused);
    long readWhilePaused = pump.bytesRead();
    // the program is blocked on a full PTY: nothing more is read while the backlog stays high
    await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5))
        .until(() -> pump.bytesRead() == readWhilePaused);
    assertThat(readWhilePaused).isLessThan(64 * 1024);
    assertThat(shell.isAlive()).isTrue();
    backlog.set(SETTINGS.lowWater());
    pump.done().get(30, TimeUnit.SECONDS);
    assertThat(output()).endsWith("300000\r\nEND\r\n");
    assertThat(pump.pauses()).isGreaterThanOrEqualTo(1);
  }

  @Test
  void terminateKillsBackgroundJobs() throws Exception {
    start(Shells.interactive(), 80, 24);
    type("sleep 1000 & echo PID=$!\n");
    Pattern p = Pattern.compile("PID=(\\d+)");
    await().atMost(Duration.ofSeconds(10)).until(() -> p.matcher(output()).find());
    Matcher m = p.matcher(output());
    assertThat(m.find()).isTrue();
    long sleepPid = Long.parseLong(m.group(1));
    assertThat(ProcessTree.isGone(sleepPid)).isFalse();
    terminate(Duration.ofSeconds(2));
    assertThat(ProcessTree.isGone(shell.pid())).isTrue();
    await().atMost(Duration.ofSeconds(5)).until(() -> ProcessTree.isGone(sleepPid));
    pump.done().get(10, TimeUnit.SECONDS);
  }

  @Test
  void terminateKillsJobsThatIgnoreHangupAndSurviveTheShell() throws Exception {
    start(Shells.interactive(), 80, 24);
    type("nohup sleep 1000 >/dev/null 2>&1 & echo PID=$!\n");
    Pattern p = Pattern.compile("PID=(\\d+)");
    await().atMost(Duration.ofSeconds(10)).until(() -> p.matcher(output()).find());
    Matcher m = p.matcher(output());
    assertThat(m.find()).isTrue();
    long sleepPid = Long.parseLong(m.group(1));
    terminate(Duration.ofSeconds(2));
    await().atMost(Duration.ofSeconds(5)).until(() -> ProcessTree.isGone(sleepPid));
  }

  @Test
  void missingCommandIsReportedAsCommandNotFound() {
    LaunchSpec spec = new LaunchSpec(List.of("no-such-program-xyz"), Path.of("/"), Shells.env());
    assertThatThrownBy(() -> PtyShell.start(spec, 80, 24, Shells.jail()))
        .isInstanceOf(ShellStartException.class)
        .extracting(e -> ((ShellStartException) e).code()).isEqualTo("command_not_found");
  }
}
