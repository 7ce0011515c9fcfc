package io.github.jchannels.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.jchannels.core.EventRegistry;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Handlers run off the socket threads, in order per connection, without delaying others. */
class ConcurrencyTest {
  static ChannelServer server;
  static URI uri;
  static final CopyOnWriteArrayList<String> handled = new CopyOnWriteArrayList<>();
  static final CopyOnWriteArrayList<String> threads = new CopyOnWriteArrayList<>();
  static final CountDownLatch slowStarted = new CountDownLatch(1);
  /** Holds the slow handler until the test has its other connection's pong. */
  static final CountDownLatch releaseSlow = new CountDownLatch(1);

  @BeforeAll
  static void start() {
    server = ChannelServer.builder().host("127.0.0.1").port(0)
        .registry(EventRegistry.builder().withDefaults().add(WorkEvent.FAMILY).build())
        .handle(WorkEvent.FAMILY, WorkEvent.Slow.class, r -> {
          threads.add(Thread.currentThread().toString());
          slowStarted.countDown();
          // a deliberately slow handler: it runs until the test lets it go (or millis pass)
          boolean released = releaseSlow.await(r.event().millis(), TimeUnit.MILLISECONDS);
          threads.add(released ? "released" : "not released");
        })
        .handle(WorkEvent.FAMILY, WorkEvent.Note.class, r -> {
          threads.add(Thread.currentThread().toString());
          handled.add(r.connectionId() + ":" + r.event().text());
        })
        .limits(ServerLimits.builder().inboundRate(10_000, Duration.ofSeconds(1)).build())
        .build().start();
    uri = URI.create("ws://127.0.0.1:" + server.port() + "/ws");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void aHandlerThatDoesNotReturnDoesNotDelayAnotherConnectionsPong() throws Exception {
    try (TestClient slow = TestClient.connect(uri); TestClient other = TestClient.connect(uri)) {
      slow.join("work:slow", false);
      // held far longer than the client's wait for a pong (TestClient.WAIT, 10 s): a pong that
      // had to wait for this handler would fail assertAlive
      slow.send("work:slow", "slow", "{\"millis\":60000}", "s1");
      assertThat(slowStarted.await(TestClient.WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
      other.assertAlive(); // while the slow handler still runs
      assertThat(slow.messages).as("the slow handler's reply before it was let go").isEmpty();
      releaseSlow.countDown();
      // the slow connection's own reply comes when its handler is done
      JsonNode reply = slow.take();
      assertThat(reply.get("type").asText()).isEqualTo("reply");
    }
    assertThat(threads).contains("released").doesNotContain("not released");
    assertThat(threads).allSatisfy(t -> assertThat(t).doesNotContain("WebSocket"));
  }

  @Test
  void eventsOfOneConnectionAreHandledInOrderWhileConnectionsRunInParallel() {
    try (TestClient a = TestClient.connect(uri); TestClient b = TestClient.connect(uri)) {
      a.join("work:o", false);
      b.join("work:o", false);
      for (int i = 0; i < 500; i++) {
        a.send("work:o", "note", "{\"text\":\"" + i + "\"}", null);
        b.send("work:o", "note", "{\"text\":\"" + i + "\"}", null);
      }
      a.assertAlive();
      b.assertAlive();
      Awaitility.await().until(() -> handled.stream()
          .filter(s -> s.startsWith(a.clientId) || s.startsWith(b.clientId)).count() == 1000);
      for (TestClient c : List.of(a, b)) {
        List<String> mine = handled.stream().filter(s -> s.startsWith(c.clientId + ":"))
            .map(s -> s.substring(c.clientId.length() + 1)).toList();
        assertThat(mine).hasSize(500);
        for (int i = 0; i < 500; i++) {
          assertThat(mine.get(i)).isEqualTo(Integer.toString(i));
        }
      }
    }
  }
}
