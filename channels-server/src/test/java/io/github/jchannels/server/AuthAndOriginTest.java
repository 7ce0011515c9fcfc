package io.github.jchannels.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.security.Principal;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** PROTOCOL.md section 4: credentials and origins. */
class AuthAndOriginTest {
  record User(String getName) implements Principal {}

  ChannelServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private URI start(ChannelServer.Builder b) {
    server = b.host("127.0.0.1").port(0).build().start();
    return URI.create("ws://127.0.0.1:" + server.port() + "/ws");
  }

  private static Authenticator tokens() {
    return Authenticator.bearer(t -> t.equals("good") ? Optional.of(new User("alice"))
        : Optional.empty());
  }

  @Test
  void rejectedCredentialsGetOneUnauthorizedErrorThenClose1008AndNothingElse() {
    AtomicInteger handled = new AtomicInteger();
    ServerListener counting = new ServerListener() {
      @Override
      public void onConnect(ConnectionInfo connection) {
        handled.incrementAndGet();
      }
    };
    URI uri = start(ChannelServer.builder().authenticator(tokens()).listener(counting));
    try (TestClient c = TestClient.open(uri, Map.of("Authorization", "Bearer bad"))) {
      c.send("global", "ping", "{\"timestamp\":1}", "p"); // must not be processed
      JsonNode e = c.takeError("unauthorized");
      assertThat(e.get("data").get("message").asText()).isNotBlank();
      assertThat(c.awaitClose()).isEqualTo(1008);
      assertThat(c.messages).isEmpty();
    }
    assertThat(handled).hasValue(0);
    assertThat(server.metrics().errorsByCode()).containsEntry("unauthorized", 1L);
    assertThat(server.metrics().rejectedHandshakes()).isEqualTo(1);
  }

  @Test
  void missingCredentialsAreRejected() {
    URI uri = start(ChannelServer.builder().authenticator(tokens()));
    try (TestClient c = TestClient.open(uri)) {
      c.takeError("unauthorized");
      assertThat(c.awaitClose()).isEqualTo(1008);
    }
  }

  @Test
  void authenticatorThatThrowsRejects() {
    URI uri = start(ChannelServer.builder().authenticator(h -> {
      throw new IllegalStateException("identity service down");
    }));
    try (TestClient c = TestClient.open(uri)) {
      c.takeError("unauthorized");
      assertThat(c.awaitClose()).isEqualTo(1008);
    }
  }

  @Test
  void bearerHeaderAndTokenQueryParameterBothAuthenticate() {
    URI uri = start(ChannelServer.builder().authenticator(tokens()));
    try (TestClient c = TestClient.connect(uri, Map.of("Authorization", "Bearer good"))) {
      assertThat(server.connection(c.clientId).orElseThrow().principal().getName())
          .isEqualTo("alice");
    }
    try (TestClient c = TestClient.connect(URI.create(uri + "?token=good"))) {
      c.assertAlive();
    }
    // the header wins over the query parameter
    try (TestClient c = TestClient.open(URI.create(uri + "?token=good"),
        Map.of("Authorization", "Bearer bad"))) {
      c.takeError("unauthorized");
      assertThat(c.awaitClose()).isEqualTo(1008);
    }
  }

  @Test
  void disallowedOriginNeverGetsConnected() {
    URI uri = start(ChannelServer.builder().allowedOrigins("https://app.example.com"));
    try (TestClient c = TestClient.open(uri, Map.of("Origin", "https://evil.example.com"))) {
      assertThat(c.opened.join()).isFalse();
      c.awaitClose();
      assertThat(c.messages).isEmpty();
    }
    try (TestClient c = TestClient.connect(uri, Map.of("Origin", "https://app.example.com"))) {
      c.assertAlive();
    }
    try (TestClient c = TestClient.connect(uri)) { // no Origin: a non-browser client
      c.assertAlive();
    }
    assertThat(server.metrics().rejectedHandshakes()).isEqualTo(1);
  }

  @Test
  void disallowedOriginIsRefusedBeforeTheUpgradeWith404() throws Exception {
    start(ChannelServer.builder().allowedOrigins("https://app.example.com"));
    try (RawSocket raw = new RawSocket(server.port(), 0)) {
      raw.write(RawSocket.request("/ws", false) + "Origin: https://evil.example.com\r\n"
          + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
      assertThat(raw.readHead()).startsWith("HTTP/1.1 404");
    }
  }

  @Test
  void requireOriginRefusesClientsWithoutOne() {
    URI uri = start(ChannelServer.builder().requireOrigin(true));
    try (TestClient c = TestClient.open(uri)) {
      assertThat(c.opened.join()).isFalse();
    }
  }

  @Test
  void unknownPathIsRefused() {
    URI uri = start(ChannelServer.builder());
    try (TestClient c = TestClient.open(URI.create(uri.toString().replace("/ws", "/other")))) {
      assertThat(c.opened.join()).isFalse();
    }
  }

  @Test
  void slowAuthenticatorDoesNotBlockOtherConnections() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch entered = new CountDownLatch(1);
    URI uri = start(ChannelServer.builder().authenticator(h -> {
      if (h.queryParameter("slow").isPresent()) {
        entered.countDown();
        release.await(); // a stuck identity service, for this connection only
      }
      return Optional.of(new User("u"));
    }));
    TestClient slow = TestClient.open(URI.create(uri + "?slow=1"));
    try (TestClient fast = TestClient.connect(uri)) {
      assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
      fast.assertAlive();
      assertThat(slow.messages).isEmpty();
    } finally {
      release.countDown();
      assertThat(slow.take().get("type").asText()).isEqualTo("connected");
      slow.close();
    }
  }

  @Test
  void handshakeExposesHeadersCaseInsensitivelyAndQueryParameters() {
    Handshake h = new Handshake("/ws?token=q%20t&x=1&x=2", Map.of("authorization", "Bearer  hdr ",
        "ORIGIN", "https://a"), new InetSocketAddress(InetAddress.getLoopbackAddress(), 1234));
    assertThat(h.path()).isEqualTo("/ws");
    assertThat(h.bearerToken()).contains("hdr");
    assertThat(h.header("Authorization")).contains("Bearer  hdr ");
    assertThat(h.origin()).contains("https://a");
    assertThat(h.queryParameters().get("x")).containsExactly("1", "2");
    assertThat(new Handshake("/ws?token=q%20t", Map.of(), null).bearerToken()).contains("q t");
    assertThat(new Handshake("/ws", Map.of("Authorization", "Basic abc"), null).bearerToken())
        .isEmpty();
    assertThat(h.remoteAddress()).isPresent();
  }

  @Test
  void connectionsAreListedWithPrincipalAndChannels() {
    URI uri = start(ChannelServer.builder().authenticator(tokens()));
    try (TestClient c = TestClient.connect(uri, Map.of("Authorization", "Bearer good"))) {
      c.join("session:list", true);
      await().atMost(Duration.ofSeconds(5)).until(() -> server.connections().size() == 1);
      ConnectionInfo info = server.connections().get(0);
      assertThat(info.id()).isEqualTo(c.clientId);
      assertThat(info.principal().getName()).isEqualTo("alice");
      assertThat(info.channels()).containsExactly("session:list");
      assertThat(info.path()).isEqualTo("/ws");
      assertThat(info.remoteAddress().getAddress().isLoopbackAddress()).isTrue();
    }
  }
}
