package io.github.jchannels.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.jchannels.core.Channel;
import io.github.jchannels.core.Channels;
import io.github.jchannels.core.GlobalEvent;
import io.github.jchannels.core.SessionEvent;
import io.github.jchannels.core.ShellEvent;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** PROTOCOL.md section 6: broadcast to exactly the subscribers, once, in order. */
class BroadcastTest {
  static ChannelServer server;
  static URI uri;

  @BeforeAll
  static void start() {
    server = ChannelServer.builder().host("127.0.0.1").port(0).build().start();
    uri = URI.create("ws://127.0.0.1:" + server.port() + "/ws");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static SessionEvent.StreamOutput out(String id, String message) {
    return new SessionEvent.StreamOutput(id, message, 1L);
  }

  @Test
  void broadcastReachesExactlyTheSubscribersOnceEachAlsoAfterDuplicateSubscribe() {
    try (TestClient a = TestClient.connect(uri); TestClient b = TestClient.connect(uri);
        TestClient c = TestClient.connect(uri)) {
      a.join("session:b1", true);
      b.join("session:b1", true);
      b.join("session:b1", true); // duplicate: still one delivery
      Channel<SessionEvent> ch = Channels.session("b1");
      long encodedBefore = server.metrics().encodedFrames();
      assertThat(server.broadcast(ch, out("b1", "first"))).isEqualTo(2);
      assertThat(server.metrics().encodedFrames() - encodedBefore).isEqualTo(1);
      for (TestClient t : List.of(a, b)) {
        JsonNode m = t.take();
        assertThat(m.toString()).isEqualTo("{\"channel\":\"session:b1\",\"type\":\"stream_output\","
            + "\"data\":{\"sessionId\":\"b1\",\"message\":\"first\",\"timestamp\":1}}");
        t.assertAlive(); // nothing else (no second copy) came before the pong
      }
      c.assertAlive(); // the third connection got nothing
      assertThat(server.subscriberCount(ch)).isEqualTo(2);
    }
  }

  @Test
  void broadcastWithoutSubscribersEncodesNothing() {
    long before = server.metrics().encodedFrames();
    assertThat(server.broadcast(Channels.session("nobody"), out("nobody", "x"))).isZero();
    assertThat(server.metrics().encodedFrames()).isEqualTo(before);
  }

  @Test
  void clientEventsCannotBeBroadcast() {
    assertThatThrownBy(() -> server.broadcast(Channels.session("x"),
        new SessionEvent.SendMessage("m"))).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void tenThousandEventsPerConnectionArriveInOrder() {
    List<TestClient> clients = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        TestClient c = TestClient.connect(uri);
        c.join("session:many", true);
        clients.add(c);
      }
      Channel<SessionEvent> ch = Channels.session("many");
      long encodedBefore = server.metrics().encodedFrames();
      for (int i = 0; i < 10_000; i++) {
        assertThat(server.broadcast(ch, out("many", Integer.toString(i)))).isEqualTo(3);
      }
      assertThat(server.metrics().encodedFrames() - encodedBefore).isEqualTo(10_000);
      for (TestClient c : clients) {
        for (int i = 0; i < 10_000; i++) {
          JsonNode m = c.take(Duration.ofSeconds(20));
          assertThat(m.get("data").get("message").asText()).isEqualTo(Integer.toString(i));
        }
      }
    } finally {
      clients.forEach(TestClient::close);
    }
  }

  @Test
  void sendReachesOneConnectionWhetherSubscribedOrNot() {
    try (TestClient a = TestClient.connect(uri); TestClient b = TestClient.connect(uri)) {
      assertThat(server.send(a.clientId, Channels.session("direct"), out("direct", "only a")))
          .isTrue();
      assertThat(a.take().get("data").get("message").asText()).isEqualTo("only a");
      b.assertAlive();
      assertThat(server.send("no-such-id", Channels.session("direct"), out("direct", "x")))
          .isFalse();
    }
  }

  @Test
  void noticeReachesEveryConnectionEncodedOnce() {
    try (TestClient a = TestClient.connect(uri); TestClient b = TestClient.connect(uri)) {
      a.join("session:n", true);
      long before = server.metrics().encodedFrames();
      int n = server.notice(Channels.session("maintenance"), out("maintenance", "restart at 5"));
      assertThat(n).isGreaterThanOrEqualTo(2);
      assertThat(server.metrics().encodedFrames() - before).isEqualTo(1);
      for (TestClient t : List.of(a, b)) {
        assertThat(t.take().get("data").get("message").asText()).isEqualTo("restart at 5");
      }
    }
  }

  @Test
  @SuppressWarnings({"rawtypes", "unchecked"}) // a raw channel, on purpose
  void typedChannelsRefuseEventsOfOtherFamiliesAtCompileTimeAndRuntime() {
    // server.broadcast(Channels.session("x"), new ShellEvent.Output("x")) does not compile;
    // raw types still fail at run time:
    @SuppressWarnings({"rawtypes", "unchecked"})
    Channel raw = Channels.session("x");
    assertThatThrownBy(() -> server.broadcast(raw, new ShellEvent.Output("x")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> server.notice(Channels.global(), new GlobalEvent.Ping(1)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
