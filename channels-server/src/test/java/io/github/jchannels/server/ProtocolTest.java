package io.github.jchannels.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.jchannels.core.Channels;
import io.github.jchannels.core.EventRegistry;
import io.github.jchannels.core.Reply;
import io.github.jchannels.core.SessionEvent;
import java.net.URI;
import java.security.Principal;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** PROTOCOL.md sections 4 to 7 over real sockets: every row of the section 7 table. */
class ProtocolTest {
  static ChannelServer server;
  static URI uri;
  static final CopyOnWriteArrayList<String> events = new CopyOnWriteArrayList<>();
  TestClient client;

  record User(String getName) implements Principal {}

  @BeforeAll
  static void start() {
    server = ChannelServer.builder()
        .host("127.0.0.1").port(0)
        .registry(EventRegistry.builder().withDefaults().add(WorkEvent.FAMILY).build())
        .authenticator(h -> Optional.of(new User(h.bearerToken().orElse("anon"))))
        .authorize(Channels.SESSION, (channel, conn) -> !channel.name().equals("session:secret"))
        .handle(WorkEvent.FAMILY, WorkEvent.Run.class, r -> {
          events.add("run " + r.event().job() + " by " + r.principal().getName());
          r.reply(Reply.ok(Map.of("job", r.event().job().toUpperCase(Locale.ROOT))));
        })
        .handle(WorkEvent.FAMILY, WorkEvent.Fail.class, r -> {
          throw new IllegalStateException("secret internals " + r.event().why());
        })
        .handle(WorkEvent.FAMILY, WorkEvent.Note.class, r -> events.add("note " + r.event().text()))
        .handle(Channels.SESSION, SessionEvent.SendMessage.class, r ->
            r.publisher().broadcast(r.channel(), new SessionEvent.StreamOutput(
                r.channel().id().orElseThrow(), "echo " + r.event().message(), 1L)))
        .limits(ServerLimits.builder().maxFrameSize(4096).maxSubscriptionsPerConnection(3)
            .inboundRate(1000, Duration.ofSeconds(1)).build())
        .build().start();
    uri = URI.create("ws://127.0.0.1:" + server.port() + "/ws");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @AfterEach
  void closeClient() {
    if (client != null) {
      client.close();
    }
  }

  @Test
  void connectedComesFirstWithClientIdServerTimeAndHeartbeat() {
    long before = System.currentTimeMillis();
    client = TestClient.open(uri);
    JsonNode m = client.take();
    assertThat(m.get("channel").asText()).isEqualTo("global");
    assertThat(m.get("type").asText()).isEqualTo("connected");
    assertThat(m.get("data").get("clientId").asText()).isNotBlank();
    assertThat(m.get("data").get("serverTime").asLong()).isBetween(before - 1000,
        System.currentTimeMillis() + 1000);
    assertThat(m.get("data").get("heartbeatIntervalMs").asLong()).isEqualTo(30_000);
    String id = m.get("data").get("clientId").asText();
    await().until(() -> server.connection(id).isPresent());
    assertThat(server.connection(id).orElseThrow().principal().getName()).isEqualTo("anon");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "not json | {oops | invalid_message",
      "not an object | [1,2] | invalid_message",
      "missing channel | {\"type\":\"ping\",\"data\":{}} | invalid_message",
      "mistyped channel | {\"channel\":1,\"type\":\"ping\",\"data\":{}} | invalid_message",
      "missing type | {\"channel\":\"global\",\"data\":{}} | invalid_message",
      "bad type pattern | {\"channel\":\"global\",\"type\":\"Ping\",\"data\":{}} | invalid_message",
      "missing data | {\"channel\":\"global\",\"type\":\"ping\"} | invalid_message",
      "null data | {\"channel\":\"global\",\"type\":\"ping\",\"data\":null} | invalid_message",
      "numeric ref | {\"channel\":\"global\",\"type\":\"ping\",\"data\":{},\"ref\":7} | invalid"
          + "_message",
      "malformed channel | {\"channel\":\"Session:1\",\"type\":\"x\",\"data\":{}} | invalid_cha"
          + "nnel",
      "empty id | {\"channel\":\"session:\",\"type\":\"x\",\"data\":{}} | invalid_channel",
      "unknown family | {\"channel\":\"nope:1\",\"type\":\"x\",\"data\":{}} | unknown_channel",
      "unknown type | {\"channel\":\"session:1\",\"type\":\"nope\",\"data\":{}} | unknown_type",
      "server type from client | {\"channel\":\"session:1\",\"type\":\"stream_output\",\"data\""
          + ":{}} | unknown_type",
      "connected from client | {\"channel\":\"global\",\"type\":\"connected\",\"data\":{}} | un"
          + "known_type",
      "reply from client | {\"channel\":\"global\",\"type\":\"reply\",\"data\":{},\"ref\":\"1\""
          + "} | unknown_type",
      "not joined | {\"channel\":\"session:1\",\"type\":\"send_message\",\"data\":{\"message\""
          + ":\"x\"}} | not_subscribed",
      "data not an object | {\"channel\":\"global\",\"type\":\"ping\",\"data\":\"x\"} | invalid"
          + "_data",
      "missing data field | {\"channel\":\"global\",\"type\":\"subscribe\",\"data\":{}} | inval"
          + "id_data",
      "wrong field type | {\"channel\":\"global\",\"type\":\"ping\",\"data\":{\"timestamp\":\"s"
          + "oon\"}} | invalid_data",
  })
  void badInputGetsItsErrorAndTheConnectionStaysOpen(String row, String frame, String code) {
    client = TestClient.connect(uri);
    client.send(frame);
    JsonNode error = client.takeError(code);
    assertThat(error.get("data").get("message").asText()).isNotBlank();
    client.assertAlive();
  }

  @Test
  void errorsEchoTheReadableChannelAndRef() {
    client = TestClient.connect(uri);
    client.send("session:1", "nope", "{}", "r1");
    JsonNode e = client.takeError("unknown_type");
    assertThat(e.get("ref").asText()).isEqualTo("r1");
    assertThat(e.get("data").get("channel").asText()).isEqualTo("session:1");
  }

  @Test
  void invalidDataWhenSessionIdDoesNotMatchTheChannel() {
    client = TestClient.connect(uri);
    client.join("session:s1", true);
    client.send("session:s1", "send_message", "{\"message\":\"m\",\"sessionId\":\"other\"}", "3");
    assertThat(client.takeError("invalid_data").get("ref").asText()).isEqualTo("3");
    client.assertAlive();
  }

  @Test
  void pingIsAnsweredWithPongEchoingTimestampAndRef() {
    client = TestClient.connect(uri);
    client.send("global", "ping", "{\"timestamp\":1700000000123}", "p1");
    JsonNode pong = client.take();
    assertThat(pong.toString()).isEqualTo(
        "{\"channel\":\"global\",\"type\":\"pong\",\"data\":{\"timestamp\":1700000000123},\"re"
            + "f\":\"p1\"}");
    client.send("global", "ping", "{\"timestamp\":5}", null);
    assertThat(client.take().has("ref")).isFalse();
  }

  @Test
  void subscribeAnswersSuccessThenWelcomeWithRefEveryTime() {
    client = TestClient.connect(uri);
    for (int i = 0; i < 2; i++) {
      client.subscribe("session:abc", "s" + i);
      JsonNode ok = client.take();
      assertThat(ok.toString()).isEqualTo(
          "{\"channel\":\"global\",\"type\":\"subscription_success\","
          + "\"data\":{\"channel\":\"session:abc\"},\"ref\":\"s" + i + "\"}");
      JsonNode welcome = client.take();
      assertThat(welcome.toString()).isEqualTo(
          "{\"channel\":\"session:abc\",\"type\":\"subscribe_success\",\"data\":{\"sessionId\""
              + ":\"abc\"}}");
    }
    assertThat(server.subscriberCount(Channels.session("abc"))).isEqualTo(1);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
      "global, invalid_channel",
      "session, invalid_channel",
      "session:a:b, invalid_channel",
      "Bad Name, invalid_channel",
      "nope:1, unknown_channel",
      "session:secret, unauthorized",
  })
  void subscriptionErrors(String channel, String code) {
    client = TestClient.connect(uri);
    client.subscribe(channel, "r");
    JsonNode e = client.take();
    assertThat(e.get("type").asText()).as(e.toString()).isEqualTo("subscription_error");
    assertThat(e.get("data").get("error").asText()).isEqualTo(code);
    assertThat(e.get("data").get("channel").asText()).isEqualTo(channel);
    assertThat(e.get("data").get("message").asText()).isNotBlank();
    assertThat(e.get("ref").asText()).isEqualTo("r");
    client.assertAlive();
  }

  @Test
  void subscriptionLimitAnswersLimitExceeded() {
    client = TestClient.connect(uri);
    client.join("work:1", false);
    client.join("work:2", false);
    client.join("work:3", false);
    client.subscribe("work:4", "r");
    JsonNode e = client.take();
    assertThat(e.get("data").get("error").asText()).isEqualTo("limit_exceeded");
    client.join("work:3", false); // already joined: still a success
  }

  @Test
  void unsubscribeIsIdempotent() {
    client = TestClient.connect(uri);
    client.join("session:u", true);
    for (int i = 0; i < 2; i++) {
      client.send("global", "unsubscribe", "{\"channel\":\"session:u\"}", "u" + i);
      assertThat(client.take().toString()).isEqualTo(
          "{\"channel\":\"global\",\"type\":\"unsubscribed\","
          + "\"data\":{\"channel\":\"session:u\"},\"ref\":\"u" + i + "\"}");
    }
    client.send("session:u", "send_message", "{\"message\":\"x\"}", null);
    client.takeError("not_subscribed");
  }

  @Test
  void requestGetsExactlyOneReplyFromTheHandler() {
    client = TestClient.connect(uri, Map.of("Authorization", "Bearer alice"));
    client.join("work:r", false);
    client.send("work:r", "run", "{\"job\":\"build\"}", "42");
    JsonNode reply = client.take();
    assertThat(reply.toString()).isEqualTo("{\"channel\":\"work:r\",\"type\":\"reply\","
        + "\"data\":{\"status\":\"ok\",\"response\":{\"job\":\"BUILD\"}},\"ref\":\"42\"}");
    assertThat(events).contains("run build by alice");
    client.send("work:r", "note", "{\"text\":\"after\"}", "43"); // handled after the run
    assertThat(client.take().get("ref").asText()).isEqualTo("43"); // no second reply to 42
  }

  @Test
  void requestWithoutReplyCallGetsReplyOk() {
    client = TestClient.connect(uri);
    client.join("work:n", false);
    client.send("work:n", "note", "{\"text\":\"hello\"}", "n1");
    JsonNode reply = client.take();
    assertThat(reply.toString()).isEqualTo("{\"channel\":\"work:n\",\"type\":\"reply\","
        + "\"data\":{\"status\":\"ok\"},\"ref\":\"n1\"}");
    client.send("work:n", "note", "{\"text\":\"no ref\"}", null);
    await().until(() -> events.contains("note no ref"));
    client.send("work:n", "note", "{\"text\":\"last\"}", "n2");
    assertThat(client.take().get("ref").asText()).isEqualTo("n2"); // nothing came for "no ref"
  }

  @Test
  void handlerThatThrowsAnswersInternalErrorWithRefAndNoInternals() {
    client = TestClient.connect(uri);
    client.join("work:f", false);
    client.send("work:f", "fail", "{\"why\":\"boom\"}", "f1");
    JsonNode e = client.takeError("internal_error");
    assertThat(e.get("ref").asText()).isEqualTo("f1");
    assertThat(e.get("data").get("channel").asText()).isEqualTo("work:f");
    assertThat(e.toString()).doesNotContain("secret", "Exception", "boom", "at io.");
    client.assertAlive();
    assertThat(server.metrics().errorsByCode()).containsKey("internal_error");
  }

  @Test
  void eventWithoutHandlerGetsErrorReplyWhenItHasARef() {
    client = TestClient.connect(uri);
    client.join("work:o", false);
    client.send("work:o", "orphan", "{\"text\":\"x\"}", "o1");
    JsonNode reply = client.take();
    assertThat(reply.get("type").asText()).isEqualTo("reply");
    assertThat(reply.get("data").get("status").asText()).isEqualTo("error");
    assertThat(reply.get("data").get("response").get("error").asText()).isEqualTo(
        "not_implemented");
  }

  @Test
  void clientEventIsRoutedAndHandlerBroadcastsToSubscribers() {
    client = TestClient.connect(uri);
    try (TestClient other = TestClient.connect(uri)) {
      client.join("session:chat", true);
      other.join("session:chat", true);
      client.send("session:chat", "send_message", "{\"message\":\"hi\"}", null);
      for (TestClient c : new TestClient[] {client, other}) {
        JsonNode m = c.take();
        assertThat(m.get("type").asText()).isEqualTo("stream_output");
        assertThat(m.get("data").get("message").asText()).isEqualTo("echo hi");
      }
    }
  }
}
