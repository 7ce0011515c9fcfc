package io.github.jchannels.jakarta;

import static io.github.jchannels.jakarta.WsClient.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.jchannels.client.ChannelClient;
import io.github.jchannels.core.Channels;
import io.github.jchannels.core.SessionEvent;
import io.github.jchannels.core.time.FakeScheduler;
import io.github.jchannels.server.Authenticator;
import io.github.jchannels.server.ChannelServer;
import java.net.URI;
import java.net.http.WebSocketHandshakeException;
import java.security.Principal;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A whole {@link ChannelServer} on the Jakarta transport in a real container, driven by the
 * Java client and a raw JDK WebSocket: the protocol's first steps, origin 403, unauthorized
 * 1008, one serialisation per broadcast, 1001 on close.
 */
abstract class ChannelServerCases {
  private EmbeddedContainer container;
  private ChannelServer server;
  private JakartaTransport transport;
  private final FakeScheduler clientTime = new FakeScheduler();

  abstract EmbeddedContainer newContainer() throws Exception;

  private int start() throws Exception {
    transport = JakartaTransport.create();
    server = ChannelServer.builder()
        .transport(transport)
        .authenticator(Authenticator.bearer(t -> t.equals("good")
            ? Optional.of((Principal) () -> "alice") : Optional.empty()))
        .allowedOrigins("http://app.example")
        .build();
    container = newContainer().start(transport::mount);
    server.start();
    return container.port();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (server != null) {
      server.close();
    }
    if (container != null) {
      container.close();
    }
  }

  @Test
  void javaClientSubscribesAndReceivesABroadcastSerialisedOnce() throws Exception {
    int port = start();
    BlockingQueue<SessionEvent> got = new LinkedBlockingQueue<>();
    BlockingQueue<SessionEvent> welcomes = new LinkedBlockingQueue<>();
    Consumer<SessionEvent> outputs = e -> {
      if (e instanceof SessionEvent.StreamOutput) {
        got.add(e);
      } else {
        welcomes.add(e);
      }
    };
    try (ChannelClient a = client(port); ChannelClient b = client(port)) {
      a.subscribe(Channels.session("s1"), outputs).joined().get(WAIT.toSeconds(), TimeUnit.SECONDS);
      b.subscribe(Channels.session("s1"), outputs).joined().get(WAIT.toSeconds(), TimeUnit.SECONDS);
      for (int i = 0; i < 2; i++) { // the welcome events are encoded after the joins complete
        assertThat(welcomes.poll(WAIT.toSeconds(), TimeUnit.SECONDS)).isNotNull();
      }
      long before = server.metrics().encodedFrames();
      int n = server.broadcast(Channels.session("s1"),
          new SessionEvent.StreamOutput("s1", "hi", 1L));
      assertThat(n).isEqualTo(2);
      assertThat(server.metrics().encodedFrames() - before).isEqualTo(1);
      for (int i = 0; i < 2; i++) {
        assertThat(got.poll(WAIT.toSeconds(), TimeUnit.SECONDS))
            .isEqualTo(new SessionEvent.StreamOutput("s1", "hi", 1L));
      }
      assertThat(server.connections()).extracting(c -> c.principal().getName())
          .containsOnly("alice");
    }
  }

  @Test
  void disallowedOriginIsRefusedWithHttp403() throws Exception {
    int port = start();
    assertThatThrownBy(() -> WsClient.connect(port, "/ws?token=good", "Origin", "http://evil"))
        .cause().isInstanceOfSatisfying(WebSocketHandshakeException.class,
            e -> assertThat(e.getResponse().statusCode()).isEqualTo(403));
    try (WsClient ok = WsClient.connect(port, "/ws?token=good", "Origin", "http://app.example")) {
      assertThat(ok.next()).contains("\"type\":\"connected\"");
    }
  }

  @Test
  void badCredentialsGetUnauthorizedThen1008() throws Exception {
    int port = start();
    try (WsClient c = WsClient.connect(port, "/ws?token=bad")) {
      assertThat(c.next()).contains("\"error\":\"unauthorized\"");
      assertThat(c.awaitClose()).isEqualTo(1008);
    }
  }

  @Test
  void closingTheServerSends1001AndThenAnswers503() throws Exception {
    int port = start();
    try (WsClient c = WsClient.connect(port, "/ws", "Authorization", "Bearer good")) {
      assertThat(c.next()).contains("connected");
      server.close();
      assertThat(c.awaitClose()).isEqualTo(1001);
    }
    assertThatThrownBy(() -> WsClient.connect(port, "/ws?token=good"))
        .cause().isInstanceOfSatisfying(WebSocketHandshakeException.class,
            e -> assertThat(e.getResponse().statusCode()).isEqualTo(503));
    await().atMost(WAIT).until(() -> transport.liveConnections() == 0);
  }

  @Test
  void protocolErrorsAreAnsweredAndTheConnectionStays() throws Exception {
    int port = start();
    try (WsClient c = WsClient.connect(port, "/ws?token=good")) {
      assertThat(c.next()).contains("connected");
      for (String bad : List.of("not json", "{\"channel\":\"global\",\"type\":\"x\",\"data\":{}}",
          "{\"channel\":\"nope:1\",\"type\":\"x\",\"data\":{}}")) {
        c.socket.sendText(bad, true).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(c.next()).contains("\"type\":\"error\"");
      }
      c.socket.sendText("{\"channel\":\"global\",\"type\":\"ping\",\"data\":{\"timestamp\":5},"
          + "\"ref\":\"1\"}", true).get(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(c.next()).contains("\"type\":\"pong\"").contains("\"ref\":\"1\"");
    }
  }

  /**
   * A connected client. Its timers (heartbeat, timeouts, reconnection) are on a clock that does
   * not move: none can fire while a busy machine is slow.
   */
  private ChannelClient client(int port) throws Exception {
    ChannelClient c = ChannelClient.builder(URI.create("ws://127.0.0.1:" + port + "/ws"))
        .token(() -> "good")
        .scheduler(clientTime)
        .build();
    try {
      c.connect().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    } catch (Exception e) {
      c.close();
      throw e;
    }
    return c;
  }
}
