package io.github.jchannels.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.jchannels.core.EventRegistry;
import io.github.jchannels.core.time.FakeScheduler;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.java_websocket.exceptions.WebsocketNotConnectedException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Every limit at its limit, and the production defaults as values. */
class LimitsTest {
  ChannelServer server;
  /** Protocol time for the timer tests: advanced explicitly, never waited for. */
  final FakeScheduler time = new FakeScheduler();

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private URI start(ServerLimits limits) {
    return start(ChannelServer.builder().limits(limits));
  }

  private URI start(ChannelServer.Builder b) {
    server = b.host("127.0.0.1").port(0).build().start();
    return URI.create("ws://127.0.0.1:" + server.port() + "/ws");
  }

  private static String ping(int size) {
    String head = "{\"channel\":\"global\",\"type\":\"ping\",\"data\":{\"timestamp\":1},\"pad\":\"";
    return head + "x".repeat(size - head.length() - 2) + "\"}";
  }

  @Test
  void productionDefaults() {
    ServerLimits d = ServerLimits.defaults();
    assertThat(d.maxFrameSize()).isEqualTo(1024 * 1024);
    assertThat(d.maxSubscriptionsPerConnection()).isEqualTo(100);
    assertThat(d.maxInboundMessages()).isEqualTo(100);
    assertThat(d.inboundWindow()).isEqualTo(Duration.ofSeconds(1));
    assertThat(d.maxRateLimitedMessages()).isEqualTo(100);
    assertThat(d.maxBufferedBytes()).isEqualTo(4L * 1024 * 1024);
    assertThat(d.maxPendingMessages()).isEqualTo(1000);
    assertThat(d.maxPendingBytes()).isEqualTo(8L * 1024 * 1024);
    assertThat(d.handshakeTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(d.pingInterval()).isEqualTo(Duration.ofSeconds(30));
    assertThat(d.heartbeatInterval()).isEqualTo(Duration.ofSeconds(30));
    assertThat(d.closeTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(d.maxHandshakeSize()).isEqualTo(16 * 1024);
    assertThat(d.toBuilder().build()).isEqualTo(d);
    ChannelServer s = ChannelServer.builder().build();
    assertThat(s.path()).isEqualTo("/ws");
    assertThat(s.limits()).isEqualTo(d);
    assertThat(s.registry()).isSameAs(EventRegistry.defaults());
    s.close(); // never started: nothing to release
  }

  @Test
  void badLimitsAreRejectedWithTheValue() {
    assertThatThrownBy(() -> ServerLimits.builder().maxFrameSize(10))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("10");
    assertThatThrownBy(() -> ServerLimits.builder().pingInterval(Duration.ofMillis(5)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT0.005S");
    assertThatThrownBy(() -> ServerLimits.builder().inboundRate(0, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ChannelServer.builder().port(70000))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("70000");
    assertThatThrownBy(() -> ChannelServer.builder().path("ws"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void frameAtTheLimitPassesAndOneByteMoreCloses1009() {
    URI uri = start(ServerLimits.builder().maxFrameSize(1000).build());
    try (TestClient c = TestClient.connect(uri)) {
      c.send(ping(1000));
      assertThat(c.take().get("type").asText()).isEqualTo("pong");
      c.send(ping(1001));
      assertThat(c.awaitClose()).isEqualTo(1009);
    }
    assertThat(server.metrics().closesByCode()).containsEntry(1009, 1L);
  }

  @Test
  void fragmentsAddingUpOverTheLimitClose1009() {
    URI uri = start(ServerLimits.builder().maxFrameSize(1000).build());
    try (TestClient c = TestClient.connect(uri)) {
      String msg = ping(900);
      c.sendFragments(msg.substring(0, 300), msg.substring(300, 600), msg.substring(600));
      assertThat(c.take().get("type").asText()).isEqualTo("pong"); // 900 bytes in 3 fragments
      String big = ping(1500);
      // the middle fragment takes the sum over the limit (Java-WebSocket alone misses it)
      c.sendFragments(big.substring(0, 600), big.substring(600, 1200), big.substring(1200));
      assertThat(c.awaitClose()).isEqualTo(1009);
    }
  }

  @Test
  void binaryFrameCloses1003() {
    URI uri = start(ServerLimits.defaults());
    try (TestClient c = TestClient.connect(uri)) {
      c.sendBinary(new byte[] {1, 2, 3});
      assertThat(c.awaitClose()).isEqualTo(1003);
    }
  }

  @Test
  void overTheRateOneRateLimitedErrorThenClose1008WhenItGoesOn() {
    URI uri = start(ServerLimits.builder().inboundRate(5, Duration.ofMinutes(1))
        .maxRateLimitedMessages(10).build());
    try (TestClient c = TestClient.connect(uri)) {
      for (int i = 0; i < 5; i++) {
        c.send("global", "ping", "{\"timestamp\":" + i + "}", null);
        assertThat(c.take().get("type").asText()).isEqualTo("pong");
      }
      c.send("global", "ping", "{\"timestamp\":6}", null);
      c.takeError("rate_limited");
      for (int i = 0; i < 8; i++) { // dropped silently
        c.send("global", "ping", "{\"timestamp\":7}", null);
      }
      assertThat(c.isOpen()).isTrue();
      c.send("global", "ping", "{\"timestamp\":8}", null); // the 10th dropped message
      for (int i = 0; i < 5; i++) { // racing the close: discarded, not counted again
        try {
          c.send("global", "ping", "{\"timestamp\":9}", null);
        } catch (WebsocketNotConnectedException e) {
          break; // the client already saw the close
        }
      }
      assertThat(c.awaitClose()).isEqualTo(1008);
      assertThat(c.messages).isEmpty();
    }
    assertThat(server.metrics().rateLimitCloses()).isEqualTo(1);
    assertThat(server.metrics().errorsByCode()).containsEntry("rate_limited", 1L);
  }

  @Test
  void rateWindowResets() {
    URI uri = start(ChannelServer.builder().scheduler(time)
        .limits(ServerLimits.builder().inboundRate(2, Duration.ofSeconds(1)).build()));
    try (TestClient c = TestClient.connect(uri)) {
      for (int i = 0; i < 3; i++) { // a burst within one window
        c.send("global", "ping", "{\"timestamp\":" + i + "}", null);
      }
      assertThat(c.take().get("type").asText()).isEqualTo("pong");
      assertThat(c.take().get("type").asText()).isEqualTo("pong");
      c.takeError("rate_limited");
      time.advance(Duration.ofSeconds(1));
      c.assertAlive(); // a new window: answered again
      assertThat(c.messages).isEmpty();
    }
  }

  @Test
  void halfHandshakeIsDroppedAfterTheHandshakeTimeout() throws Exception {
    start(ChannelServer.builder().scheduler(time)
        .limits(ServerLimits.builder().handshakeTimeout(Duration.ofMillis(300)).build()));
    int timers = time.pending(); // the ping timer
    try (RawSocket raw = new RawSocket(server.port(), 0)) {
      raw.write(RawSocket.request("/ws", false)); // no blank line: the handshake never ends
      time.awaitPending(timers + 1, Duration.ofSeconds(10)); // its deadline, armed at accept
      time.advance(Duration.ofMillis(299));
      assertThat(server.metrics().handshakeTimeouts()).isZero();
      time.advance(Duration.ofMillis(1));
      assertThat(raw.isClosedByPeer()).isTrue();
    }
    assertThat(server.metrics().handshakeTimeouts()).isEqualTo(1);
  }

  @Test
  void authenticatorSlowerThanTheHandshakeTimeoutCloses1011WithoutConnected() throws Exception {
    CountDownLatch called = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    URI uri = start(ChannelServer.builder().scheduler(time)
        .authenticator(h -> {
          called.countDown();
          release.await(); // a deliberately stuck identity service
          return Optional.empty();
        })
        .limits(ServerLimits.builder().handshakeTimeout(Duration.ofSeconds(1)).build()));
    try (TestClient c = TestClient.open(uri)) {
      assertThat(called.await(10, TimeUnit.SECONDS)).isTrue();
      time.advance(Duration.ofSeconds(1));
      assertThat(c.awaitClose()).isEqualTo(1011);
      assertThat(c.messages).isEmpty();
    } finally {
      release.countDown();
    }
    assertThat(server.metrics().handshakeTimeouts()).isEqualTo(1);
    assertThat(server.metrics().closesByCode()).containsEntry(1011, 1L); // counted once
  }

  @Test
  void silentTcpConnectionIsDroppedAfterTheHandshakeTimeout() throws Exception {
    start(ChannelServer.builder().scheduler(time)
        .limits(ServerLimits.builder().handshakeTimeout(Duration.ofMillis(200)).build()));
    int timers = time.pending();
    try (RawSocket raw = new RawSocket(server.port(), 0)) {
      time.awaitPending(timers + 1, Duration.ofSeconds(10));
      time.advance(Duration.ofMillis(200));
      assertThat(raw.isClosedByPeer()).isTrue();
    }
  }

  @Test
  void oversizedHandshakeIsDropped() throws Exception {
    start(ServerLimits.builder().maxHandshakeSize(2048).build());
    try (RawSocket raw = new RawSocket(server.port(), 0)) {
      raw.write(RawSocket.request("/ws", false) + "X-Big: " + "a".repeat(4000) + "\r\n");
      assertThat(raw.isClosedByPeer()).isTrue();
    }
  }

  @Test
  void tooManyPendingMessagesClose1013() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    URI uri = start(ChannelServer.builder()
        .registry(EventRegistry.builder().withDefaults().add(WorkEvent.FAMILY).build())
        .handle(WorkEvent.FAMILY, WorkEvent.Slow.class, r -> release.await())
        .limits(ServerLimits.builder().maxPendingMessages(5).build()));
    try (TestClient c = TestClient.connect(uri)) {
      c.join("work:p", false);
      for (int i = 0; i < 7; i++) { // one runs (blocked), five wait, the seventh is one too many
        c.send("work:p", "slow", "{\"millis\":0}", null);
      }
      assertThat(c.awaitClose()).isEqualTo(1013);
    } finally {
      release.countDown();
    }
  }

  @Test
  void tooManyPendingBytesClose1013() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch started = new CountDownLatch(1);
    URI uri = start(ChannelServer.builder()
        .registry(EventRegistry.builder().withDefaults().add(WorkEvent.FAMILY).build())
        .handle(WorkEvent.FAMILY, WorkEvent.Slow.class, r -> {
          started.countDown();
          release.await();
        })
        .handle(WorkEvent.FAMILY, WorkEvent.Note.class, r -> { })
        .limits(ServerLimits.builder().maxPendingBytes(2048).build()));
    try (TestClient c = TestClient.connect(uri)) {
      c.join("work:p", false);
      c.send("work:p", "slow", "{\"millis\":0}", null);
      assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
      String note = "{\"text\":\"" + "n".repeat(550) + "\"}"; // about 600 bytes a frame
      for (int i = 0; i < 3; i++) { // 1800 bytes wait: under the limit
        c.send("work:p", "note", note, null);
      }
      c.assertAlive(); // pings take the fast path
      c.send("work:p", "note", note, null); // 2400 bytes would wait
      assertThat(c.awaitClose()).isEqualTo(1013);
    } finally {
      release.countDown();
    }
  }

  @Test
  void deadPeerIsClosedByWebSocketPings() throws Exception {
    start(ChannelServer.builder().scheduler(time)
        .limits(ServerLimits.builder().pingInterval(Duration.ofMillis(800)).build()));
    try (RawSocket raw = new RawSocket(server.port(), 0)) {
      raw.write(RawSocket.request("/ws", true));
      assertThat(raw.readHead()).startsWith("HTTP/1.1 101");
      await().until(() -> server.connections().size() == 1);
      time.advance(Duration.ofMillis(800)); // a ping, never answered
      time.advance(Duration.ofMillis(400)); // silent for 1.2 s: not yet 1.5 intervals
      assertThat(server.connections()).hasSize(1);
      time.advance(Duration.ofMillis(400)); // silent for 1.6 s: dropped
      assertThat(raw.awaitEof()).isTrue();
      await().until(() -> server.connections().isEmpty());
    }
  }

  @Test
  void livePeerAnswersPingsAndStaysOpen() {
    URI uri = start(ChannelServer.builder().scheduler(time)
        .limits(ServerLimits.builder().pingInterval(Duration.ofSeconds(2)).build()));
    try (TestClient c = TestClient.connect(uri)) { // Java-WebSocket clients answer pings
      for (int i = 0; i < 4; i++) {
        time.advance(Duration.ofSeconds(2)); // a ping
        // two round trips: the client read the ping and queued its pong before the second
        // ping of ours, so the server has read the pong when the second pong comes back
        c.assertAlive();
        c.assertAlive();
      }
      assertThat(c.isOpen()).isTrue();
      assertThat(server.connections()).hasSize(1);
    }
  }

  @Test
  void pingIntervalMayBeAnyDuration() {
    assertThat(ServerLimits.builder().pingInterval(Duration.ofMillis(1500)).build()
        .pingInterval()).isEqualTo(Duration.ofMillis(1500));
  }
}
