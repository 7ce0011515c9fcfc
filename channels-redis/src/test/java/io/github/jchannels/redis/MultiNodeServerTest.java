package io.github.jchannels.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.jchannels.core.Channel;
import io.github.jchannels.core.Channels;
import io.github.jchannels.core.SessionEvent;
import io.github.jchannels.server.ChannelServer;
import io.github.jchannels.server.broker.BrokerException;
import io.github.jchannels.server.broker.History;
import io.lettuce.core.KillArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Several ChannelServer nodes in one JVM on real sockets, sharing a real Redis (PROTOCOL.md
 * sections 11 and 13).
 */
class MultiNodeServerTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final Channel<SessionEvent> CH = Channels.session("m1");

  private RedisProcess redis;
  private final List<Node> nodes = new ArrayList<>();
  private final List<WsClient> clients = new ArrayList<>();
  private @Nullable RedisClient adminClient;
  private @Nullable StatefulRedisConnection<String, String> adminConnection;

  private record Node(ChannelServer server, RedisBroker broker, URI uri) {
    void close() {
      server.close();
      broker.close();
    }
  }

  @BeforeEach
  void startRedis() throws Exception {
    redis = RedisProcess.start();
  }

  @AfterEach
  void stopAll() throws Exception {
    for (WsClient c : clients) {
      c.close();
    }
    for (Node n : nodes) {
      n.close();
    }
    if (adminConnection != null) {
      adminConnection.close();
    }
    if (adminClient != null) {
      adminClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
    redis.stop();
  }

  private Node node(String id) {
    return node(id, History.of(100, Duration.ofMinutes(5)));
  }

  private Node node(String id, History history) {
    RedisBroker broker = RedisBroker.builder().uri(redis.uri()).nodeId(id)
        .reconnectDelayMax(Duration.ofMillis(200)).retryDelay(Duration.ofMillis(100)).build();
    ChannelServer server = ChannelServer.builder().host("127.0.0.1").port(0)
        .history(Channels.SESSION, history)
        .broker(broker).build().start();
    Node n = new Node(server, broker, URI.create("ws://127.0.0.1:" + server.port() + "/ws"));
    nodes.add(n);
    return n;
  }

  private WsClient client(Node n) {
    WsClient c = WsClient.connect(n.uri());
    clients.add(c);
    return c;
  }

  private static SessionEvent.StreamOutput out(String message) {
    return new SessionEvent.StreamOutput("m1", message, 1L);
  }

  @Test
  void broadcastsFromEveryNodeReachEverySubscriberInTheSameSeqOrder() throws Exception {
    Node[] ns = {node("a"), node("b"), node("c")};
    List<WsClient> cs = new ArrayList<>();
    String epoch = null;
    for (Node n : ns) {
      for (int k = 0; k < 2; k++) {
        WsClient c = client(n);
        JsonNode ok = c.subscribe("session:m1", null);
        epoch = ok.get("epoch").asText();
        cs.add(c);
      }
    }
    int each = 50;
    CountDownLatch go = new CountDownLatch(1);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    List<Thread> ts = new ArrayList<>();
    for (Node n : ns) {
      Thread t = new Thread(() -> {
        try {
          go.await();
          for (int i = 0; i < each; i++) {
            n.server().broadcast(CH, out(n.broker().nodeId() + i));
          }
        } catch (Throwable e) {
          failure.set(e);
        }
      });
      t.start();
      ts.add(t);
    }
    long encodedBefore = ns[0].server().metrics().encodedFrames();
    go.countDown();
    for (Thread t : ts) {
      t.join();
    }
    assertThat(failure.get()).isNull();
    // One serialisation per broadcast on the publishing node; none for events from others.
    assertThat(ns[0].server().metrics().encodedFrames() - encodedBefore).isEqualTo(each);
    List<String> first = null;
    for (WsClient c : cs) {
      List<String> got = new ArrayList<>();
      for (int s = 1; s <= 3 * each; s++) {
        JsonNode m = c.take();
        assertThat(m.get("seq").asLong()).isEqualTo(s);
        assertThat(m.get("epoch").asText()).isEqualTo(epoch);
        got.add(m.get("data").get("message").asText());
      }
      c.assertNothingElse();
      if (first == null) {
        first = got;
      } else {
        assertThat(got).isEqualTo(first);
      }
    }
  }

  @Test
  void aClientWhoseNodeDiesRecoversOnAnotherNodeWithNothingMissingOrDuplicated() {
    Node a = node("a");
    Node b = node("b");
    WsClient onA = client(a);
    String epoch = onA.subscribe("session:m1", null).get("epoch").asText();
    for (int i = 1; i <= 3; i++) {
      b.server().broadcast(CH, out("e" + i));
    }
    long last = 0;
    for (int i = 1; i <= 3; i++) {
      last = onA.take().get("seq").asLong();
    }
    assertThat(last).isEqualTo(3);
    a.close();
    nodes.remove(a);
    for (int i = 4; i <= 6; i++) {
      b.server().broadcast(CH, out("e" + i));
    }
    WsClient onB = client(b);
    JsonNode ok = onB.subscribe("session:m1", "{\"epoch\":\"" + epoch + "\",\"seq\":3}");
    assertThat(ok.get("recovered").asBoolean()).isTrue();
    assertThat(ok.get("seq").asLong()).isEqualTo(6);
    for (int i = 4; i <= 6; i++) {
      JsonNode m = onB.take();
      assertThat(m.get("seq").asLong()).isEqualTo(i);
      assertThat(m.get("data").get("message").asText()).isEqualTo("e" + i);
    }
    b.server().broadcast(CH, out("e7"));
    assertThat(onB.take().get("seq").asLong()).isEqualTo(7);
    onB.assertNothingElse();
  }

  @Test
  void redisRestartedWithoutPersistenceAnswersRecoveredFalseWithTheNewEpoch() throws Exception {
    Node a = node("a");
    Node b = node("b");
    WsClient c = client(a);
    String epoch = c.subscribe("session:m1", null).get("epoch").asText();
    b.server().broadcast(CH, out("old"));
    assertThat(c.take().get("seq").asLong()).isEqualTo(1);
    redis.stop();
    redis.startAgain();
    await().atMost(WAIT).ignoreExceptions().until(() -> {
      b.server().broadcast(CH, out("new"));
      return true;
    });
    WsClient again = client(b);
    JsonNode ok = again.subscribe("session:m1", "{\"epoch\":\"" + epoch + "\",\"seq\":1}");
    assertThat(ok.get("recovered").asBoolean()).isFalse();
    assertThat(ok.get("epoch").asText()).isNotEqualTo(epoch);
    assertThat(ok.get("seq").asLong()).isEqualTo(1);
    again.assertNothingElse();
  }

  @Test
  void unreachableRedisFailsBroadcastsToThePublisherAndReachesNoOneThenResumes()
      throws Exception {
    Node a = node("a");
    Node b = node("b");
    WsClient c = client(a);
    c.subscribe("session:m1", null);
    b.server().broadcast(CH, out("before"));
    assertThat(c.take().get("data").get("message").asText()).isEqualTo("before");
    redis.stop();
    await().atMost(WAIT).until(() -> !b.broker().isConnected());
    assertThatThrownBy(() -> b.server().broadcast(CH, out("lost")))
        .isInstanceOf(BrokerException.class);
    assertThatThrownBy(() -> a.server().broadcast(CH, out("lost")))
        .isInstanceOf(BrokerException.class);
    redis.startAgain();
    await().atMost(WAIT).until(() -> a.broker().isConnected() && b.broker().isConnected());
    // a resubscribes by itself; once Redis knows it again, broadcasts reach its client.
    await().atMost(WAIT).until(() -> subscribers("channels:{session:m1}") == 1L);
    b.server().broadcast(CH, out("after"));
    JsonNode m = c.take();
    assertThat(m.get("data").get("message").asText()).isEqualTo("after");
    assertThat(m.get("seq").asLong()).isEqualTo(1);
    c.assertNothingElse();
  }

  @Test
  void aNodeThatLostItsPubSubConnectionFillsTheGapForItsClients() throws Exception {
    Node a = node("a");
    Node b = node("b");
    WsClient c = client(a);
    c.subscribe("session:m1", null);
    for (int i = 1; i <= 2; i++) {
      b.server().broadcast(CH, out("e" + i));
      assertThat(c.take().get("seq").asLong()).isEqualTo(i);
    }
    cutPubSub("a");
    for (int i = 3; i <= 5; i++) {
      b.server().broadcast(CH, out("e" + i));
    }
    restorePubSub();
    b.server().broadcast(CH, out("e6"));
    for (int i = 3; i <= 6; i++) {
      JsonNode m = c.take();
      assertThat(m.get("seq").asLong()).isEqualTo(i);
      assertThat(m.get("data").get("message").asText()).isEqualTo("e" + i);
    }
    c.assertNothingElse();
  }

  @Test
  void aGapTheNodeCannotFillReachesClientsAsAJumpAndSinceAnswersRecoveredFalse()
      throws Exception {
    Node a = node("a", History.of(2, Duration.ofMinutes(5)));
    Node b = node("b", History.of(2, Duration.ofMinutes(5)));
    WsClient c = client(a);
    String epoch = c.subscribe("session:m1", null).get("epoch").asText();
    for (int i = 1; i <= 2; i++) {
      b.server().broadcast(CH, out("e" + i));
      assertThat(c.take().get("seq").asLong()).isEqualTo(i);
    }
    cutPubSub("a");
    for (int i = 3; i <= 6; i++) {
      b.server().broadcast(CH, out("e" + i));
    }
    restorePubSub();
    b.server().broadcast(CH, out("e7"));
    JsonNode next = c.take();
    assertThat(next.get("seq").asLong()).isEqualTo(7);
    assertThat(next.get("epoch").asText()).isEqualTo(epoch);
    c.assertNothingElse();
    // The client saw 2 then 7: it resubscribes from 2; 3 and 4 are gone, so nothing is sent.
    c.send("{\"channel\":\"global\",\"type\":\"subscribe\",\"data\":{\"channel\":"
        + "\"session:m1\",\"since\":{\"epoch\":\"" + epoch + "\",\"seq\":2}},\"ref\":\"r\"}");
    JsonNode ok = c.take();
    assertThat(ok.get("data").get("recovered").asBoolean()).isFalse();
    assertThat(ok.get("data").get("seq").asLong()).isEqualTo(7);
    assertThat(c.take().get("type").asText()).isEqualTo("subscribe_success");
    c.assertNothingElse();
  }

  /**
   * Kills node {@code nodeId}'s pub/sub connection and keeps it from reconnecting (maxclients
   * leaves no free slot) until {@link #restorePubSub()}; the admin connection stays open.
   */
  private void cutPubSub(String nodeId) {
    adminClient = RedisClient.create(redis.uri());
    adminConnection = adminClient.connect();
    RedisCommands<String, String> admin = adminConnection.sync();
    String line = admin.clientList().lines()
        .filter(l -> l.contains(" name=channels-" + nodeId + "-pubsub "))
        .findFirst().orElseThrow();
    long id = Long.parseLong(line.substring(3, line.indexOf(' ')));
    long clients = admin.clientList().lines().count();
    admin.configSet("maxclients", Long.toString(clients - 1));
    assertThat(admin.clientKill(KillArgs.Builder.id(id))).isEqualTo(1L);
  }

  /** Lets the node reconnect, and waits until its subscription is back. */
  private void restorePubSub() {
    RedisCommands<String, String> admin = Objects.requireNonNull(adminConnection).sync();
    admin.configSet("maxclients", "10000");
    await().atMost(WAIT).until(() -> admin.pubsubNumsub("channels:{session:m1}")
        .getOrDefault("channels:{session:m1}", 0L) == 1L);
  }

  private long subscribers(String pubsubChannel) {
    RedisClient admin = RedisClient.create(redis.uri());
    try (StatefulRedisConnection<String, String> conn = admin.connect()) {
      return conn.sync().pubsubNumsub(pubsubChannel).getOrDefault(pubsubChannel, 0L);
    } finally {
      admin.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }
}
