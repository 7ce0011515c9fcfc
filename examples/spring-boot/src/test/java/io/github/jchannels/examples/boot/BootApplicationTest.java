package io.github.jchannels.examples.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.jchannels.client.ChannelClient;
import io.github.jchannels.client.ChannelException;
import io.github.jchannels.core.Channels;
import io.github.jchannels.core.SessionEvent;
import io.github.jchannels.core.time.FakeScheduler;
import io.github.jchannels.server.ChannelServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The application on a random port of its embedded Tomcat, driven by the channels Java client
 * over the port of the REST API: its bearer tokens and session login authenticate, its
 * {@link Rooms} service authorises, and its {@link Announcer} service broadcasts.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class BootApplicationTest {
  /** How long to wait for something to arrive: generous, a busy machine is slow. */
  private static final long TIMEOUT_S = 20;

  @LocalServerPort
  private int port;

  @Autowired
  private Announcer announcer;

  @Autowired
  private ChannelServer channels;

  /** The clients' timers (heartbeat, timeouts, backoff) run on a clock that does not move. */
  private final FakeScheduler clientTime = new FakeScheduler();

  private final HttpClient http = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(TIMEOUT_S)).build();

  @AfterEach
  void closeHttp() {
    http.close();
  }

  @Test
  void theEndpointSharesThePortOfTheEmbeddedServer() {
    assertThat(channels.transport().name()).isEqualTo("jakarta");
    assertThatThrownBy(channels::port).isInstanceOf(IllegalStateException.class);
    assertThat(port).isPositive();
  }

  @Test
  void withoutATokenTheConnectionIsRefusedAsUnauthorized() {
    try (ChannelClient anonymous = ChannelClient.builder(wsUri()).scheduler(clientTime).build()) {
      assertThatThrownBy(() -> anonymous.connect().get(TIMEOUT_S, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause().isInstanceOf(ChannelException.class)
          .satisfies(e -> assertThat(((ChannelException) e).code()).isEqualTo("unauthorized"));
    }
  }

  @Test
  void anUnknownTokenIsRefusedAsUnauthorized() {
    try (ChannelClient stranger = ChannelClient.builder(wsUri()).token(() -> "nope")
        .scheduler(clientTime).build()) {
      assertThatThrownBy(() -> stranger.connect().get(TIMEOUT_S, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause().isInstanceOf(ChannelException.class)
          .satisfies(e -> assertThat(((ChannelException) e).code()).isEqualTo("unauthorized"));
    }
  }

  @Test
  void theRoomsServiceAllowsAndDeniesSubscriptions() throws Exception {
    try (ChannelClient alice = client("alice-token"); ChannelClient root = client("root-token")) {
      alice.subscribe(Channels.session("lobby"), e -> { })
          .joined().get(TIMEOUT_S, TimeUnit.SECONDS);
      assertThatThrownBy(() -> alice.subscribe(Channels.session("admin-ops"), e -> { })
          .joined().get(TIMEOUT_S, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .hasMessageContaining("unauthorized");
      root.subscribe(Channels.session("admin-ops"), e -> { })
          .joined().get(TIMEOUT_S, TimeUnit.SECONDS);
      assertThat(channels.subscriberCount(Channels.session("admin-ops"))).isEqualTo(1);
      assertThat(channels.subscriberCount(Channels.session("lobby"))).isEqualTo(1);
    }
  }

  @Test
  void aBroadcastFromTheServiceReachesTheRoom() throws Exception {
    BlockingQueue<String> heard = new LinkedBlockingQueue<>();
    try (ChannelClient alice = client("alice-token")) {
      alice.subscribe(Channels.session("news"), outputsTo(heard))
          .joined().get(TIMEOUT_S, TimeUnit.SECONDS);

      assertThat(announcer.announce("news", "deploy at noon")).isEqualTo(1);
      assertThat(heard.poll(TIMEOUT_S, TimeUnit.SECONDS)).isEqualTo("deploy at noon");
      assertThat(announcer.announce("elsewhere", "not for alice")).isZero();
    }
  }

  @Test
  void theRestApiAndChatBroadcastOverTheSamePort() throws Exception {
    BlockingQueue<String> heard = new LinkedBlockingQueue<>();
    try (ChannelClient alice = client("alice-token")) {
      alice.subscribe(Channels.session("lobby"), outputsTo(heard))
          .joined().get(TIMEOUT_S, TimeUnit.SECONDS);

      HttpResponse<String> r = http.send(HttpRequest.newBuilder(http("/rooms/lobby/announce"))
          .header("Content-Type", "text/plain")
          .POST(HttpRequest.BodyPublishers.ofString("lunch is served")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).contains("\"delivered\":1");
      assertThat(heard.poll(TIMEOUT_S, TimeUnit.SECONDS)).isEqualTo("lunch is served");

      alice.send(Channels.session("lobby"), new SessionEvent.SendMessage("hi all", null, null));
      assertThat(heard.poll(TIMEOUT_S, TimeUnit.SECONDS)).isEqualTo("alice: hi all");
    }
  }

  @Test
  void aBrowserThatLoggedInIsKnownByItsSessionCookie() throws Exception {
    HttpResponse<String> login = http.send(HttpRequest.newBuilder(http("/login?user=bob"))
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(login.statusCode()).isEqualTo(200);
    String setCookie = login.headers().firstValue("Set-Cookie").orElseThrow();
    String cookie = setCookie.substring(0, setCookie.indexOf(';'));
    assertThat(cookie).startsWith("JSESSIONID=");

    CompletableFuture<String> first = new CompletableFuture<>();
    WebSocket ws = http.newWebSocketBuilder().header("Cookie", cookie)
        .buildAsync(wsUri(), new WebSocket.Listener() {
          @Override
          public @Nullable CompletionStage<?> onText(WebSocket socket, CharSequence data,
              boolean last) {
            first.complete(data.toString());
            return null;
          }
        }).get(TIMEOUT_S, TimeUnit.SECONDS);
    try {
      assertThat(first.get(TIMEOUT_S, TimeUnit.SECONDS)).contains("\"type\":\"connected\"");
      assertThat(channels.connections()).anySatisfy(c ->
          assertThat(c.principal()).isNotNull().extracting(p -> p.getName()).isEqualTo("bob"));
    } finally {
      ws.abort();
    }
  }

  private static Consumer<SessionEvent> outputsTo(BlockingQueue<String> heard) {
    return e -> {
      if (e instanceof SessionEvent.StreamOutput o) {
        heard.add(o.message());
      }
    };
  }

  private URI http(String pathAndQuery) {
    return URI.create("http://127.0.0.1:" + port + pathAndQuery);
  }

  private URI wsUri() {
    return URI.create("ws://127.0.0.1:" + port + "/ws");
  }

  /** A client authenticated with {@code token}, connected (its {@code connected} received). */
  private ChannelClient client(String token) throws Exception {
    ChannelClient c = ChannelClient.builder(wsUri()).token(() -> token).scheduler(clientTime)
        .build();
    try {
      c.connect().get(TIMEOUT_S, TimeUnit.SECONDS);
    } catch (Exception e) {
      c.close();
      throw e;
    }
    return c;
  }
}
