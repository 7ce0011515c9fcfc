package io.github.jchannels.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.jchannels.client.ClientMetrics;
import io.github.jchannels.client.MessageLog;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class MetricsAndLogTest {

  @Test
  void latencyIsAveragedOverTheLastHundredSamples() {
    Metrics m = new Metrics(() -> 0);
    for (int i = 1; i <= 150; i++) {
      m.latency(i); // the last 100 are 51..150
    }
    ClientMetrics.Snapshot s = m.snapshot();
    assertThat(s.latencySamples()).isEqualTo(ClientMetrics.LATENCY_WINDOW);
    assertThat(s.averageLatencyMillis()).isEqualTo(100.5);
    assertThat(s.latenciesMillis()).first().isEqualTo(51L);
    assertThat(s.latenciesMillis()).last().isEqualTo(150L);
  }

  @Test
  void resetZeroesCountersIncludingHandlerErrorsSeenSoFar() {
    AtomicLong busErrors = new AtomicLong(3);
    Metrics m = new Metrics(busErrors::get);
    m.sent();
    m.received();
    m.dropped();
    m.reconnection();
    m.invalidFrame();
    m.listenerError();
    m.latency(5);
    m.refused();
    m.readPaused();
    assertThat(m.snapshot()).isEqualTo(new ClientMetrics.Snapshot(1, 1, 1, 1, 1, 4, 1, 1, 5.0,
        1, List.of(5L)));
    m.reset();
    assertThat(m.snapshot()).isEqualTo(new ClientMetrics.Snapshot(0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        List.of()));
    busErrors.incrementAndGet();
    assertThat(m.snapshot().handlerErrors()).isEqualTo(1);
  }

  @Test
  void messageLogIsBoundedAndFilters() {
    RingMessageLog log = new RingMessageLog(3, 1 << 20);
    for (int i = 0; i < 5; i++) {
      log.add(new MessageLog.Entry(MessageLog.Direction.SENT, i % 2 == 0 ? "a" : "b", "t",
          Instant.EPOCH, "p" + i));
    }
    assertThat(log.entries()).extracting(MessageLog.Entry::payload)
        .containsExactly("p2", "p3", "p4");
    assertThat(log.entries("a")).extracting(MessageLog.Entry::payload).containsExactly("p2", "p4");
    RingMessageLog off = new RingMessageLog(0, 1 << 20);
    off.add(new MessageLog.Entry(MessageLog.Direction.RECEIVED, null, null, Instant.EPOCH, "x"));
    assertThat(off.entries()).isEmpty();
  }

  @Test
  void messageLogIsBoundedInBytesDroppingTheOldestAndCuttingAGiantEntry() {
    RingMessageLog log = new RingMessageLog(50, 100);
    for (int i = 0; i < 5; i++) {
      log.add(new MessageLog.Entry(MessageLog.Direction.SENT, "a", "t", Instant.EPOCH,
          "x".repeat(29) + i)); // 30 bytes each
    }
    assertThat(log.entries()).hasSize(3);
    assertThat(log.bytes()).isEqualTo(90);
    assertThat(log.entries().get(0).payload()).endsWith("2");
    log.add(new MessageLog.Entry(MessageLog.Direction.RECEIVED, "a", "t", Instant.EPOCH,
        "é".repeat(1000))); // 2000 bytes alone
    assertThat(log.bytes()).isLessThanOrEqualTo(100);
    assertThat(log.entries()).hasSize(2); // the cut entry (67 bytes) and the newest 30
    assertThat(log.entries().get(1).payload()).endsWith("…");
  }
}
