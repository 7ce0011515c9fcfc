package io.github.jchannels.jakarta;

import static io.github.jchannels.jakarta.WsClient.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.jchannels.core.Frame;
import io.github.jchannels.server.ServerLimits;
import io.github.jchannels.server.transport.TransportConnection;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The transport's own mechanics on a real container, driven by a stand-in core
 * ({@link StubCore}): admission answers in HTTP, the chained send queue, the frame limit, the
 * binary path and stop. The protocol itself is the server transport kit's.
 */
abstract class TransportMechanicsCases {
  private EmbeddedContainer container;
  private StubCore core;
  private JakartaTransport transport;

  abstract EmbeddedContainer newContainer() throws Exception;

  private int start(ServerLimits limits) throws Exception {
    core = new StubCore(limits);
    transport = JakartaTransport.create();
    container = newContainer().start(transport::mount);
    transport.start(core);
    return container.port();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (transport != null) {
      transport.stop();
    }
    if (container != null) {
      container.close();
    }
    if (core != null) {
      core.close();
    }
  }

  @Test
  void echoesTextAndClosesWithTheCodeTheCoreAsks() throws Exception {
    int port = start(ServerLimits.defaults());
    try (WsClient client = WsClient.connect(port, "/ws")) {
      client.socket.sendText("hello", true).get(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(client.next()).isEqualTo("hello");
      TransportConnection c = core.opened.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(c).isNotNull();
      c.close(4000, "bye");
      assertThat(client.awaitClose()).isEqualTo(4000);
      // the client's automatic close reply ends the handshake on the server
      await().atMost(WAIT).until(() -> core.log.contains("closed 4000"));
    }
    assertThat(core.log).containsSubsequence("upgrade /ws", "opened", "closeSent 4000",
        "closed 4000");
    await().atMost(WAIT).until(() -> transport.liveConnections() == 0);
  }

  @Test
  void refusedOriginIsHttp403BeforeAnyUpgrade() throws Exception {
    int port = start(ServerLimits.defaults());
    assertThatThrownBy(() -> WsClient.connect(port, "/ws", "Origin", "http://evil"))
        .isInstanceOf(ExecutionException.class)
        .cause().isInstanceOfSatisfying(WebSocketHandshakeException.class,
            e -> assertThat(e.getResponse().statusCode()).isEqualTo(403));
    assertThat(core.log).doesNotContain("opened");
    await().atMost(WAIT).until(() -> core.log.contains("closed 1006"));
    try (WsClient client = WsClient.connect(port, "/ws", "Origin", "http://good")) {
      client.socket.sendText("ok", true).get(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(client.next()).isEqualTo("ok");
    }
  }

  @Test
  void refusalStatusOfTheCoreReachesThePeer() throws Exception {
    int port = start(ServerLimits.defaults());
    assertThatThrownBy(() -> WsClient.connect(port, "/other"))
        .cause().isInstanceOfSatisfying(WebSocketHandshakeException.class,
            e -> assertThat(e.getResponse().statusCode()).isEqualTo(404));
  }

  @Test
  void plainGetOnTheEndpointIs426AndOtherPathsPassThrough() throws Exception {
    int port = start(ServerLimits.defaults());
    try (HttpClient http = HttpClient.newHttpClient()) {
      HttpResponse<String> ws = http.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + port + "/ws")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(ws.statusCode()).isEqualTo(426);
      assertThat(ws.headers().firstValue("Upgrade")).hasValue("websocket");
      HttpResponse<String> other = http.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + port + "/page")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(other.statusCode()).isNotEqualTo(426).isGreaterThanOrEqualTo(400);
    }
    assertThat(core.log).isEmpty();
  }

  @Test
  void framesWrittenFromManyThreadsArriveInOrderPerThread() throws Exception {
    int port = start(ServerLimits.defaults());
    int threads = 4;
    int each = 2000;
    try (WsClient client = WsClient.connect(port, "/ws")) {
      TransportConnection c = core.opened.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(c).isNotNull();
      List<Thread> writers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int id = t;
        writers.add(Thread.ofPlatform().start(() -> {
          for (int i = 0; i < each; i++) {
            c.write(new Frame("{\"t\":" + id + ",\"i\":" + i + "}"));
          }
        }));
      }
      for (Thread w : writers) {
        w.join();
      }
      int[] last = new int[threads];
      Arrays.fill(last, -1);
      for (int n = 0; n < threads * each; n++) {
        String m = client.next();
        int t = Integer.parseInt(m.substring(5, m.indexOf(',')));
        int i = Integer.parseInt(m.substring(m.indexOf("\"i\":") + 4, m.length() - 1));
        assertThat(i).as("thread %d", t).isEqualTo(last[t] + 1);
        last[t] = i;
      }
      await().atMost(WAIT).until(() -> c.queuedBytes() == 0);
    }
  }

  @Test
  void oneFrameIsSharedByManyConnections() throws Exception {
    int port = start(ServerLimits.defaults());
    List<WsClient> clients = new ArrayList<>();
    try {
      for (int i = 0; i < 5; i++) {
        clients.add(WsClient.connect(port, "/ws"));
      }
      Frame shared = new Frame("{\"broadcast\":true}");
      for (int i = 0; i < 5; i++) {
        TransportConnection c = core.opened.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(c).isNotNull();
        c.write(shared);
      }
      for (WsClient client : clients) {
        assertThat(client.next()).isEqualTo("{\"broadcast\":true}");
      }
    } finally {
      clients.forEach(WsClient::close);
    }
  }

  @Test
  void messageOverTheFrameLimitIsClosedWith1009() throws Exception {
    int port = start(ServerLimits.builder().maxFrameSize(1024).build());
    try (WsClient client = WsClient.connect(port, "/ws")) {
      client.socket.sendText("x".repeat(1024), true).get(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(client.next()).hasSize(1024); // at the limit: accepted
      // the server closes as it reads it: the close code is the outcome, not this send
      CompletableFuture<WebSocket> unused = client.socket.sendText("x".repeat(1025), true);
      assertThat(client.awaitClose()).isEqualTo(1009);
      await().atMost(WAIT).until(() -> core.log.contains("closed 1009"));
    }
  }

  @Test
  void fragmentsAreJoinedAndCountedInUtf8BytesAgainstTheLimit() throws Exception {
    int port = start(ServerLimits.builder().maxFrameSize(1000).build());
    try (WsClient client = WsClient.connect(port, "/ws")) {
      // 3 fragments, 1000 bytes: "é" is two bytes
      client.socket.sendText("é".repeat(200), false).get(WAIT.toSeconds(), TimeUnit.SECONDS);
      client.socket.sendText("a".repeat(300), false).get(WAIT.toSeconds(), TimeUnit.SECONDS);
      client.socket.sendText("b".repeat(300), true).get(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(client.next()).isEqualTo("é".repeat(200) + "a".repeat(300) + "b".repeat(300));
      client.socket.sendText("é".repeat(200), false).get(WAIT.toSeconds(), TimeUnit.SECONDS);
      client.socket.sendText("a".repeat(300), false).get(WAIT.toSeconds(), TimeUnit.SECONDS);
      // the server closes as it reads it: the close code is the outcome, not this send
      CompletableFuture<WebSocket> unused = client.socket.sendText("b".repeat(301), true);
      assertThat(client.awaitClose()).isEqualTo(1009);
    }
  }

  @Test
  void messagesUpToTheDefaultLimitArriveWhole() throws Exception {
    int port = start(ServerLimits.defaults());
    String big = "y".repeat(ServerLimits.defaults().maxFrameSize());
    try (WsClient client = WsClient.connect(port, "/ws")) {
      client.socket.sendText(big, true).get(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(client.next()).isEqualTo(big);
    }
  }

  @Test
  void binaryReachesTheCoreWhichClosesWith1003() throws Exception {
    int port = start(ServerLimits.defaults());
    try (WsClient client = WsClient.connect(port, "/ws")) {
      // the core closes as it gets it: the close code is the outcome, not this send
      CompletableFuture<WebSocket> unused =
          client.socket.sendBinary(ByteBuffer.wrap(new byte[200_000]), true);
      assertThat(client.awaitClose()).isEqualTo(1003);
    }
    assertThat(core.log).contains("binary");
  }

  @Test
  void pingsAreAnsweredAndPongsReported() throws Exception {
    int port = start(ServerLimits.defaults());
    try (WsClient client = WsClient.connect(port, "/ws")) {
      TransportConnection c = core.opened.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(c).isNotNull();
      c.ping();
      await().atMost(WAIT).until(() -> core.log.contains("pong"));
      assertThat(client.closeCode).as("the connection stays open").isNotDone();
    }
  }

  @Test
  void stopRefusesNewUpgradesWith503AndDropsOpenConnections() throws Exception {
    int port = start(ServerLimits.defaults());
    try (WsClient client = WsClient.connect(port, "/ws")) {
      assertThat(core.opened.poll(WAIT.toSeconds(), TimeUnit.SECONDS)).isNotNull();
      transport.stop();
      assertThat(client.awaitClose()).isIn(1001, 1002, 1006);
      assertThat(core.log).contains("closed 1006");
    }
    assertThatThrownBy(() -> WsClient.connect(port, "/ws"))
        .cause().isInstanceOfSatisfying(WebSocketHandshakeException.class,
            e -> assertThat(e.getResponse().statusCode()).isEqualTo(503));
  }
}
