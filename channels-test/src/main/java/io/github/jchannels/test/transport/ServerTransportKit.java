package io.github.jchannels.test.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.jchannels.core.Channels;
import io.github.jchannels.core.EventRegistry;
import io.github.jchannels.core.Frame;
import io.github.jchannels.core.Reply;
import io.github.jchannels.core.SessionEvent;
import io.github.jchannels.core.time.FakeScheduler;
import io.github.jchannels.core.transport.Connection;
import io.github.jchannels.core.transport.ConnectionHandler;
import io.github.jchannels.server.ChannelServer;
import io.github.jchannels.server.ServerLimits;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Principal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The server transport compatibility kit: every case a
 * {@link io.github.jchannels.server.transport.ServerTransport} must pass to be a channels
 * transport, over real sockets on loopback: PROTOCOL.md sections 4 to 7 (every row of the
 * section 7 table the server implements), origin and authentication, per-connection ordering,
 * 1001 on shutdown, the slow consumer's 1013, one serialisation per broadcast, TLS, and no
 * thread or socket left after {@code close()}.
 *
 * <p>A transport subclasses it and says how to run a configured {@link ChannelServer.Builder}
 * on it ({@link #start}); hooks cover what transports may legitimately differ in (the HTTP
 * status of a refused upgrade, whether the core sees the TCP accept). Protocol timers run on a
 * {@link FakeScheduler} ({@link #time}) the kit puts on the builder, so no case waits for a
 * deadline: it advances time.
 *
 * <pre>{@code
 * class JwsTransportKitTest extends ServerTransportKit {
 *   protected Running start(ChannelServer.Builder builder, @Nullable KitTls tls) {
 *     builder.host("127.0.0.1").port(0);
 *     if (tls != null) builder.tls(tls.server());
 *     ChannelServer server = builder.build().start();
 *     return Running.of(server, URI.create((tls == null ? "ws" : "wss") + "://localhost:"
 *         + server.port()));
 *   }
 *   protected int originRefusalStatus() { return 404; }
 * }
 * }</pre>
 */
public abstract class ServerTransportKit {
  /** A server the kit runs: where clients connect, and how to stop everything. */
  public interface Running extends AutoCloseable {
    /** The server. */
    ChannelServer server();

    /** {@code ws://host:port} or {@code wss://localhost:port}, without a path. */
    URI base();

    /** {@link #base()} plus {@code pathAndQuery}, e.g. {@code /ws?token=a}. */
    default URI uri(String pathAndQuery) {
      return URI.create(base() + pathAndQuery);
    }

    /**
     * Closes the server and whatever hosts it (a container); returns when their threads and
     * sockets are released. Idempotent.
     */
    @Override
    void close();

    /**
     * A running server reachable at {@code base}; {@link #close()} closes it, then each of
     * {@code alsoClose} (a container) in order.
     */
    static Running of(ChannelServer server, URI base, AutoCloseable... alsoClose) {
      return new Running() {
        private boolean closed;

        @Override
        public ChannelServer server() {
          return server;
        }

        @Override
        public URI base() {
          return base;
        }

        @Override
        public synchronized void close() {
          if (closed) {
            return;
          }
          closed = true;
          server.close();
          for (AutoCloseable c : alsoClose) {
            try {
              c.close();
            } catch (Exception e) {
              throw new IllegalStateException("closing " + c + " failed", e);
            }
          }
        }
      };
    }
  }

  /** The principal the kit's authenticator gives: the bearer token, or "anon". */
  public record KitPrincipal(String getName) implements Principal {}

  /** The protocol timers' time; advance it to pass deadlines. */
  protected FakeScheduler time = new FakeScheduler();
  private final List<Running> servers = new ArrayList<>();
  private final List<KitClient> clients = new ArrayList<>();
  private @Nullable KitTls tls;
  private @Nullable Path tlsDir;

  // ------------------------------------------------------------- the transport's part

  /**
   * Runs {@code builder} (configured by the kit: registry, handlers, limits, scheduler) on the
   * transport under test, on loopback with a free port, serving {@code wss://} with
   * {@code tls.server()} when {@code tls} is not null. Returns once connections are accepted.
   */
  protected abstract Running start(ChannelServer.Builder builder, @Nullable KitTls tls)
      throws Exception;

  /** The HTTP status of an upgrade refused for its origin; 403 unless the transport cannot. */
  protected int originRefusalStatus() {
    return 403;
  }

  /** The HTTP status of an upgrade to a path the server does not serve; default 404. */
  protected int unknownPathStatus() {
    return 404;
  }

  /**
   * Whether the core's handshake deadline starts at TCP accept (a transport with its own
   * socket) rather than at the upgrade request (a container, whose HTTP timeouts cover the
   * request before it); default false. When true, the kit checks that a half-sent handshake is
   * dropped at the deadline.
   */
  protected boolean coreSeesTcpAccept() {
    return false;
  }

  /**
   * Whether a live platform thread that was not there before the server started is the
   * JVM's or the test's, not the server's (checked after {@code close()}). The kit already
   * ignores the JDK's shared pools.
   */
  protected boolean ignoredThread(Thread t) {
    return false;
  }

  // ------------------------------------------------------------- helpers

  @BeforeEach
  void freshTime() {
    time = new FakeScheduler();
  }

  @AfterEach
  void closeEverything() throws IOException {
    for (KitClient c : clients) {
      c.close();
    }
    clients.clear();
    for (Running r : servers) {
      r.close();
    }
    servers.clear();
    if (tlsDir != null) {
      try (var files = Files.list(tlsDir)) {
        for (Path p : files.toList()) {
          Files.deleteIfExists(p);
        }
      }
      Files.deleteIfExists(tlsDir);
      tlsDir = null;
      tls = null;
    }
  }

  /** The kit's builder: its family, handlers, authenticator, authorizer and fake time. */
  protected ChannelServer.Builder builder() {
    return ChannelServer.builder()
        .registry(EventRegistry.builder().withDefaults().add(KitEvent.FAMILY).build())
        .scheduler(time)
        .authenticator(h -> {
          String token = h.bearerToken().orElse("anon");
          return token.equals("bad") ? Optional.empty() : Optional.of(new KitPrincipal(token));
        })
        .authorize(Channels.SESSION, (channel, conn) -> !channel.name().equals("session:secret"))
        .handle(KitEvent.FAMILY, KitEvent.Run.class, r -> {
          Principal p = r.principal();
          r.reply(Reply.ok(Map.of("job", r.event().job().toUpperCase(Locale.ROOT),
              "by", p == null ? "" : p.getName())));
        })
        .handle(KitEvent.FAMILY, KitEvent.Fail.class, r -> {
          throw new IllegalStateException("kit internals " + r.event().why());
        })
        .handle(KitEvent.FAMILY, KitEvent.Note.class, r -> { })
        .handle(Channels.SESSION, SessionEvent.SendMessage.class, r ->
            r.publisher().broadcast(r.channel(), new SessionEvent.StreamOutput(
                r.channel().id().orElseThrow(), "echo " + r.event().message(), 1L)));
  }

  /** Starts {@code b} (plain ws://) and closes it after the test. */
  protected Running serve(ChannelServer.Builder b) throws Exception {
    Running r = start(b, null);
    servers.add(r);
    return r;
  }

  private Running serveTls(ChannelServer.Builder b) throws Exception {
    Path dir = Files.createTempDirectory("channels-kit-tls");
    tlsDir = dir;
    KitTls t = KitTls.create(dir);
    tls = t;
    Running r = start(b, t);
    servers.add(r);
    return r;
  }

  /** Upgrades at {@code pathAndQuery} with {@code headers}; the client is closed after the test. */
  protected KitClient open(Running r, String pathAndQuery, Map<String, String> headers)
      throws IOException {
    KitTls t = tls;
    KitClient c = KitClient.open(r.uri(pathAndQuery), headers, t == null ? null : t.client());
    clients.add(c);
    return c;
  }

  /** Upgrades at {@code /ws} and takes {@code connected}. */
  protected KitClient connect(Running r) throws IOException {
    return connect(r, "/ws", Map.of());
  }

  /** Upgrades and takes {@code connected}. */
  protected KitClient connect(Running r, String pathAndQuery, Map<String, String> headers)
      throws IOException {
    KitClient c = open(r, pathAndQuery, headers);
    assertThat(c.status()).as("upgrade status").isEqualTo(101);
    JsonNode first = c.take();
    assertThat(first.get("type").asText()).as(first.toString()).isEqualTo("connected");
    return c;
  }

  private static String clientId(JsonNode connected) {
    return connected.get("data").get("clientId").asText();
  }

  /** Subscribes and takes {@code subscription_success} (and the welcome if {@code welcome}). */
  protected static void join(KitClient c, String channel, boolean welcome) throws IOException {
    c.send("global", "subscribe", "{\"channel\":\"" + channel + "\"}", "j");
    JsonNode ok = c.take();
    assertThat(ok.get("type").asText()).as(ok.toString()).isEqualTo("subscription_success");
    if (welcome) {
      c.take();
    }
  }

  /** A ping/pong round trip: the connection is open and everything sent before was read. */
  protected static void assertAlive(KitClient c) throws IOException {
    c.send("global", "ping", "{\"timestamp\":424242}", "alive");
    JsonNode pong = c.take();
    assertThat(pong.get("type").asText()).as(pong.toString()).isEqualTo("pong");
    assertThat(pong.get("ref").asText()).isEqualTo("alive");
  }

  /** Takes the next message, a {@code global} {@code error} with {@code code}. */
  protected static JsonNode takeError(KitClient c, String code) throws IOException {
    JsonNode m = c.take();
    assertThat(m.get("channel").asText()).as(m.toString()).isEqualTo("global");
    assertThat(m.get("type").asText()).as(m.toString()).isEqualTo("error");
    assertThat(m.get("data").get("error").asText()).as(m.toString()).isEqualTo(code);
    assertThat(m.get("data").get("message").asText()).isNotBlank();
    return m;
  }

  private static String ping(int size) {
    String head = "{\"channel\":\"global\",\"type\":\"ping\",\"data\":{\"timestamp\":1},\"pad\":\"";
    return head + "x".repeat(size - head.length() - 2) + "\"}";
  }

  // ------------------------------------------------------------- section 4: lifecycle

  @Test
  void connectedComesFirstWithClientIdServerTimeAndHeartbeat() throws Exception {
    Running r = serve(builder());
    KitClient c = open(r, "/ws", Map.of());
    assertThat(c.status()).isEqualTo(101);
    JsonNode m = c.take();
    assertThat(m.get("channel").asText()).isEqualTo("global");
    assertThat(m.get("type").asText()).isEqualTo("connected");
    assertThat(m.get("data").get("clientId").asText()).isNotBlank();
    assertThat(m.get("data").get("serverTime").asLong()).isEqualTo(time.currentTimeMillis());
    assertThat(m.get("data").get("heartbeatIntervalMs").asLong()).isEqualTo(30_000);
    assertAlive(c);
    String id = clientId(m);
    assertThat(r.server().connection(id)).get()
        .satisfies(i -> assertThat(i.principal()).isEqualTo(new KitPrincipal("anon")))
        .satisfies(i -> assertThat(i.path()).isEqualTo("/ws"));
  }

  @Test
  void bearerHeaderWinsOverTheTokenQueryParameter() throws Exception {
    Running r = serve(builder());
    KitClient both = connect(r, "/ws?token=query", Map.of("Authorization", "Bearer header"));
    KitClient query = connect(r, "/ws?token=query", Map.of());
    for (KitClient c : List.of(both, query)) {
      join(c, "kit:who", false);
      c.send("kit:who", "run", "{\"job\":\"whoami\"}", "w");
    }
    assertThat(both.take().get("data").get("response").get("by").asText()).isEqualTo("header");
    assertThat(query.take().get("data").get("response").get("by").asText()).isEqualTo("query");
  }

  @Test
  void rejectedCredentialsGetOneUnauthorizedErrorThen1008AndNothingElse() throws Exception {
    Running r = serve(builder());
    KitClient c = open(r, "/ws?token=bad", Map.of());
    assertThat(c.status()).isEqualTo(101);
    c.send("global", "ping", "{\"timestamp\":1}", "p"); // sent at once: must not be processed
    takeError(c, "unauthorized");
    KitClient.Frame next = c.readFrame();
    while (next.opcode() == KitClient.PING) {
      next = c.readFrame();
    }
    assertThat(next.opcode()).as("the frame after the error").isEqualTo(KitClient.CLOSE);
    assertThat(next.closeCode()).isEqualTo(1008);
    assertThat(r.server().metrics().rejectedHandshakes()).isEqualTo(1);
    assertThat(r.server().connections()).isEmpty();
  }

  @Test
  void disallowedOriginIsRefusedBeforeTheUpgrade() throws Exception {
    Running r = serve(builder().allowedOrigins("https://good.example"));
    KitClient bad = open(r, "/ws", Map.of("Origin", "https://evil.example"));
    assertThat(bad.status()).as("refused origin").isEqualTo(originRefusalStatus());
    assertThat(bad.isClosedByPeer()).isTrue();
    connect(r, "/ws", Map.of("Origin", "https://good.example"));
    connect(r, "/ws", Map.of()); // no Origin: a non-browser client
    assertThat(r.server().metrics().rejectedHandshakes()).isEqualTo(1);
  }

  @Test
  void missingOriginIsRefusedWhenRequired() throws Exception {
    Running r = serve(builder().allowedOrigins("https://good.example").requireOrigin(true));
    assertThat(open(r, "/ws", Map.of()).status()).isEqualTo(originRefusalStatus());
    connect(r, "/ws", Map.of("Origin", "https://good.example"));
  }

  @Test
  void unknownPathIsRefused() throws Exception {
    Running r = serve(builder());
    assertThat(open(r, "/nope", Map.of()).status()).isEqualTo(unknownPathStatus());
  }

  @Test
  void authenticatorSlowerThanTheHandshakeTimeoutCloses1011WithoutConnected() throws Exception {
    CountDownLatch called = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Running r = serve(builder()
        .authenticator(h -> {
          called.countDown();
          release.await(); // a stuck identity service
          return Optional.empty();
        })
        .limits(ServerLimits.builder().handshakeTimeout(Duration.ofSeconds(2)).build()));
    try {
      KitClient c = open(r, "/ws", Map.of());
      assertThat(c.status()).isEqualTo(101);
      assertThat(called.await(10, TimeUnit.SECONDS)).isTrue();
      time.advance(Duration.ofMillis(1999));
      assertThat(r.server().metrics().handshakeTimeouts()).isZero();
      time.advance(Duration.ofMillis(1));
      KitClient.Frame f = c.readFrame();
      assertThat(f.opcode()).as("no connected, only the close").isEqualTo(KitClient.CLOSE);
      assertThat(f.closeCode()).isEqualTo(1011);
      assertThat(r.server().metrics().handshakeTimeouts()).isEqualTo(1);
    } finally {
      release.countDown();
    }
  }

  @Test
  void halfSentHandshakeIsDroppedAtTheHandshakeDeadline() throws Exception {
    assumeThat(coreSeesTcpAccept()).as("the container times out incomplete requests").isTrue();
    Running r = serve(builder()
        .limits(ServerLimits.builder().handshakeTimeout(Duration.ofSeconds(3)).build()));
    int pending = time.pending(); // the ping timer
    try (var s = KitClient.socket(r.base(), null, 0)) {
      s.getOutputStream().write("GET /ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
          .getBytes(StandardCharsets.US_ASCII)); // no blank line: the request never ends
      s.getOutputStream().flush();
      time.awaitPending(pending + 1, Duration.ofSeconds(10)); // the deadline is armed
      time.advance(Duration.ofMillis(2999));
      assertThat(r.server().metrics().handshakeTimeouts()).isZero();
      time.advance(Duration.ofMillis(1));
      assertThat(s.getInputStream().read()).as("dropped by the server").isEqualTo(-1);
    }
    assertThat(r.server().metrics().handshakeTimeouts()).isEqualTo(1);
  }

  // ------------------------------------------------------------- section 5: global

  @Test
  void subscribeAnswersSuccessThenWelcomeWithTheRefEveryTime() throws Exception {
    Running r = serve(builder());
    KitClient c = connect(r);
    for (int i = 0; i < 2; i++) {
      c.send("global", "subscribe", "{\"channel\":\"session:abc\"}", "s" + i);
      assertThat(c.take().toString()).isEqualTo("{\"channel\":\"global\","
          + "\"type\":\"subscription_success\",\"data\":{\"channel\":\"session:abc\"},"
          + "\"ref\":\"s" + i + "\"}");
      assertThat(c.take().toString()).isEqualTo("{\"channel\":\"session:abc\","
          + "\"type\":\"subscribe_success\",\"data\":{\"sessionId\":\"abc\"}}");
    }
    assertThat(r.server().subscriberCount(Channels.session("abc"))).isEqualTo(1);
  }

  @Test
  void subscriptionErrorsCarryCodeChannelAndRef() throws Exception {
    Running r = serve(builder()
        .limits(ServerLimits.builder().maxSubscriptionsPerConnection(1).build()));
    KitClient c = connect(r);
    join(c, "kit:1", false);
    Map<String, String> cases = Map.of("global", "invalid_channel", "session", "invalid_channel",
        "Bad Name", "invalid_channel", "nope:1", "unknown_channel", "session:secret",
        "unauthorized", "kit:2", "limit_exceeded");
    for (Map.Entry<String, String> e : cases.entrySet()) {
      c.send("global", "subscribe", "{\"channel\":\"" + e.getKey() + "\"}", "r");
      JsonNode m = c.take();
      assertThat(m.get("type").asText()).as(m.toString()).isEqualTo("subscription_error");
      assertThat(m.get("data").get("error").asText()).as(e.getKey()).isEqualTo(e.getValue());
      assertThat(m.get("data").get("channel").asText()).isEqualTo(e.getKey());
      assertThat(m.get("ref").asText()).isEqualTo("r");
    }
    assertAlive(c);
  }

  @Test
  void unsubscribeIsIdempotentAndStopsDelivery() throws Exception {
    Running r = serve(builder());
    KitClient c = connect(r);
    join(c, "session:u", true);
    for (int i = 0; i < 2; i++) {
      c.send("global", "unsubscribe", "{\"channel\":\"session:u\"}", "u" + i);
      assertThat(c.take().toString()).isEqualTo("{\"channel\":\"global\","
          + "\"type\":\"unsubscribed\",\"data\":{\"channel\":\"session:u\"},\"ref\":\"u" + i
          + "\"}");
    }
    r.server().broadcast(Channels.session("u"), new SessionEvent.StreamOutput("u", "x", 1));
    c.send("session:u", "send_message", "{\"message\":\"x\"}", null);
    takeError(c, "not_subscribed");
  }

  @Test
  void pingIsAnsweredWithPongEchoingTimestampAndRef() throws Exception {
    Running r = serve(builder());
    KitClient c = connect(r);
    c.send("global", "ping", "{\"timestamp\":1700000000123}", "p1");
    assertThat(c.take().toString()).isEqualTo("{\"channel\":\"global\",\"type\":\"pong\","
        + "\"data\":{\"timestamp\":1700000000123},\"ref\":\"p1\"}");
    c.send("global", "ping", "{\"timestamp\":5}", null);
    assertThat(c.take().has("ref")).isFalse();
  }

  @Test
  void webSocketPingIsAnsweredWithAPongCarryingItsPayload() throws Exception {
    Running r = serve(builder());
    KitClient c = connect(r);
    c.sendPing("kit-ping".getBytes(StandardCharsets.UTF_8));
    KitClient.Frame f = c.readFrame();
    assertThat(f.opcode()).isEqualTo(KitClient.PONG);
    assertThat(f.text()).isEqualTo("kit-ping");
    assertAlive(c);
  }

  @Test
  void silentPeerIsDroppedAfterOneAndAHalfPingIntervals() throws Exception {
    Running r = serve(builder()
        .limits(ServerLimits.builder().pingInterval(Duration.ofSeconds(1)).build()));
    KitClient c = connect(r).autoPong(false);
    assertThat(r.server().connections()).hasSize(1);
    time.advance(Duration.ofSeconds(1)); // a ping; the peer stays silent
    KitClient.Frame ping = c.readFrame();
    assertThat(ping.opcode()).isEqualTo(KitClient.PING);
    assertThat(r.server().connections()).hasSize(1);
    time.advance(Duration.ofSeconds(1)); // silent for 2 s > 1.5 intervals
    assertThat(c.isClosedByPeer()).isTrue();
  }

  // ------------------------------------------------------------- section 6: traffic

  @Test
  void broadcastReachesSubscribersOnlyAndIsSerialisedOnce() throws Exception {
    Running r = serve(builder());
    List<KitClient> subscribers = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      KitClient c = connect(r);
      join(c, "kit:fan", false);
      subscribers.add(c);
    }
    KitClient other = connect(r);
    join(other, "kit:elsewhere", false);
    long before = r.server().metrics().encodedFrames();
    int reached = r.server().broadcast(KitEvent.FAMILY.channel("fan"),
        new KitEvent.Item(7, "x".repeat(2000)));
    assertThat(reached).isEqualTo(3);
    assertThat(r.server().metrics().encodedFrames() - before).as("serialisations").isEqualTo(1);
    for (KitClient c : subscribers) {
      JsonNode m = c.take();
      assertThat(m.get("channel").asText()).isEqualTo("kit:fan");
      assertThat(m.get("data").get("n").asLong()).isEqualTo(7);
    }
    assertAlive(other); // its next message is its own pong: the broadcast did not reach it
  }

  @Test
  void eventsToOneConnectionArriveInTheOrderTheyWereSent() throws Exception {
    Running r = serve(builder());
    KitClient c = connect(r);
    join(c, "kit:order", false);
    String id = r.server().connections().get(0).id();
    for (int i = 0; i < 500; i++) {
      if (i % 2 == 0) {
        r.server().broadcast(KitEvent.FAMILY.channel("order"), new KitEvent.Item(i, "b"));
      } else {
        r.server().send(id, KitEvent.FAMILY.channel("order"), new KitEvent.Item(i, "s"));
      }
    }
    for (int i = 0; i < 500; i++) {
      assertThat(c.take().get("data").get("n").asLong()).isEqualTo(i);
    }
  }

  @Test
  void requestGetsExactlyOneReplyToTheRequesterOnly() throws Exception {
    Running r = serve(builder());
    KitClient a = connect(r, "/ws", Map.of("Authorization", "Bearer alice"));
    KitClient b = connect(r);
    join(a, "kit:r", false);
    join(b, "kit:r", false);
    a.send("kit:r", "run", "{\"job\":\"build\"}", "42");
    JsonNode reply = a.take();
    assertThat(reply.get("channel").asText()).isEqualTo("kit:r");
    assertThat(reply.get("type").asText()).isEqualTo("reply");
    assertThat(reply.get("ref").asText()).isEqualTo("42");
    assertThat(reply.get("data").get("status").asText()).isEqualTo("ok");
    assertThat(reply.get("data").get("response").get("job").asText()).isEqualTo("BUILD");
    assertThat(reply.get("data").get("response").get("by").asText()).isEqualTo("alice");
    a.send("kit:r", "note", "{\"text\":\"after\"}", "43");
    assertThat(a.take().get("ref").asText()).isEqualTo("43"); // no second reply to 42
    assertAlive(b);
  }

  @Test
  void clientEventIsRoutedToItsHandlerWhichBroadcasts() throws Exception {
    Running r = serve(builder());
    KitClient a = connect(r);
    KitClient b = connect(r);
    join(a, "session:chat", true);
    join(b, "session:chat", true);
    a.send("session:chat", "send_message", "{\"message\":\"hi\"}", null);
    for (KitClient c : List.of(a, b)) {
      JsonNode m = c.take();
      assertThat(m.get("type").asText()).isEqualTo("stream_output");
      assertThat(m.get("data").get("message").asText()).isEqualTo("echo hi");
    }
  }

  // ------------------------------------------------------------- section 7: errors, limits

  @Test
  void badInputGetsItsErrorAndTheConnectionStaysOpen() throws Exception {
    Running r = serve(builder());
    KitClient c = connect(r);
    String[][] rows = {
        {"{oops", "invalid_message"},
        {"[1,2]", "invalid_message"},
        {"{\"type\":\"ping\",\"data\":{}}", "invalid_message"},
        {"{\"channel\":\"global\",\"type\":\"ping\",\"data\":null}", "invalid_message"},
        {"{\"channel\":\"global\",\"type\":\"ping\",\"data\":{},\"ref\":7}", "invalid_message"},
        {"{\"channel\":\"Session:1\",\"type\":\"x\",\"data\":{}}", "invalid_channel"},
        {"{\"channel\":\"nope:1\",\"type\":\"x\",\"data\":{}}", "unknown_channel"},
        {"{\"channel\":\"session:1\",\"type\":\"nope\",\"data\":{}}", "unknown_type"},
        {"{\"channel\":\"session:1\",\"type\":\"stream_output\",\"data\":{}}", "unknown_type"},
        {"{\"channel\":\"global\",\"type\":\"connected\",\"data\":{}}", "unknown_type"},
        {"{\"channel\":\"session:1\",\"type\":\"send_message\",\"data\":{\"message\":\"x\"}}",
            "not_subscribed"},
        {"{\"channel\":\"global\",\"type\":\"ping\",\"data\":\"x\"}", "invalid_data"},
    };
    for (String[] row : rows) {
      c.sendText(row[0]);
      takeError(c, row[1]);
    }
    c.send("session:1", "nope", "{}", "r1");
    JsonNode e = takeError(c, "unknown_type");
    assertThat(e.get("ref").asText()).isEqualTo("r1");
    assertThat(e.get("data").get("channel").asText()).isEqualTo("session:1");
    assertAlive(c);
    assertThat(r.server().metrics().errorsByCode()).containsKeys("invalid_message",
        "invalid_channel", "unknown_channel", "unknown_type", "not_subscribed", "invalid_data");
  }

  @Test
  void handlerThatThrowsAnswersInternalErrorWithoutInternals() throws Exception {
    Running r = serve(builder());
    KitClient c = connect(r);
    join(c, "kit:f", false);
    c.send("kit:f", "fail", "{\"why\":\"boom\"}", "f1");
    JsonNode e = takeError(c, "internal_error");
    assertThat(e.get("ref").asText()).isEqualTo("f1");
    assertThat(e.toString()).doesNotContain("internals", "Exception", "boom");
    assertAlive(c);
  }

  @Test
  void frameAtTheSizeLimitPassesAndOneByteMoreCloses1009() throws Exception {
    Running r = serve(builder().limits(ServerLimits.builder().maxFrameSize(1000).build()));
    KitClient c = connect(r);
    c.sendText(ping(1000));
    assertThat(c.take().get("type").asText()).isEqualTo("pong");
    c.sendText(ping(1001));
    assertThat(c.awaitClose()).isEqualTo(1009);
    assertThat(r.server().metrics().closesByCode()).containsEntry(1009, 1L);
  }

  @Test
  void fragmentsAddingUpOverTheSizeLimitClose1009() throws Exception {
    Running r = serve(builder().limits(ServerLimits.builder().maxFrameSize(1000).build()));
    KitClient c = connect(r);
    String ok = ping(900);
    c.sendFragments(ok.substring(0, 300), ok.substring(300, 600), ok.substring(600));
    assertThat(c.take().get("type").asText()).isEqualTo("pong");
    String big = ping(1500);
    c.sendFragments(big.substring(0, 600), big.substring(600, 1200), big.substring(1200));
    assertThat(c.awaitClose()).isEqualTo(1009);
  }

  @Test
  void binaryFrameCloses1003() throws Exception {
    Running r = serve(builder());
    KitClient c = connect(r);
    c.sendBinary(new byte[] {1, 2, 3});
    assertThat(c.awaitClose()).isEqualTo(1003);
  }

  @Test
  void overTheRateOneRateLimitedErrorThen1008WhenItGoesOn() throws Exception {
    Running r = serve(builder().limits(ServerLimits.builder()
        .inboundRate(5, Duration.ofMinutes(1)).maxRateLimitedMessages(4).build()));
    KitClient c = connect(r);
    for (int i = 0; i < 5; i++) {
      c.send("global", "ping", "{\"timestamp\":" + i + "}", null);
      assertThat(c.take().get("type").asText()).isEqualTo("pong");
    }
    c.send("global", "ping", "{\"timestamp\":6}", null); // dropped 1: answered rate_limited
    takeError(c, "rate_limited");
    for (int i = 0; i < 3; i++) { // dropped 2 to 4: silently; the 4th closes
      c.send("global", "ping", "{\"timestamp\":7}", null);
    }
    assertThat(c.awaitClose()).isEqualTo(1008);
    assertThat(r.server().metrics().rateLimitCloses()).isEqualTo(1);
    assertThat(r.server().metrics().errorsByCode()).containsEntry("rate_limited", 1L);
  }

  @Test
  void rateWindowResetsWhenItsTimeHasPassed() throws Exception {
    Running r = serve(builder().limits(ServerLimits.builder()
        .inboundRate(2, Duration.ofSeconds(1)).build()));
    KitClient c = connect(r);
    for (int i = 0; i < 3; i++) {
      c.send("global", "ping", "{\"timestamp\":" + i + "}", null);
    }
    assertThat(c.take().get("type").asText()).isEqualTo("pong");
    assertThat(c.take().get("type").asText()).isEqualTo("pong");
    takeError(c, "rate_limited");
    time.advance(Duration.ofSeconds(1));
    assertAlive(c);
  }

  // ------------------------------------------------------------- RFC 6455 and resource rows

  /**
   * Whether the container may drop the socket right after writing its own 1002/1007 close
   * frame, so that the peer sees the connection end without it (Tomcat); default false.
   */
  protected boolean mayDropAfterProtocolError() {
    return false;
  }

  /** The close code the peer read; 1006 when the transport may drop and did. */
  private int protocolErrorClose(KitClient c) throws IOException {
    try {
      return c.awaitClose();
    } catch (IOException e) {
      if (mayDropAfterProtocolError()) {
        return 1006;
      }
      throw e;
    }
  }

  @Test
  void unmaskedClientFrameCloses1002() throws Exception {
    Running r = serve(builder());
    KitClient c = connect(r);
    c.sendFrame(KitClient.TEXT, "{\"channel\":\"global\",\"type\":\"ping\",\"data\":{}}"
        .getBytes(StandardCharsets.UTF_8), true, false);
    assertThat(protocolErrorClose(c)).isIn(1002, mayDropAfterProtocolError() ? 1006 : 1002);
  }

  @Test
  void reservedOpcodeCloses1002() throws Exception {
    Running r = serve(builder());
    KitClient c = connect(r);
    c.sendFrame(0x3, new byte[] {1}, true, true);
    assertThat(protocolErrorClose(c)).isIn(1002, mayDropAfterProtocolError() ? 1006 : 1002);
  }

  @Test
  void controlFrameOver125BytesCloses1002() throws Exception {
    Running r = serve(builder());
    KitClient c = connect(r);
    c.sendFrame(KitClient.PING, new byte[126], true, true);
    assertThat(protocolErrorClose(c)).isIn(1002, mayDropAfterProtocolError() ? 1006 : 1002);
  }

  @Test
  void fragmentedControlFrameCloses1002() throws Exception {
    Running r = serve(builder());
    KitClient c = connect(r);
    c.sendFrame(KitClient.PING, new byte[] {1}, false, true);
    assertThat(protocolErrorClose(c)).isIn(1002, mayDropAfterProtocolError() ? 1006 : 1002);
  }

  @Test
  void invalidUtf8Closes1007() throws Exception {
    Running r = serve(builder());
    KitClient c = connect(r);
    byte[] bad = {'{', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
    c.sendFrame(KitClient.TEXT, bad, true, true);
    assertThat(protocolErrorClose(c)).isIn(1007, mayDropAfterProtocolError() ? 1006 : 1007);
  }

  @Test
  void aCharacterSplitBetweenTwoFragmentsIsAccepted() throws Exception {
    Running r = serve(builder());
    KitClient c = connect(r);
    byte[] msg =
        "{\"channel\":\"global\",\"type\":\"ping\",\"data\":{\"timestamp\":1},\"ref\":\"é\"}"
        .getBytes(StandardCharsets.UTF_8);
    int split = msg.length - 3; // inside the two bytes of é
    assertThat(msg[split - 1]).isEqualTo((byte) 0xC3);
    c.sendFrame(KitClient.TEXT, Arrays.copyOfRange(msg, 0, split), false, true);
    c.sendFrame(KitClient.CONTINUATION, Arrays.copyOfRange(msg, split, msg.length), true, true);
    JsonNode pong = c.take();
    assertThat(pong.get("type").asText()).isEqualTo("pong");
    assertThat(pong.get("ref").asText()).isEqualTo("é");
  }

  /**
   * Whether the transport enforces {@code ServerLimits.messageTimeout} on a fragmented message
   * itself (it sees frames); default true. A transport that only sees whole messages or parts
   * through an API that hides the frames returns false and documents what bounds them instead.
   */
  protected boolean enforcesMessageTimeout() {
    return true;
  }

  /**
   * Whether WebSocket ping frames from the peer reach the core (which counts them against the
   * rate limit and owes at most one pong); default true. Containers that answer pings
   * themselves return false and document it.
   */
  protected boolean peerPingsReachTheCore() {
    return true;
  }

  @Test
  void fragmentedMessageNotFinishedWithinTheMessageTimeoutCloses1008() throws Exception {
    assumeThat(enforcesMessageTimeout()).as("the transport sees frames").isTrue();
    Running r = serve(builder().limits(ServerLimits.builder()
        .messageTimeout(Duration.ofSeconds(5)).build()));
    KitClient c = connect(r);
    c.sendFrame(KitClient.TEXT, "{\"channel\":".getBytes(StandardCharsets.UTF_8), false, true);
    c.sendPing(new byte[] {7}); // answered: the fragment has been read and the deadline armed
    KitClient.Frame pong = c.readFrame();
    assertThat(pong.opcode()).isEqualTo(KitClient.PONG);
    time.advance(Duration.ofMillis(4999));
    assertAlive(connect(r));
    time.advance(Duration.ofMillis(1));
    assertThat(c.awaitClose()).isEqualTo(1008);
  }

  @Test
  void pingFramesFasterThanTheRateLimitClose1008() throws Exception {
    assumeThat(peerPingsReachTheCore()).as("the core sees the peer's pings").isTrue();
    Running r = serve(builder().limits(ServerLimits.builder()
        .inboundRate(5, Duration.ofMinutes(1)).maxRateLimitedMessages(3).build()));
    KitClient c = connect(r);
    for (int i = 0; i < 20; i++) {
      c.sendPing(new byte[] {(byte) i});
    }
    assertThat(c.awaitClose()).isEqualTo(1008);
    assertThat(r.server().metrics().rateLimitCloses()).isEqualTo(1);
    assertAlive(connect(r));
  }

  /**
   * Whether an upgrade over a connection limit is answered with HTTP 503 (true, the default)
   * or, by a transport that cannot choose the status, upgraded and closed with 1013 at once
   * (PROTOCOL.md section 7).
   */
  protected boolean refusesOverLimitWith503() {
    return true;
  }

  private void assertRefusedOverLimit(KitClient over, String what) throws IOException {
    if (refusesOverLimitWith503()) {
      assertThat(over.status()).as(what).isEqualTo(503);
      assertThat(over.isClosedByPeer()).isTrue();
    } else {
      assertThat(over.status()).as(what).isEqualTo(101);
      assertThat(over.awaitClose()).as(what).isEqualTo(1013);
    }
  }

  @Test
  void overTheConnectionLimitTheUpgradeIsRefused() throws Exception {
    Running r = serve(builder().limits(ServerLimits.builder().maxConnections(2).build()));
    KitClient a = connect(r);
    KitClient b = connect(r);
    KitClient over = open(r, "/ws", Map.of());
    assertRefusedOverLimit(over, "over the connection limit");
    assertAlive(a);
    b.close();
    // the slot is free again once the server has seen b go
    long end = System.nanoTime() + KitClient.TIMEOUT.toNanos();
    while (r.server().metrics().openConnections() > 1) {
      assertThat(System.nanoTime()).as("the server saw the close").isLessThan(end);
      Thread.onSpinWait();
    }
    assertAlive(connect(r));
  }

  @Test
  void overTheConnectionLimitPerAddressTheUpgradeIsRefused() throws Exception {
    Running r = serve(builder().limits(ServerLimits.builder().maxConnectionsPerAddress(1)
        .build()));
    KitClient a = connect(r);
    KitClient over = open(r, "/ws", Map.of());
    assertRefusedOverLimit(over, "over the limit per address");
    assertAlive(a);
  }

  @Test
  void slowConsumerIsClosedWith1013WhileAReaderKeepsUp() throws Exception {
    long limit = 256 * 1024;
    // the outbound budget must hold one whole frame, so the frame limit goes down with it
    Running r = serve(builder().limits(ServerLimits.builder()
        .maxFrameSize(64 * 1024).maxBufferedBytes(limit).build()));
    KitClient slow = KitClient.open(r.uri("/ws"), Map.of(), null, 4096);
    clients.add(slow);
    assertThat(slow.status()).isEqualTo(101);
    slow.take(); // connected
    join(slow, "session:flood", true);
    KitClient reader = connect(r);
    join(reader, "session:flood", true);
    String chunk = "x".repeat(32 * 1024);
    int sent = 0;
    while (r.server().metrics().slowConsumerCloses() == 0 && sent < 2048) { // up to 64 MiB
      r.server().broadcast(Channels.session("flood"),
          new SessionEvent.StreamOutput("flood", chunk, sent++));
      reader.take();
    }
    assertThat(r.server().metrics().slowConsumerCloses()).isEqualTo(1);
    assertThat(slow.awaitClose()).isEqualTo(1013); // the frames it had, then the close
    assertAlive(reader);
    assertThat(r.server().metrics().closesByCode()).containsEntry(1013, 1L);
  }

  @Test
  void unansweredCloseIsDroppedAfterTheCloseTimeout() throws Exception {
    Running r = serve(builder()
        .limits(ServerLimits.builder().closeTimeout(Duration.ofSeconds(2)).build()));
    KitClient c = connect(r);
    String id = r.server().connections().get(0).id();
    assertThat(r.server().disconnect(id, 4001, "bye")).isTrue();
    KitClient.Frame f = c.readFrame();
    assertThat(f.opcode()).isEqualTo(KitClient.CLOSE);
    assertThat(f.closeCode()).isEqualTo(4001);
    time.advance(Duration.ofSeconds(2)); // the client never answers the close frame
    assertThat(c.isClosedByPeer()).isTrue();
  }

  // ------------------------------------------------------------- endpoints, shutdown, TLS

  /** An extra endpoint that echoes text upper-cased and records its calls. */
  private static final class Upper implements ConnectionHandler {
    final List<String> calls = new CopyOnWriteArrayList<>();
    final CountDownLatch closed = new CountDownLatch(1);

    @Override
    public void onOpen(Connection connection) {
      calls.add("open");
    }

    @Override
    public void onText(Connection connection, String text) {
      connection.send(new Frame(
          "{\"echo\":\"" + text.toUpperCase(Locale.ROOT) + "\"}"));
    }

    @Override
    public void onClose(Connection connection, int code, String reason) {
      calls.add("close " + code);
      closed.countDown();
    }
  }

  @Test
  void extraEndpointGetsConnectedFirstThenItsHandler() throws Exception {
    Upper upper = new Upper();
    Running r = serve(builder().endpoint("/upper", null, upper));
    KitClient c = connect(r, "/upper", Map.of());
    c.sendText("abc");
    assertThat(c.take().get("echo").asText()).isEqualTo("ABC");
    c.sendClose(1000);
    assertThat(c.awaitClose()).isEqualTo(1000);
    assertThat(upper.closed.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(upper.calls).containsExactly("open", "close 1000");
  }

  @Test
  void shutdownClosesEveryConnectionWith1001() throws Exception {
    Running r = serve(builder().endpoint("/upper", null, new Upper()));
    KitClient a = connect(r);
    KitClient b = connect(r, "/upper", Map.of());
    join(a, "session:s", true);
    Thread closer = new Thread(r::close, "kit-closer");
    closer.start();
    assertThat(a.awaitClose()).isEqualTo(1001);
    assertThat(b.awaitClose()).isEqualTo(1001);
    closer.join(TimeUnit.SECONDS.toMillis(30));
    assertThat(closer.isAlive()).as("close() returned").isFalse();
    assertThat(a.isClosedByPeer()).isTrue();
    assertThat(b.isClosedByPeer()).isTrue();
  }

  @Test
  void tlsCarriesTheProtocol() throws Exception {
    Running r = serveTls(builder());
    assertThat(r.base().getScheme()).isEqualTo("wss");
    KitClient c = connect(r);
    join(c, "session:tls", true);
    assertAlive(c);
    r.server().broadcast(Channels.session("tls"),
        new SessionEvent.StreamOutput("tls", "x".repeat(100_000), 1));
    assertThat(c.take().get("data").get("message").asText()).hasSize(100_000);
    c.sendBinary(new byte[] {1});
    assertThat(c.awaitClose()).isEqualTo(1003);
  }

  /** Live platform threads other than the JDK's shared ones. */
  private Map<Long, String> threads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .filter(t -> !t.getName().startsWith("ForkJoinPool")
            && !t.getName().startsWith("InnocuousThread")
            && !t.getName().startsWith("VirtualThread-")
            && !t.getName().equals("Attach Listener")
            && !t.getName().equals("process reaper")
            && !ignoredThread(t))
        .collect(Collectors.toMap(Thread::threadId, Thread::getName));
  }

  @Test
  void closeLeavesNoThreadAndNoSocketBehind() throws Exception {
    Map<Long, String> before = threads();
    Running r = start(builder().endpoint("/upper", null, new Upper()), null);
    URI base = r.base();
    try {
      KitClient a = connect(r);
      KitClient b = connect(r, "/upper", Map.of());
      join(a, "session:leak", true);
      KitClient half = open(r, "/nope", Map.of()); // refused
      assertThat(half.status()).isNotEqualTo(101);
      CompletableFuture<Integer> aClose = new CompletableFuture<>();
      Thread reader = new Thread(() -> {
        try {
          aClose.complete(a.awaitClose());
        } catch (IOException e) {
          aClose.completeExceptionally(e);
        }
      }, "kit-reader");
      reader.start();
      b.close(); // one client vanishes without a close handshake
      r.close();
      assertThat(aClose.get(30, TimeUnit.SECONDS)).isEqualTo(1001);
      reader.join();
      assertThat(a.isClosedByPeer()).as("the server's socket is closed").isTrue();
    } finally {
      r.close();
    }
    Map<Long, String> left = new HashMap<>(threads());
    left.keySet().removeAll(before.keySet());
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (left.containsKey(t.threadId())) {
        t.join(TimeUnit.SECONDS.toMillis(10)); // a thread may still be on its way out
      }
    }
    Set<Long> alive = Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
        .map(Thread::threadId).collect(Collectors.toSet());
    left.keySet().retainAll(alive);
    assertThat(left).as("threads left after close()").isEmpty();
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(InetAddress.getByName(base.getHost()), base.getPort()));
      assertThat(s.getLocalPort()).as("the port is free again").isEqualTo(base.getPort());
    }
  }
}
