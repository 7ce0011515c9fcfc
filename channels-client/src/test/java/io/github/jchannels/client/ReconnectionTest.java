package io.github.jchannels.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.jchannels.client.internal.Backoff;
import io.github.jchannels.client.internal.ClientConfig;
import io.github.jchannels.client.internal.RealChannelClient;
import io.github.jchannels.core.EventRegistry;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Backoff schedule, giving up, manual reconnect, defaults, and thread ownership. */
class ReconnectionTest {

  @Test
  void productionDefaultsAreThoseOfTheProtocol() {
    try (ChannelClient c = ChannelClient.builder(URI.create("ws://localhost:1/ws")).build()) {
      ClientConfig cfg = ((RealChannelClient) c).config();
      assertThat(cfg.heartbeatInterval()).isEqualTo(Duration.ofSeconds(30));
      assertThat(cfg.pongTimeout()).isEqualTo(Duration.ofSeconds(5));
      assertThat(cfg.useServerHeartbeatInterval()).isTrue();
      assertThat(cfg.initialReconnectDelay()).isEqualTo(Duration.ofSeconds(1));
      assertThat(cfg.maxReconnectDelay()).isEqualTo(Duration.ofSeconds(30));
      assertThat(cfg.maxReconnectAttempts()).isEqualTo(5);
      assertThat(cfg.reconnectJitter()).isZero();
      assertThat(cfg.sendQueueCapacity()).isEqualTo(100);
      assertThat(cfg.connectTimeout()).isEqualTo(Duration.ofSeconds(10));
      assertThat(cfg.requestTimeout()).isEqualTo(Duration.ofSeconds(10));
      assertThat(cfg.messageLogCapacity()).isEqualTo(50);
      assertThat(cfg.registry()).isSameAs(EventRegistry.defaults());
      assertThat(c.state()).isEqualTo(new ConnectionState.Idle());
      assertThat(c.messageLog().capacity()).isEqualTo(50);
    }
  }

  @Test
  void defaultScheduleIsOneTwoFourEightSixteenThenCappedAtThirty() {
    Backoff b = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30), 0);
    List<Long> secs = IntStream.rangeClosed(1, 8)
        .mapToObj(n -> b.delay(n, () -> 0.5).toSeconds()).toList();
    assertThat(secs).containsExactly(1L, 2L, 4L, 8L, 16L, 30L, 30L, 30L);
    assertThat(b.delay(1000, () -> 0.5)).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void jitterStaysWithinItsFraction() {
    Backoff b = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30), 0.2);
    assertThat(b.delay(3, () -> 0.0)).isEqualTo(Duration.ofMillis(3200));
    assertThat(b.delay(3, () -> 0.999999)).isBetween(Duration.ofMillis(4799), Duration.ofMillis(4800));
    assertThat(b.delay(6, () -> 0.999999)).isEqualTo(Duration.ofSeconds(30)); // never above max
  }

  @Test
  void builderRejectsBadValuesNamingThem() {
    ChannelClient.Builder b = ChannelClient.builder(URI.create("ws://localhost:1/ws"));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> b.sendQueueCapacity(0))
        .hasMessageContaining("0");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> b.heartbeat(Duration.ZERO, Duration.ofSeconds(1)))
        .hasMessageContaining("heartbeat interval");
    org.assertj.core.api.Assertions.assertThatThrownBy(
        () -> b.reconnectDelays(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class);
    org.assertj.core.api.Assertions.assertThatThrownBy(
        () -> ChannelClient.builder(URI.create("http://localhost/ws")))
        .hasMessageContaining("ws://");
  }

  @Test
  void measuredDelaysFollowTheScheduleThenGiveUpAndManualReconnectWorks() throws Exception {
    int port;
    try (ScriptedServer probe = new ScriptedServer()) {
      port = probe.port();
    }
    URI uri = URI.create("ws://127.0.0.1:" + port + "/ws");
    StateRecorder states = new StateRecorder();
    try (ChannelClient client = ChannelClient.builder(uri)
        .reconnectDelays(Duration.ofMillis(100), Duration.ofMillis(400))
        .maxReconnectAttempts(4)
        .connectTimeout(Duration.ofSeconds(2))
        .build()) {
      client.addStateListener(states);
      CompletableFuture<Void> connected = client.connect();
      StateRecorder.Seen gaveUp = states.await(s -> s instanceof ConnectionState.Closed, 15);
      assertThat(((ConnectionState.Closed) gaveUp.state()).reason())
          .isEqualTo(ConnectionState.CloseReason.GAVE_UP);
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> connected.get(5, TimeUnit.SECONDS))
          .hasCauseInstanceOf(ChannelException.class);

      List<StateRecorder.Seen> seen = new ArrayList<>(states.all);
      List<Long> expected = List.of(100L, 200L, 400L, 400L);
      for (int n = 1; n <= 4; n++) {
        int attempt = n;
        StateRecorder.Seen waiting = seen.stream().filter(s -> s.state()
            instanceof ConnectionState.Reconnecting r && r.attempt() == attempt).findFirst().orElseThrow();
        StateRecorder.Seen trying = seen.stream().filter(s -> s.state()
            instanceof ConnectionState.Connecting c && c.attempt() == attempt).findFirst().orElseThrow();
        ConnectionState.Reconnecting r = (ConnectionState.Reconnecting) waiting.state();
        assertThat(r.maxAttempts()).isEqualTo(4);
        assertThat(r.delay()).isEqualTo(Duration.ofMillis(expected.get(n - 1)));
        long measuredMs = TimeUnit.NANOSECONDS.toMillis(trying.nanos() - waiting.nanos());
        assertThat(measuredMs).as("delay before attempt %d", n)
            .isBetween(expected.get(n - 1) - 20, expected.get(n - 1) + 1000);
      }
      assertThat(client.metrics().snapshot().reconnections()).isEqualTo(4);

      try (ScriptedServer server = new ScriptedServer(port)) {
        client.reconnect();
        states.await(s -> s instanceof ConnectionState.Connecting c && c.attempt() == 0, 5);
        states.awaitReady();
        server.closeAll(1011, "again");
        StateRecorder.Seen again = states.await(s -> s instanceof ConnectionState.Reconnecting, 5);
        assertThat(((ConnectionState.Reconnecting) again.state()).attempt())
            .as("the count restarts after a successful connection").isEqualTo(1);
        states.awaitReady();
      }
    }
  }

  @Test
  void unlimitedAttemptsKeepTrying() throws Exception {
    int port;
    try (ScriptedServer probe = new ScriptedServer()) {
      port = probe.port();
    }
    StateRecorder states = new StateRecorder();
    try (ChannelClient client = ChannelClient.builder(URI.create("ws://127.0.0.1:" + port + "/ws"))
        .reconnectDelays(Duration.ofMillis(10), Duration.ofMillis(20))
        .unlimitedReconnectAttempts()
        .build()) {
      client.addStateListener(states);
      client.connect();
      StateRecorder.Seen s = states.await(x -> x instanceof ConnectionState.Reconnecting r
          && r.attempt() == 8, 10);
      assertThat(((ConnectionState.Reconnecting) s.state()).maxAttempts())
          .isEqualTo(ConnectionState.UNLIMITED);
    }
  }

  @Test
  void noThreadOfTheClientRemainsAfterClose() throws Exception {
    Set<String> before = SocketThreads.live();
    try (ScriptedServer server = new ScriptedServer()) {
      ChannelClient client = ChannelClient.builder(server.uri()).name("leakcheck")
          .useServerHeartbeatInterval(false)
          .heartbeat(Duration.ofMillis(50), Duration.ofSeconds(1))
          .reconnectDelays(Duration.ofMillis(20), Duration.ofMillis(20))
          .build();
      client.connect().get(5, TimeUnit.SECONDS);
      client.subscribe(io.github.jchannels.core.Channels.session("x"), e -> {});
      client.reconnect(); // leaves a retired socket behind too
      await().until(() -> client.state().isReady());
      await().until(() -> client.metrics().snapshot().latencySamples() > 0);
      assertThat(threads("leakcheck")).isNotEmpty();
      client.close();
      assertThat(threads("leakcheck")).isEmpty(); // close() waited for its own threads
      await().atMost(Duration.ofSeconds(3)).until(() -> before.containsAll(SocketThreads.live()));
      assertThat(client.state()).isEqualTo(
          new ConnectionState.Closed(ConnectionState.CloseReason.NORMAL, 1000, "client closed"));
      assertThat(client.send(io.github.jchannels.core.Channels.session("x"),
          new io.github.jchannels.core.SessionEvent.SendMessage("late", null, null))).isFalse();
    }
  }

  @Test
  void closeFromAHandlerDoesNotDeadlock() throws Exception {
    try (ScriptedServer server = new ScriptedServer()) {
      ChannelClient client = ChannelClient.builder(server.uri()).name("selfclose").build();
      client.addStateListener(s -> {
        if (s.isReady()) {
          client.close();
        }
      });
      client.connect();
      await().atMost(Duration.ofSeconds(5)).until(() -> threads("selfclose").isEmpty());
      assertThat(client.state()).isInstanceOf(ConnectionState.Closed.class);
    }
  }

  private static Set<String> threads(String prefix) {
    return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
        .map(Thread::getName).filter(n -> n.startsWith(prefix + "-")).collect(Collectors.toSet());
  }

  @Test
  void aHandshakeThatNeverCompletesTimesOutAndCloseStillEndsEveryThread() throws Exception {
    Set<String> before = SocketThreads.live();
    try (java.net.ServerSocket blackHole = new java.net.ServerSocket(0, 50,
        java.net.InetAddress.getLoopbackAddress())) {
      List<java.net.Socket> accepted = new java.util.concurrent.CopyOnWriteArrayList<>();
      Thread acceptor = Thread.ofPlatform().daemon().start(() -> {
        try {
          while (true) {
            accepted.add(blackHole.accept()); // reads nothing, answers nothing
          }
        } catch (java.io.IOException closed) {
          // done
        }
      });
      StateRecorder states = new StateRecorder();
      ChannelClient client = ChannelClient.builder(
              URI.create("ws://127.0.0.1:" + blackHole.getLocalPort() + "/ws"))
          .name("blackhole")
          .connectTimeout(Duration.ofMillis(300))
          .reconnectDelays(Duration.ofMillis(50), Duration.ofMillis(50))
          .maxReconnectAttempts(1)
          .build();
      client.addStateListener(states);
      client.connect();
      StateRecorder.Seen r = states.await(s -> s instanceof ConnectionState.Reconnecting, 5);
      assertThat(((ConnectionState.Reconnecting) r.state()).code())
          .isEqualTo(ChannelClient.CONNECT_TIMEOUT);
      states.await(s -> s instanceof ConnectionState.Connecting c && c.attempt() == 1, 5);
      client.close(); // while the second handshake hangs
      assertThat(threads("blackhole")).isEmpty();
      await().atMost(Duration.ofSeconds(3)).until(() -> before.containsAll(SocketThreads.live()));
      for (java.net.Socket s : accepted) {
        s.close();
      }
      blackHole.close();
      acceptor.join(2000);
    }
  }
}
