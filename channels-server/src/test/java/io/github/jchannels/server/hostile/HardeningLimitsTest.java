package io.github.jchannels.server.hostile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.sun.management.UnixOperatingSystemMXBean;
import io.github.jchannels.core.time.FakeScheduler;
import io.github.jchannels.server.Authenticator;
import io.github.jchannels.server.ChannelServer;
import io.github.jchannels.server.ServerLimits;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, items 3 to 5, 7 and 8: every new limit at its limit, with what the client sees, and
 * the production defaults as values. Timers run on a {@link FakeScheduler} where the deadline
 * is the server's.
 */
class HardeningLimitsTest {
  private ChannelServer server;
  private final List<Attacker> clients = new ArrayList<>();

  @AfterEach
  void stop() {
    clients.forEach(Attacker::close);
    if (server != null) {
      server.close();
    }
  }

  private Attacker open() {
    Attacker a = Attacker.open(server.port());
    clients.add(a);
    return a;
  }

  @Test
  void productionDefaults() {
    ServerLimits d = ServerLimits.defaults();
    assertThat(d.acceptBacklog()).isEqualTo(4096);
    assertThat(d.maxConnections()).isEqualTo(ServerLimits.defaultMaxConnections());
    long fds = ((UnixOperatingSystemMXBean)
        ManagementFactory.getOperatingSystemMXBean())
        .getMaxFileDescriptorCount();
    assertThat(ServerLimits.defaultMaxConnections())
        .isEqualTo((int) Math.max(16, fds - Math.max(64, fds / 10)));
    assertThat(d.maxConnectionsPerAddress()).isZero();
    assertThat(d.maxHandshakesInProgress()).isEqualTo(4096);
    assertThat(d.messageTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(d.maxInboundBytesInProgress()).isEqualTo(64L * 1024 * 1024);
    assertThat(d.toBuilder().build()).isEqualTo(d);
  }

  @Test
  void anOutboundBudgetBelowTheFrameLimitIsRefused() {
    assertThatThrownBy(() -> ServerLimits.builder().maxFrameSize(8 * 1024 * 1024).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("4194304").hasMessageContaining("8388608")
        .hasMessageContaining("maxBufferedBytes");
    assertThatThrownBy(() -> ServerLimits.builder().maxBufferedBytes(1024).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1024").hasMessageContaining("1048576");
    assertThat(ServerLimits.builder().maxFrameSize(8192).maxBufferedBytes(8192).build()
        .maxBufferedBytes()).isEqualTo(8192);
  }

  @Test
  void overMaxConnectionsTheUpgradeIsClosedWith1013AndLaterOnesAreServed() {
    server = Servers.start(ServerLimits.builder().maxConnections(2).build());
    Attacker first = open();
    open();
    try (Attacker third = Attacker.tcp(server.port(), 0)) {
      assertThat(third.upgrade("/ws", Map.of())).startsWith("HTTP/1.1 101");
      assertThat(third.awaitClose()).isEqualTo(1013);
    }
    first.send(true, Attacker.CLOSE, Attacker.closePayload(1000, new byte[0]));
    assertThat(first.awaitClose()).isEqualTo(1000);
    await().atMost(Duration.ofSeconds(10)).until(() -> server.metrics().openConnections() == 1);
    open().assertServed(Servers.LEGIT_WITHIN);
    assertThat(server.metrics().closesByCode()).containsEntry(1013, 1L);
  }

  @Test
  void overTheCapPerAddressTheUpgradeIsClosedWith1013() {
    server = Servers.start(ServerLimits.builder().maxConnectionsPerAddress(1).build());
    open();
    try (Attacker second = Attacker.tcp(server.port(), 0)) {
      assertThat(second.upgrade("/ws", Map.of())).startsWith("HTTP/1.1 101");
      assertThat(second.awaitClose()).isEqualTo(1013);
    }
  }

  @Test
  void overTheHandshakeCapTheOldestHandshakeIsDropped() {
    server = Servers.start(ServerLimits.builder().maxHandshakesInProgress(10).build());
    List<Attacker> lorises = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      Attacker a = Attacker.tcp(server.port(), 0);
      clients.add(a);
      lorises.add(a);
      a.write("GET /ws HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
    }
    // the slowloris handshakes are in progress: each legitimate client drops the oldest one
    Servers.assertLegitimateClientServed(server.port());
    assertThat(lorises.get(0).awaitEof()).isTrue();
    assertThat(server.metrics().rejectedHandshakes()).isPositive();
  }

  @Test
  void aFragmentedMessageNotFinishedInTimeCloses1008() {
    FakeScheduler time = new FakeScheduler();
    server = Servers.start(b -> b.scheduler(time).limits(ServerLimits.builder()
        .messageTimeout(Duration.ofSeconds(5)).build()));
    Attacker a = open();
    a.send(false, Attacker.TEXT, Attacker.utf8("{\"channel\":\"global\","));
    a.send(true, Attacker.PING, Attacker.utf8("after the fragment"));
    assertThat(a.read().text()).isEqualTo("after the fragment"); // the deadline is armed
    time.advance(Duration.ofMillis(4999));
    Attacker b = open(); // the connection is still open: a second one is served meanwhile
    b.assertServed(Servers.LEGIT_WITHIN);
    time.advance(Duration.ofMillis(1));
    assertThat(a.awaitClose()).isEqualTo(1008);
  }

  @Test
  void aFragmentedMessageFinishedInTimeIsServed() {
    FakeScheduler time = new FakeScheduler();
    server = Servers.start(b -> b.scheduler(time).limits(ServerLimits.builder()
        .messageTimeout(Duration.ofSeconds(5)).build()));
    Attacker a = open();
    String ping = Attacker.ping(9);
    a.send(false, Attacker.TEXT, Attacker.utf8(ping.substring(0, 10)));
    time.advance(Duration.ofSeconds(4));
    a.send(true, Attacker.CONTINUATION, Attacker.utf8(ping.substring(10)));
    assertThat(a.next().type()).isEqualTo("pong");
    time.advance(Duration.ofSeconds(10));
    a.assertServed(Servers.LEGIT_WITHIN);
  }

  @Test
  void overTheInboundBudgetANewLargeFrameCloses1013() {
    server = Servers.start(ServerLimits.builder().maxInboundBytesInProgress(64 * 1024).build());
    Attacker holder = open();
    byte[] part = new byte[60 * 1024];
    Arrays.fill(part, (byte) 'x');
    holder.send(false, Attacker.TEXT, part); // 60 KiB held for an unfinished message
    holder.send(true, Attacker.PING, new byte[0]);
    assertThat(holder.read().opcode()).isEqualTo(Attacker.PONG);
    Attacker big = open();
    big.send(true, Attacker.TEXT, new byte[20 * 1024]); // a large frame over the budget
    assertThat(big.awaitClose()).isEqualTo(1013);
    Attacker small = open(); // small frames still pass
    small.assertServed(Servers.LEGIT_WITHIN);
    holder.send(true, Attacker.CONTINUATION, new byte[0]); // finished: the budget is free
    assertThat(holder.next().type()).isEqualTo("error");
    Attacker again = open();
    String text = Attacker.ping(20, 20 * 1024);
    again.text(text);
    assertThat(again.next().type()).isEqualTo("pong");
  }

  @Test
  void anAuthorizationHeaderWinsOverTheQueryToken() {
    server = Servers.start(b -> b.authenticator(Authenticator.bearer(t -> "good".equals(t)
        ? Optional.of((Principal) () -> "alice") : Optional.empty())));
    try (Attacker basic = Attacker.tcp(server.port(), 0)) {
      assertThat(basic.upgrade("/ws?token=good", Map.of("Authorization", "Basic Z29vZA==")))
          .startsWith("HTTP/1.1 101");
      assertThat(basic.next().json().get("data").get("error").asText())
          .isEqualTo("unauthorized");
      assertThat(basic.awaitClose()).isEqualTo(1008);
    }
    try (Attacker bearer = Attacker.tcp(server.port(), 0)) {
      bearer.upgrade("/ws?token=bad", Map.of("Authorization", "Bearer good"));
      assertThat(bearer.next().type()).isEqualTo("connected");
    }
    try (Attacker query = Attacker.tcp(server.port(), 0)) {
      query.upgrade("/ws?token=good", Map.of());
      assertThat(query.next().type()).isEqualTo("connected");
    }
  }

  @Test
  void theRateLimitedNoticeEchoesTheRefAndComesBeforeThe1008EvenAtOne() {
    server = Servers.start(ServerLimits.builder().inboundRate(1, Duration.ofMinutes(1))
        .maxRateLimitedMessages(1).build());
    Attacker a = open();
    a.text(Attacker.ping(1).replace("}}", "},\"ref\":\"first\"}"));
    assertThat(a.next().type()).isEqualTo("pong");
    a.text(Attacker.ping(2).replace("}}", "},\"ref\":\"second\"}"));
    Attacker.Frame notice = a.next();
    assertThat(notice.json().get("data").get("error").asText()).isEqualTo("rate_limited");
    assertThat(notice.json().get("ref").asText()).isEqualTo("second");
    assertThat(a.awaitClose()).isEqualTo(1008);
    assertThat(server.metrics().rateLimitCloses()).isEqualTo(1);
  }

  @Test
  void anAuthenticationTimeoutIsCountedOnceAs1011() throws Exception {
    FakeScheduler time = new FakeScheduler();
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    server = Servers.start(b -> b.scheduler(time).authenticator(h -> {
      entered.countDown();
      release.await();
      return Optional.empty();
    }));
    try (Attacker a = Attacker.tcp(server.port(), 0)) {
      assertThat(a.upgrade("/ws", Map.of())).startsWith("HTTP/1.1 101");
      assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
      time.advance(ServerLimits.defaults().handshakeTimeout());
      assertThat(a.awaitClose()).isEqualTo(1011);
    } finally {
      release.countDown();
    }
    assertThat(server.metrics().closesByCode()).containsEntry(1011, 1L);
    assertThat(server.metrics().handshakeTimeouts()).isEqualTo(1);
  }

  @Test
  void metricsCountSubscriptionsAndChannels() {
    server = Servers.start(ServerLimits.defaults());
    Attacker a = open();
    Attacker b = open();
    for (String ch : List.of("session:1", "session:2")) {
      a.text("{\"channel\":\"global\",\"type\":\"subscribe\",\"data\":{\"channel\":\"" + ch
          + "\"}}");
      assertThat(a.next().type()).isEqualTo("subscription_success");
      assertThat(a.next().type()).isEqualTo("subscribe_success");
    }
    b.text("{\"channel\":\"global\",\"type\":\"subscribe\",\"data\":{\"channel\":\"session:1\"}}");
    assertThat(b.next().type()).isEqualTo("subscription_success");
    assertThat(b.next().type()).isEqualTo("subscribe_success");
    assertThat(server.metrics().subscriptions()).isEqualTo(3);
    assertThat(server.metrics().channels()).isEqualTo(2);
    a.text("{\"channel\":\"global\",\"type\":\"unsubscribe\",\"data\":{\"channel\":\"session:"
        + "2\"}}");
    assertThat(a.next().type()).isEqualTo("unsubscribed");
    assertThat(server.metrics().subscriptions()).isEqualTo(2);
    assertThat(server.metrics().channels()).isEqualTo(1);
  }
}
