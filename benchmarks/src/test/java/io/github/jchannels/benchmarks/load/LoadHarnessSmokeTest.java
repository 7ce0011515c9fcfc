package io.github.jchannels.benchmarks.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.jchannels.core.Codec;
import io.github.jchannels.core.EventRegistry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runs the harnesses for a few seconds with tiny numbers so they cannot rot. Asserts
 * correctness (nothing lost, in order, one serialisation per broadcast), never a timing.
 */
class LoadHarnessSmokeTest {

  @Test
  void bareTextIsExactlyWhatTheCodecEncodes() {
    Codec codec = Codec.forServer(EventRegistry.defaults());
    String encoded = codec.encode(Payload.CHANNEL, Payload.event(123_456, 987_654_321L)).text();
    assertThat(Payload.text(123_456, 987_654_321L)).isEqualTo(encoded);
    assertThat(encoded.getBytes(StandardCharsets.UTF_8).length).isBetween(90, 130);
  }

  @Test
  @Timeout(60)
  void fanOutHarnessDeliversEverythingInOrderToBothServers() throws Exception {
    LoadHarness.Options o = new LoadHarness.Options(List.of(3, 20),
        List.of("bare", "channels", "jakarta"), 0.2, 0.5, 0.5, 2_000, 200, 2, 1);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    LoadHarness harness = new LoadHarness(o, out);
    List<LoadHarness.Result> results = harness.run();
    harness.printSummary(results);
    String report = bytes.toString(StandardCharsets.UTF_8);
    System.out.println(report);

    assertThat(results).hasSize(6);
    for (LoadHarness.Result r : results) {
      assertThat(r.note()).as(report).isEmpty();
      assertThat(r.connected()).isEqualTo(r.subscribers());
      assertThat(r.closedBroadcasts()).as(report).isPositive();
      assertThat(r.deliveriesPerSec()).as(report).isPositive();
      assertThat(r.latencySamples()).as(report).isPositive();
      assertThat(r.lost()).as(report).isZero();
      assertThat(r.outOfOrder()).as(report).isZero();
      assertThat(r.gaps()).as(report).isZero();
      assertThat(r.closedConnections()).as(report).isZero();
      assertThat(r.serialisationsPerBroadcast()).as(report).isEqualTo(1.0);
    }
    assertThat(report).contains("| 20 | channels |").contains("| 20 | jakarta |");
  }

  @Test
  @Timeout(60)
  void idleCostMeasuresBothServersInTheirOwnProcesses() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    IdleCost idle = new IdleCost(out, List.of("-Xmx256m"));
    List<IdleCost.Row> bare = idle.measure("bare", List.of(10, 30));
    List<IdleCost.Row> channels = idle.measure("channels", List.of(10, 30));
    Map<String, List<IdleCost.Row>> rows = new LinkedHashMap<>();
    rows.put("bare", bare);
    rows.put("channels", channels);
    idle.printSummary(rows);
    String report = bytes.toString(StandardCharsets.UTF_8);
    System.out.println(report);

    assertThat(report).contains("| 30 | channels |");
    assertThat(bare).extracting(IdleCost.Row::connections).containsExactly(10, 30);
    assertThat(channels).extracting(IdleCost.Row::connections).containsExactly(10, 30);
    assertThat(bare).extracting(IdleCost.Row::receivers).containsExactly(10, 30);
    assertThat(channels).extracting(IdleCost.Row::receivers).containsExactly(10, 30);
    assertThat(channels.get(1).heap()).isPositive();
  }

  @Test
  @Timeout(60)
  void shellBenchStreamsEverythingAndEchoes() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    ShellBench.Result r = new ShellBench(out).run(1, 5, 1);
    System.out.println(bytes.toString(StandardCharsets.UTF_8));

    assertThat(r.bytes()).isGreaterThan(1 << 20);
    assertThat(bytes.toString(StandardCharsets.UTF_8)).doesNotContain("byte counts differ");
    assertThat(r.echoDefault().count()).isEqualTo(5);
    assertThat(r.echoNoCoalesce().count()).isEqualTo(5);
  }
}
