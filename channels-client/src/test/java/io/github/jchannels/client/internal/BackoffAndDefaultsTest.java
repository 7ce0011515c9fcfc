package io.github.jchannels.client.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.jchannels.client.ChannelClient;
import io.github.jchannels.client.ConnectionState;
import io.github.jchannels.client.ReconnectJitter;
import io.github.jchannels.client.transport.ClientTransport;
import io.github.jchannels.core.EventRegistry;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Backoff schedules with and without jitter, and the production defaults as values. */
class BackoffAndDefaultsTest {
  private static final Duration S1 = Duration.ofSeconds(1);
  private static final Duration S30 = Duration.ofSeconds(30);

  @Test
  void productionDefaultsAreThoseOfTheProtocolAndTheDocs() {
    try (ChannelClient c = ChannelClient.builder(URI.create("ws://localhost:1/ws")).build()) {
      ClientConfig cfg = ((RealChannelClient) c).config();
      assertThat(cfg.transport()).isSameAs(ClientTransport.jdk());
      assertThat(cfg.scheduler()).as("the client makes its own").isNull();
      assertThat(cfg.heartbeatInterval()).isEqualTo(Duration.ofSeconds(30));
      assertThat(cfg.pongTimeout()).isEqualTo(Duration.ofSeconds(5));
      assertThat(cfg.useServerHeartbeatInterval()).isTrue();
      assertThat(cfg.initialReconnectDelay()).isEqualTo(S1);
      assertThat(cfg.maxReconnectDelay()).isEqualTo(S30);
      assertThat(cfg.maxReconnectAttempts()).isEqualTo(5);
      assertThat(cfg.reconnectJitter()).isEqualTo(ReconnectJitter.EQUAL);
      assertThat(cfg.resetAttemptsAfter()).isEqualTo(Duration.ofSeconds(10));
      assertThat(cfg.sendQueueCapacity()).isEqualTo(100);
      assertThat(cfg.maxQueuedBytes()).isEqualTo(16L << 20);
      assertThat(cfg.inboundEvents()).isEqualTo(1000);
      assertThat(cfg.inboundBytes()).isEqualTo(16L << 20);
      assertThat(cfg.maxFrameSize()).isEqualTo(1 << 20);
      assertThat(cfg.connectTimeout()).isEqualTo(Duration.ofSeconds(10));
      assertThat(cfg.requestTimeout()).isEqualTo(Duration.ofSeconds(10));
      assertThat(cfg.joinTimeout()).isEqualTo(Duration.ofSeconds(10));
      assertThat(cfg.messageLogCapacity()).isEqualTo(50);
      assertThat(cfg.messageLogBytes()).isEqualTo(256 * 1024);
      assertThat(cfg.messageLogPings()).isFalse();
      assertThat(cfg.proxy()).isNull();
      assertThat(cfg.registry()).isSameAs(EventRegistry.defaults());
      assertThat(c.state()).isEqualTo(new ConnectionState.Idle());
      assertThat(c.messageLog().capacity()).isEqualTo(50);
      assertThat(c.queueSize()).isZero();
    }
  }

  @Test
  void nominalScheduleIsOneTwoFourEightSixteenThenCappedAtThirty() {
    Backoff b = new Backoff(S1, S30, ReconnectJitter.NONE);
    List<Long> secs = IntStream.rangeClosed(1, 8)
        .mapToObj(n -> b.delay(n, () -> 0.5).toSeconds()).toList();
    assertThat(secs).containsExactly(1L, 2L, 4L, 8L, 16L, 30L, 30L, 30L);
    assertThat(b.delay(1000, () -> 0.5)).isEqualTo(S30);
  }

  @Test
  void equalJitterDrawsInTheUpperHalfOfEachStep() {
    Backoff b = new Backoff(S1, S30, ReconnectJitter.EQUAL);
    assertThat(b.delay(3, () -> 0.0)).isEqualTo(Duration.ofSeconds(2));
    assertThat(b.delay(3, () -> 0.5)).isEqualTo(Duration.ofSeconds(3));
    assertThat(b.delay(3, () -> 0.999_999)).isEqualTo(Duration.ofSeconds(4));
  }

  @Test
  void jitterAtTheCapIsSpreadNotClipped() {
    // the old code clipped d*(1±j) at the cap: half of all clients landed on exactly 30 s
    Backoff b = new Backoff(S1, S30, ReconnectJitter.EQUAL);
    List<Duration> atCap = IntStream.range(0, 10)
        .mapToObj(i -> b.delay(20, () -> i / 10.0)).toList();
    assertThat(atCap).doesNotHaveDuplicates().allMatch(d -> d.compareTo(S30) <= 0)
        .allMatch(d -> d.compareTo(Duration.ofSeconds(15)) >= 0);
  }

  @Test
  void fullJitterDrawsFromZeroToTheStep() {
    Backoff b = new Backoff(S1, S30, ReconnectJitter.FULL);
    assertThat(b.delay(2, () -> 0.0)).isEqualTo(Duration.ZERO);
    assertThat(b.delay(2, () -> 0.25)).isEqualTo(Duration.ofMillis(500));
    assertThat(b.delay(20, () -> 0.5)).isEqualTo(Duration.ofSeconds(15));
  }

  @Test
  void builderRejectsBadValuesNamingThem() {
    ChannelClient.Builder b = ChannelClient.builder(URI.create("ws://localhost:1/ws"));
    assertThatThrownBy(() -> b.sendQueueCapacity(0)).hasMessageContaining("0");
    assertThatThrownBy(() -> b.heartbeat(Duration.ZERO, S1))
        .hasMessageContaining("heartbeat interval");
    assertThatThrownBy(() -> b.reconnectDelays(Duration.ofSeconds(2), S1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.maxQueuedBytes(0)).hasMessageContaining("maxQueuedBytes");
    assertThatThrownBy(() -> b.inboundQueue(0, 10)).hasMessageContaining("maxEvents");
    assertThatThrownBy(() -> b.maxFrameSize(10)).hasMessageContaining("maxFrameSize");
    assertThatThrownBy(() -> b.resetAttemptsAfter(Duration.ZERO))
        .hasMessageContaining("resetAttemptsAfter");
    assertThatThrownBy(() -> ChannelClient.builder(URI.create("http://localhost/ws")))
        .hasMessageContaining("ws://");
  }
}
