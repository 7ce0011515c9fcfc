package io.github.jchannels.benchmarks.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.assertj.core.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The scale-out harnesses with tiny numbers against a real redis-server (started on a free port
 * and stopped by PID): the two-node fan-out target and the failover of a killed node. Asserts
 * correctness only (nothing lost, in order, one serialisation on the publishing node and none on
 * the other, every client recovered), never a timing. Skipped without redis-server, required
 * under {@code CI=true}.
 */
class ScaleOutSmokeTest {

  @BeforeAll
  static void needsRedis() {
    String path = System.getenv().getOrDefault("PATH", "/usr/bin");
    for (String dir : path.split(File.pathSeparator, -1)) {
      if (new File(dir, "redis-server").canExecute()) {
        return;
      }
    }
    if ("true".equals(System.getenv("CI"))) {
      fail("redis-server is not installed (CI=true: the Redis benchmarks' smoke test is required)");
    }
    Assumptions.assumeThat(false).as("redis-server is not installed: skipping").isTrue();
  }

  @Test
  @Timeout(90)
  void twoNodesOnRedisDeliverEverythingInOrderAndSerialiseOnceOnThePublishingNode()
      throws Exception {
    LoadHarness.Options o = new LoadHarness.Options(List.of(20), List.of("channels", "redis2"),
        0.2, 0.5, 0.5, 2_000, 200, 1, 1);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    LoadHarness harness = new LoadHarness(o, out);
    List<LoadHarness.Result> results = harness.run();
    harness.printSummary(results);
    String report = bytes.toString(StandardCharsets.UTF_8);
    System.out.println(report);

    assertThat(results).hasSize(2);
    for (LoadHarness.Result r : results) {
      assertThat(r.note()).as(report).isEmpty();
      assertThat(r.connected()).isEqualTo(20);
      assertThat(r.deliveriesPerSec()).as(report).isPositive();
      assertThat(r.lost()).as(report).isZero();
      assertThat(r.outOfOrder()).as(report).isZero();
      assertThat(r.gaps()).as(report).isZero();
      assertThat(r.serialisationsPerBroadcast()).as(report).isEqualTo(1.0);
      assertThat(r.otherSerialisations()).as(report).isZero();
    }
    assertThat(results.get(1).nodes()).isEqualTo(2);
    assertThat(report).contains("| 20 | redis2 |").contains("other nodes 0.000");
  }

  @Test
  @Timeout(120)
  void clientsOfAKilledNodeRecoverOnTheOtherWithNothingMissing() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    ScaleOutBench.Result r = new ScaleOutBench(out).run(20, 50, 0.2, Duration.ofMillis(200));
    String report = bytes.toString(StandardCharsets.UTF_8);
    System.out.println(report);

    assertThat(r.droppedConnections()).as(report).isEqualTo(20);
    assertThat(r.resubscribed()).as(report).isEqualTo(20);
    assertThat(r.recovered()).as(report).isEqualTo(20);
    assertThat(r.notRecovered()).as(report).isZero();
    assertThat(r.failoverFailed()).as(report).isZero();
    assertThat(r.gaps()).as(report).isZero();
    assertThat(r.outOfOrder()).as(report).isZero();
    assertThat(r.caughtUpNanos()).isGreaterThanOrEqualTo(r.resubscribedNanos());
  }
}
