package io.github.jchannels.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.jchannels.core.Channel;
import io.github.jchannels.core.Channels;
import io.github.jchannels.core.SessionEvent;
import io.github.jchannels.server.broker.History;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** PROTOCOL.md section 11 on one node (the in-memory broker), over real sockets. */
class HistoryRecoveryTest {
  static ChannelServer server;
  static URI uri;

  @BeforeAll
  static void start() {
    server = ChannelServer.builder().host("127.0.0.1").port(0)
        .history(Channels.SESSION, History.of(10, Duration.ofMinutes(5)))
        .recoveryLimit(5)
        .build().start();
    uri = URI.create("ws://127.0.0.1:" + server.port() + "/ws");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static SessionEvent.StreamOutput out(String id, String message) {
    return new SessionEvent.StreamOutput(id, message, 1L);
  }

  private static JsonNode subscribe(TestClient c, String channel, String since) {
    c.send("global", "subscribe", "{\"channel\":\"" + channel + "\""
        + (since == null ? "" : ",\"since\":" + since) + "}", "s");
    JsonNode ok = c.take();
    assertThat(ok.get("type").asText()).as(ok.toString()).isEqualTo("subscription_success");
    assertThat(ok.get("ref").asText()).isEqualTo("s");
    JsonNode welcome = c.take();
    assertThat(welcome.get("type").asText()).isEqualTo("subscribe_success");
    return ok.get("data");
  }

  @Test
  void freshSubscribeReportsTheTopAndBroadcastsCarrySeqAndEpochEncodedOnce() {
    try (TestClient a = TestClient.connect(uri)) {
      JsonNode ok = subscribe(a, "session:h1", null);
      assertThat(ok.get("recoverable").asBoolean()).isTrue();
      assertThat(ok.get("seq").asLong()).isZero();
      assertThat(ok.has("recovered")).isFalse();
      String epoch = ok.get("epoch").asText();
      assertThat(epoch).isNotEmpty();
      long before = server.metrics().encodedFrames();
      assertThat(server.broadcast(Channels.session("h1"), out("h1", "one"))).isEqualTo(1);
      assertThat(server.metrics().encodedFrames() - before).isEqualTo(1);
      JsonNode m = a.take();
      assertThat(m.toString()).isEqualTo("{\"channel\":\"session:h1\",\"type\":\"stream_output\","
          + "\"data\":{\"sessionId\":\"h1\",\"message\":\"one\",\"timestamp\":1},\"seq\":1,"
          + "\"epoch\":\"" + epoch + "\"}");
      a.assertAlive();
    }
  }

  @Test
  void resubscribeWithSinceReplaysMissedEventsAfterTheWelcomeThenLiveWithoutDuplicateOrGap() {
    Channel<SessionEvent> ch = Channels.session("h2");
    String epoch;
    try (TestClient a = TestClient.connect(uri)) {
      epoch = subscribe(a, "session:h2", null).get("epoch").asText();
      server.broadcast(ch, out("h2", "m1"));
      assertThat(a.take().get("seq").asLong()).isEqualTo(1);
    }
    for (int i = 2; i <= 4; i++) {
      server.broadcast(ch, out("h2", "m" + i));
    }
    try (TestClient b = TestClient.connect(uri)) {
      JsonNode ok = subscribe(b, "session:h2", "{\"epoch\":\"" + epoch + "\",\"seq\":1}");
      assertThat(ok.get("recovered").asBoolean()).isTrue();
      assertThat(ok.get("recoverable").asBoolean()).isTrue();
      assertThat(ok.get("seq").asLong()).isEqualTo(4);
      assertThat(ok.get("epoch").asText()).isEqualTo(epoch);
      for (int i = 2; i <= 4; i++) {
        JsonNode m = b.take();
        assertThat(m.get("seq").asLong()).isEqualTo(i);
        assertThat(m.get("data").get("message").asText()).isEqualTo("m" + i);
      }
      server.broadcast(ch, out("h2", "m5"));
      assertThat(b.take().get("seq").asLong()).isEqualTo(5);
      // Already subscribed, resubscribing after a (supposed) live gap: the answer fills it.
      JsonNode again = subscribe(b, "session:h2", "{\"epoch\":\"" + epoch + "\",\"seq\":3}");
      assertThat(again.get("recovered").asBoolean()).isTrue();
      assertThat(b.take().get("seq").asLong()).isEqualTo(4);
      assertThat(b.take().get("seq").asLong()).isEqualTo(5);
      server.broadcast(ch, out("h2", "m6"));
      assertThat(b.take().get("seq").asLong()).isEqualTo(6);
      b.assertAlive();
    }
  }

  @Test
  void otherEpochBeyondTopOrOverTheLimitIsNotRecoveredAndSendsNoOldEvent() {
    Channel<SessionEvent> ch = Channels.session("h3");
    String epoch;
    try (TestClient a = TestClient.connect(uri)) {
      epoch = subscribe(a, "session:h3", null).get("epoch").asText();
    }
    for (int i = 1; i <= 7; i++) {
      server.broadcast(ch, out("h3", "m" + i));
    }
    for (String since : new String[] {"{\"epoch\":\"other\",\"seq\":6}",
        "{\"epoch\":\"" + epoch + "\",\"seq\":8}", "{\"epoch\":\"" + epoch + "\",\"seq\":1}"}) {
      try (TestClient b = TestClient.connect(uri)) {
        JsonNode ok = subscribe(b, "session:h3", since);
        assertThat(ok.get("recovered").asBoolean()).as(since).isFalse();
        assertThat(ok.get("seq").asLong()).isEqualTo(7);
        assertThat(ok.get("epoch").asText()).isEqualTo(epoch);
        b.assertAlive();
      }
    }
    // Exactly at the limit (5 missed) recovers.
    try (TestClient b = TestClient.connect(uri)) {
      JsonNode ok = subscribe(b, "session:h3", "{\"epoch\":\"" + epoch + "\",\"seq\":2}");
      assertThat(ok.get("recovered").asBoolean()).isTrue();
      for (int i = 3; i <= 7; i++) {
        assertThat(b.take().get("seq").asLong()).isEqualTo(i);
      }
      b.assertAlive();
    }
  }

  @Test
  void sinceOnAFamilyWithoutHistoryIsNotRecoverable() {
    try (TestClient a = TestClient.connect(uri)) {
      a.send("global", "subscribe",
          "{\"channel\":\"shell:x1\",\"since\":{\"epoch\":\"e\",\"seq\":3}}", "s");
      JsonNode ok = a.take();
      assertThat(ok.get("type").asText()).as(ok.toString()).isEqualTo("subscription_success");
      assertThat(ok.get("data").toString()).isEqualTo(
          "{\"channel\":\"shell:x1\",\"recoverable\":false}");
      a.assertAlive();
    }
  }
}
