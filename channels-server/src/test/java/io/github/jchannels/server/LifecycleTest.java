package io.github.jchannels.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.jchannels.core.Channels;
import io.github.jchannels.core.Frame;
import io.github.jchannels.core.SessionEvent;
import io.github.jchannels.core.transport.Connection;
import io.github.jchannels.core.transport.ConnectionHandler;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Start, listeners, disconnect, metrics and a close that leaves nothing behind. */
class LifecycleTest {

  /** Live platform threads other than JVM-wide pools (virtual-thread carriers, JIT, GC). */
  private static Map<Long, String> threads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .filter(t -> !t.getName().startsWith("ForkJoinPool")
            && !t.getName().startsWith("InnocuousThread")
            && !t.getName().startsWith("VirtualThread-") // the JDK's, shared by all
            && !t.getName().startsWith("awaitility")
            && !t.getName().equals("Attach Listener"))
        .collect(Collectors.toMap(Thread::threadId, Thread::getName));
  }

  /** An extra endpoint that echoes text back and records its calls. */
  static final class Echo implements ConnectionHandler {
    final List<String> calls = new CopyOnWriteArrayList<>();

    @Override
    public void onOpen(Connection connection) {
      calls.add("open " + connection.principal());
    }

    @Override
    public void onText(Connection connection, String text) {
      calls.add("text " + text);
      connection.send(new Frame(
          "{\"channel\":\"global\",\"type\":\"pong\",\"data\":{\"timestamp\":0},"
          + "\"echo\":" + text.length() + "}"));
    }

    @Override
    public void onClose(Connection connection, int code, String reason) {
      calls.add("close " + code);
    }
  }

  @Test
  void closeSends1001ToAllEndpointsLeavesNoThreadAndFreesThePort() throws Exception {
    Map<Long, String> before = threads();
    Echo echo = new Echo();
    ChannelServer server = ChannelServer.builder().host("127.0.0.1").port(0)
        .endpoint("/echo", null, echo).build().start();
    int port = server.port();
    URI ws = URI.create("ws://127.0.0.1:" + port + "/ws");
    URI other = URI.create("ws://127.0.0.1:" + port + "/echo");
    TestClient a = TestClient.connect(ws);
    TestClient b = TestClient.connect(ws);
    TestClient c = TestClient.connect(other);
    a.join("session:x", true);
    c.send("hi");
    c.take();
    RawSocket half = new RawSocket(port, 0); // a half handshake must not hold close() up
    half.write(RawSocket.request("/ws", false));

    long t0 = System.nanoTime();
    server.close();
    long closeMillis = (System.nanoTime() - t0) / 1_000_000;
    assertThat(closeMillis).isLessThan(ServerLimits.defaults().closeTimeout().toMillis() + 3000);
    for (TestClient t : List.of(a, b, c)) {
      assertThat(t.awaitClose()).isEqualTo(1001);
    }
    assertThat(half.isClosedByPeer()).isTrue();
    half.close();
    assertThat(echo.calls).containsExactly("open null", "text hi", "close 1001");

    try (ServerSocket s = new ServerSocket()) { // the port is free at once
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress("127.0.0.1", port));
    }
    for (TestClient t : List.of(a, b, c)) {
      t.close(); // client threads are the test's, not the server's
    }
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      Map<Long, String> left = threads();
      left.keySet().removeAll(before.keySet());
      left.values().removeIf(n -> n.startsWith("WebSocketConnectReadThread")
          || n.startsWith("WebSocketWriteThread") || n.startsWith("connectionLostChecker"));
      assertThat(left).isEmpty();
    });
    Map<Long, String> left = threads();
    left.keySet().removeAll(before.keySet());
    assertThat(left.values()).noneMatch(n -> n.startsWith("WebSocketSelector")
        || n.startsWith("WebSocketWorker") || n.startsWith("channels-server"));
    server.close(); // idempotent
  }

  @Test
  void noServerThreadSurvivesCloseImmediately() {
    ChannelServer server = ChannelServer.builder().host("127.0.0.1").port(0).build().start();
    try (TestClient c = TestClient.connect(URI.create("ws://127.0.0.1:" + server.port() + "/ws"))) {
      c.assertAlive();
      server.close();
      c.awaitClose();
    }
    // checked right after close() returned: no polling
    Set<String> names = threads().values().stream().collect(Collectors.toSet());
    assertThat(names).noneMatch(n -> n.startsWith("WebSocketSelector")
        || n.startsWith("WebSocketWorker") || n.startsWith("channels-server"));
  }

  @Test
  void listenersHearConnectSubscribeUnsubscribeAndDisconnectInOrder() {
    List<String> heard = new CopyOnWriteArrayList<>();
    ServerListener listener = new ServerListener() {
      @Override
      public void onConnect(ConnectionInfo c) {
        heard.add("connect");
      }

      @Override
      public void onSubscribe(ConnectionInfo c, String channel) {
        heard.add("subscribe " + channel);
      }

      @Override
      public void onUnsubscribe(ConnectionInfo c, String channel) {
        heard.add("unsubscribe " + channel);
      }

      @Override
      public void onDisconnect(ConnectionInfo c, int code, String reason) {
        heard.add("disconnect " + code + " " + c.channels());
      }
    };
    try (ChannelServer server = ChannelServer.builder().host("127.0.0.1").port(0)
        .listener(listener).build().start()) {
      URI uri = URI.create("ws://127.0.0.1:" + server.port() + "/ws");
      try (TestClient c = TestClient.connect(uri)) {
        c.join("session:1", true);
        c.join("session:1", true); // repeated: not reported again
        c.join("session:2", true);
        c.send("global", "unsubscribe", "{\"channel\":\"session:1\"}", null);
        c.take();
        c.send("global", "unsubscribe", "{\"channel\":\"session:1\"}", null); // not joined
        c.take();
        assertThat(server.disconnect(c.clientId, 4001, "kicked")).isTrue();
        assertThat(c.awaitClose()).isEqualTo(4001);
      }
      await().until(() -> heard.size() == 5);
      assertThat(heard).containsExactly("connect", "subscribe session:1", "subscribe session:2",
          "unsubscribe session:1", "disconnect 4001 [session:2]");
      assertThat(server.disconnect("nobody", 1000)).isFalse();
      assertThatThrownBy(() -> server.disconnect("x", 1005))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1005");
    }
  }

  @Test
  void metricsCountConnectionsSubscriptionsMessagesAndErrors() {
    try (ChannelServer server = ChannelServer.builder().host("127.0.0.1").port(0).build().start()) {
      URI uri = URI.create("ws://127.0.0.1:" + server.port() + "/ws");
      try (TestClient a = TestClient.connect(uri); TestClient b = TestClient.connect(uri)) {
        a.join("session:m", true);
        b.join("session:m", true);
        a.send("{oops");
        a.takeError("invalid_message");
        server.broadcast(Channels.session("m"),
            new SessionEvent.StreamOutput("m", "x", 1));
        a.take();
        b.take();
        await().until(() -> server.metrics().openConnections() == 2);
        ServerMetrics m = server.metrics();
        assertThat(m.totalConnections()).isEqualTo(2);
        assertThat(m.subscriptions()).isEqualTo(2);
        assertThat(m.channels()).isEqualTo(1);
        assertThat(m.messagesIn()).isEqualTo(3);
        assertThat(m.bytesIn()).isGreaterThan(50);
        // 2 connected + 2 success + 2 welcome + 1 error + 2 broadcast (each counted after its
        // write: the last count may follow the frame's arrival)
        await().until(() -> server.metrics().messagesOut() == 9);
        assertThat(m.bytesOut()).isGreaterThan(100);
        assertThat(m.errorsByCode()).containsEntry("invalid_message", 1L);
      }
      await().until(() -> server.metrics().openConnections() == 0);
      assertThat(server.metrics().subscriptions()).isZero();
    }
  }

  @Test
  void startTwiceFailsAndBusyPortFailsToStart() throws Exception {
    try (ChannelServer server = ChannelServer.builder().host("127.0.0.1").port(0).build().start()) {
      assertThatThrownBy(server::start).isInstanceOf(IllegalStateException.class);
      try (ChannelServer second = ChannelServer.builder().host("127.0.0.1").port(server.port())
          .build()) {
        assertThatThrownBy(second::start).isInstanceOf(UncheckedIOException.class)
            .hasMessageContaining(Integer.toString(server.port()));
      }
    }
    assertThatThrownBy(() -> ChannelServer.builder().build().port())
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void closeFromAHandlerIsRefused() {
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    ChannelServer[] holder = new ChannelServer[1];
    try (ChannelServer server = ChannelServer.builder().host("127.0.0.1").port(0)
        .listener(new ServerListener() {
          @Override
          public void onConnect(ConnectionInfo c) {
            try {
              holder[0].close();
            } catch (IllegalStateException e) {
              failures.add(e);
            }
          }
        }).build()) {
      holder[0] = server;
      server.start();
      try (TestClient c = TestClient.connect(URI.create("ws://127.0.0.1:" + server.port()
          + "/ws"))) {
        c.assertAlive();
      }
      // the listener runs on the connection's executor; the pong above takes the fast path
      await().until(() -> failures.size() == 1);
      assertThat(failures).hasSize(1);
    }
  }
}
