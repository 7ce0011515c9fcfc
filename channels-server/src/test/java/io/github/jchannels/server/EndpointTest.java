package io.github.jchannels.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.jchannels.core.Frame;
import io.github.jchannels.core.transport.Connection;
import io.github.jchannels.core.transport.ConnectionHandler;
import java.net.URI;
import java.security.Principal;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Extra endpoints on the same port get everything generic from the server. */
class EndpointTest {
  record User(String getName) implements Principal {}

  /** Upper-cases text back; records calls, the threads they ran on and overlaps. */
  static class Upper implements ConnectionHandler {
    final List<String> calls = new CopyOnWriteArrayList<>();
    final List<String> byConnection = new CopyOnWriteArrayList<>();
    final List<String> threads = new CopyOnWriteArrayList<>();
    final ConcurrentHashMap<String, AtomicInteger> inside =
        new ConcurrentHashMap<>();
    final AtomicInteger overlaps = new AtomicInteger();

    /** Counts calls for one connection that overlap another call for the same connection. */
    void enter(Connection c) {
      threads.add(Thread.currentThread().getName());
      if (inside.computeIfAbsent(c.id(), k -> new AtomicInteger()).incrementAndGet() > 1) {
        overlaps.incrementAndGet();
      }
    }

    void exit(Connection c) {
      inside.get(c.id()).decrementAndGet();
    }

    @Override
    public void onOpen(Connection connection) {
      enter(connection);
      calls.add("open " + connection.principal().getName());
      byConnection.add(connection.id() + " open");
      exit(connection);
    }

    @Override
    public void onText(Connection connection, String text) {
      enter(connection);
      connection.send(new Frame(
          "{\"channel\":\"global\",\"type\":\"pong\",\"data\":{\"timestamp\":0},"
          + "\"text\":\"" + text.toUpperCase(Locale.ROOT) + "\"}"));
      exit(connection);
    }

    @Override
    public void onClose(Connection connection, int code, String reason) {
      enter(connection);
      calls.add("close " + code);
      byConnection.add(connection.id() + " close " + code);
      exit(connection);
    }
  }

  static final Upper upper = new Upper();
  static ChannelServer server;
  static URI uri;

  @BeforeAll
  static void start() {
    server = ChannelServer.builder().host("127.0.0.1").port(0)
        .allowedOrigins("https://ok.example")
        .endpoint("/upper", h -> h.bearerToken().filter("t"::equals).map(t -> new User("bob")),
            upper)
        .limits(ServerLimits.builder().maxFrameSize(512).inboundRate(50, Duration.ofMinutes(1))
            .maxRateLimitedMessages(5).build())
        .build().start();
    uri = URI.create("ws://127.0.0.1:" + server.port() + "/upper");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static TestClient connect() {
    return TestClient.connect(uri, Map.of("Authorization", "Bearer t"));
  }

  @Test
  void connectedFirstThenTheHandlerSerially() {
    String id;
    try (TestClient c = connect()) {
      id = c.clientId;
      for (int i = 0; i < 20; i++) {
        c.send("abc" + i);
      }
      for (int i = 0; i < 20; i++) {
        assertThat(c.take().get("text").asText()).isEqualTo("ABC" + i);
      }
      assertThat(server.connection(c.clientId).orElseThrow().path()).isEqualTo("/upper");
    }
    await().until(() -> upper.byConnection.contains(id + " close 1000"));
    assertThat(upper.byConnection.stream().filter(s -> s.startsWith(id)))
        .containsExactly(id + " open", id + " close 1000");
    assertThat(upper.overlaps).hasValue(0);
    assertThat(upper.threads).allSatisfy(t -> assertThat(t).startsWith("channels-server-"));
  }

  @Test
  void badCredentialsGetUnauthorizedAnd1008WithoutReachingTheHandler() {
    long before = upper.calls.stream().filter(s -> s.startsWith("open")).count();
    try (TestClient c = TestClient.open(uri, Map.of("Authorization", "Bearer nope"))) {
      c.send("ignored");
      JsonNode e = c.takeError("unauthorized");
      assertThat(e.get("channel").asText()).isEqualTo("global");
      assertThat(c.awaitClose()).isEqualTo(1008);
    }
    assertThat(upper.calls.stream().filter(s -> s.startsWith("open")).count()).isEqualTo(before);
  }

  @Test
  void disallowedOriginIsRefused() {
    try (TestClient c = TestClient.open(uri, Map.of("Authorization", "Bearer t",
        "Origin", "https://evil.example"))) {
      assertThat(c.opened.join()).isFalse();
    }
  }

  @Test
  void binaryFramesClose1003AndBigFrames1009() {
    try (TestClient c = connect()) {
      c.sendBinary(new byte[] {0});
      assertThat(c.awaitClose()).isEqualTo(1003);
    }
    try (TestClient c = connect()) {
      c.send("x".repeat(513));
      assertThat(c.awaitClose()).isEqualTo(1009);
    }
  }

  @Test
  void rateLimitApplies() {
    try (TestClient c = connect()) {
      for (int i = 0; i < 50; i++) {
        c.send("m");
      }
      for (int i = 0; i < 50; i++) {
        c.take();
      }
      c.send("over");
      c.takeError("rate_limited");
      for (int i = 0; i < 4; i++) {
        c.send("over");
      }
      assertThat(c.awaitClose()).isEqualTo(1008);
    }
  }

  @Test
  void channelsEndpointIsStillThere() {
    try (TestClient c = TestClient.connect(URI.create("ws://127.0.0.1:" + server.port() + "/ws"))) {
      c.assertAlive();
    }
  }

  @Test
  void anonymousEndpointWhenNoAuthenticator() {
    Upper anon = new Upper() {
      @Override
      public void onOpen(Connection connection) {
        calls.add("open " + connection.principal());
      }
    };
    try (ChannelServer s = ChannelServer.builder().host("127.0.0.1").port(0)
        .authenticator(h -> Optional.empty()) // the channels endpoint rejects everyone
        .endpoint("/anon", null, anon).build().start();
        TestClient c = TestClient.connect(URI.create("ws://127.0.0.1:" + s.port() + "/anon"))) {
      c.send("x");
      assertThat(c.take().get("text").asText()).isEqualTo("X");
      assertThat(anon.calls).containsExactly("open null");
    }
  }
}
