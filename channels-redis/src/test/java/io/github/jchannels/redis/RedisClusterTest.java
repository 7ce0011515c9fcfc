package io.github.jchannels.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.jchannels.core.Channel;
import io.github.jchannels.core.Channels;
import io.github.jchannels.core.SessionEvent;
import io.github.jchannels.server.Authenticator;
import io.github.jchannels.server.ChannelServer;
import io.github.jchannels.server.Presence;
import io.github.jchannels.server.broker.BrokerEvent;
import io.github.jchannels.server.broker.BrokerException;
import io.github.jchannels.server.broker.History;
import io.lettuce.core.KillArgs;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.SlotHash;
import java.net.URI;
import java.security.Principal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two ChannelServer nodes on one real Redis Cluster (three primaries started by the test), each
 * with a cluster {@link RedisBroker}: sharded pub/sub, per-channel slots, recovery and presence
 * across nodes (docs/scale-out.md, "Redis Cluster"). Each test runs under a key prefix of its
 * own, so the tests share the cluster without sharing keys.
 */
class RedisClusterTest {
  private static final History HISTORY = History.of(100, Duration.ofMinutes(5));
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static RedisCluster cluster;
  private static final AtomicInteger PREFIXES = new AtomicInteger();

  private final List<Node> nodes = new ArrayList<>();
  private final List<WsClient> clients = new ArrayList<>();
  private final String prefix = "t" + PREFIXES.incrementAndGet();

  private record Node(ChannelServer server, RedisBroker broker, URI uri) {
    void close() {
      server.close();
      broker.close();
    }
  }

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = RedisCluster.start();
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @AfterEach
  void stopNodes() {
    for (WsClient c : clients) {
      c.close();
    }
    for (Node n : nodes) {
      n.close();
    }
  }

  private Node node(String id) {
    RedisBroker broker = broker(id);
    ChannelServer server = ChannelServer.builder().host("127.0.0.1").port(0)
        .history(Channels.SESSION, HISTORY)
        .authenticator(Authenticator.bearer(t -> Optional.<Principal>of(() -> t)))
        .broker(broker).build().start();
    return add(server, broker);
  }

  /** A node whose session family keeps presence (and no history). */
  private Node presenceNode(String id) {
    RedisBroker broker = broker(id);
    ChannelServer server = ChannelServer.builder().host("127.0.0.1").port(0)
        .authenticator(Authenticator.bearer(t -> Optional.<Principal>of(() -> t)))
        .presence(Channels.SESSION, Presence.builder().window(Duration.ZERO)
            .meta(info -> Map.of("node", id)).build())
        .broker(broker).build().start();
    return add(server, broker);
  }

  private RedisBroker broker(String id) {
    return RedisBroker.builder().cluster(cluster.seeds()).nodeId(id).keyPrefix(prefix)
        .reconnectDelayMax(Duration.ofMillis(200)).retryDelay(Duration.ofMillis(100)).build();
  }

  private Node add(ChannelServer server, RedisBroker broker) {
    Node n = new Node(server, broker, URI.create("ws://127.0.0.1:" + server.port() + "/ws"));
    nodes.add(n);
    return n;
  }

  private WsClient client(Node n, String user) {
    WsClient c = WsClient.connect(URI.create(n.uri() + "?token=" + user));
    clients.add(c);
    return c;
  }

  /** The pub/sub channel of {@code channel} under this test's prefix. */
  private String pubsubName(String channel) {
    return prefix + ":{" + channel + "}";
  }

  /**
   * A session channel whose slot belongs to primary {@code owner}, not in {@code not} nor in the
   * slot of one of them.
   */
  static String channelOn(int owner, Set<String> not) {
    Set<Integer> taken = new HashSet<>();
    for (String n : not) {
      taken.add(SlotHash.getSlot(n));
    }
    for (int i = 0; ; i++) {
      String name = "session:c" + i;
      if (RedisCluster.owner(name) == owner && !taken.contains(SlotHash.getSlot(name))) {
        return name;
      }
    }
  }

  /** Subscribers of a shard channel on its owning primary (PUBSUB SHARDNUMSUB). */
  private long shardSubscribers(String channel) {
    String name = pubsubName(channel);
    return cluster.admin(RedisCluster.owner(channel)).pubsubShardNumsub(name)
        .getOrDefault(name, 0L);
  }

  private static Channel<SessionEvent> session(String channel) {
    return Channels.session(channel.substring("session:".length()));
  }

  private static SessionEvent.StreamOutput out(String message) {
    return new SessionEvent.StreamOutput("x", message, 1L);
  }

  @Test
  void channelsOnEveryShardReachEverySubscriberOnBothNodesInOneOrder() throws Exception {
    Node a = node("a");
    Node b = node("b");
    List<String> channels = new ArrayList<>();
    for (int owner = 0; owner < 3; owner++) {
      channels.add(channelOn(owner, new HashSet<>(channels)));
    }
    assertThat(channels).extracting(RedisCluster::owner).containsExactly(0, 1, 2);
    List<WsClient> cs = List.of(client(a, "u1"), client(a, "u2"), client(b, "u3"));
    for (WsClient c : cs) {
      for (String ch : channels) {
        c.subscribe(ch, null);
      }
    }
    // Sharded pub/sub: each node holds one SSUBSCRIBE per channel, on the channel's own
    // primary, and no classic subscription anywhere.
    for (String ch : channels) {
      assertThat(shardSubscribers(ch)).as(ch).isEqualTo(2L);
    }
    for (int i = 0; i < 3; i++) {
      assertThat(cluster.admin(i).pubsubChannels()).isEmpty();
    }
    int each = 30;
    CountDownLatch go = new CountDownLatch(1);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    List<Thread> publishers = new ArrayList<>();
    for (Node n : List.of(a, b)) {
      Thread t = new Thread(() -> {
        try {
          go.await();
          for (int i = 0; i < each; i++) {
            for (String ch : channels) {
              n.server().broadcast(session(ch), out(n.broker().nodeId() + i));
            }
          }
        } catch (Throwable e) {
          failure.set(e);
        }
      });
      t.start();
      publishers.add(t);
    }
    go.countDown();
    for (Thread t : publishers) {
      t.join();
    }
    assertThat(failure.get()).isNull();
    Map<String, List<String>> first = null;
    for (WsClient c : cs) {
      Map<String, List<String>> got = new HashMap<>();
      for (int k = 0; k < 2 * each * channels.size(); k++) {
        JsonNode m = c.take();
        String ch = m.get("channel").asText();
        List<String> list = got.computeIfAbsent(ch, x -> new ArrayList<>());
        assertThat(m.get("seq").asLong()).as(ch).isEqualTo(list.size() + 1L);
        list.add(m.get("data").get("message").asText());
      }
      c.assertNothingElse();
      assertThat(got.keySet()).containsExactlyInAnyOrderElementsOf(channels);
      if (first == null) {
        first = got;
      } else {
        assertThat(got).isEqualTo(first);
      }
    }
  }

  @Test
  void aClientRecoversOnTheOtherNodeWithNothingMissingOrDuplicated() {
    Node a = node("a");
    Node b = node("b");
    String ch = channelOn(1, Set.of());
    WsClient onA = client(a, "u1");
    String epoch = onA.subscribe(ch, null).get("epoch").asText();
    for (int i = 1; i <= 3; i++) {
      b.server().broadcast(session(ch), out("e" + i));
    }
    for (int i = 1; i <= 3; i++) {
      assertThat(onA.take().get("seq").asLong()).isEqualTo(i);
    }
    onA.drop();
    for (int i = 4; i <= 6; i++) {
      a.server().broadcast(session(ch), out("e" + i));
    }
    WsClient onB = client(b, "u1");
    JsonNode ok = onB.subscribe(ch, "{\"epoch\":\"" + epoch + "\",\"seq\":3}");
    assertThat(ok.get("recovered").asBoolean()).isTrue();
    assertThat(ok.get("seq").asLong()).isEqualTo(6);
    for (int i = 4; i <= 6; i++) {
      JsonNode m = onB.take();
      assertThat(m.get("seq").asLong()).isEqualTo(i);
      assertThat(m.get("data").get("message").asText()).isEqualTo("e" + i);
    }
    a.server().broadcast(session(ch), out("e7"));
    assertThat(onB.take().get("seq").asLong()).isEqualTo(7);
    onB.assertNothingElse();
    // The stream lives on the channel's primary only, under its hash tag.
    String stream = pubsubName(ch) + ":s";
    assertThat(cluster.admin(RedisCluster.owner(ch)).xlen(stream)).isEqualTo(7);
  }

  @Test
  void aNodeWithoutSubscribersOfAChannelDoesNotSubscribeToIt() {
    Node a = node("a");
    Node b = node("b");
    String mine = channelOn(0, Set.of());
    String other = channelOn(2, Set.of());
    WsClient onA = client(a, "u1");
    onA.subscribe(mine, null);
    assertThat(shardSubscribers(mine)).isEqualTo(1L);
    assertThat(shardSubscribers(other)).isZero();
    b.server().broadcast(session(other), out("not for a"));
    b.server().broadcast(session(mine), out("for a"));
    JsonNode m = onA.take();
    assertThat(m.get("channel").asText()).isEqualTo(mine);
    assertThat(m.get("data").get("message").asText()).isEqualTo("for a");
    onA.assertNothingElse();
    // After the last local subscriber, the node's interest is withdrawn (SUNSUBSCRIBE).
    onA.send("{\"channel\":\"global\",\"type\":\"unsubscribe\","
        + "\"data\":{\"channel\":\"" + mine + "\"}}");
    await().atMost(WAIT).until(() -> shardSubscribers(mine) == 0L);
  }

  @Test
  void presenceIsSharedAcrossNodes() {
    Node a = presenceNode("a");
    Node b = presenceNode("b");
    String ch = channelOn(2, Set.of());
    WsClient alice = client(a, "alice");
    alice.subscribe(ch, null);
    Map<String, String> aliceView = new HashMap<>();
    untilKeys(alice, aliceView, Set.of("alice"));
    WsClient bob = client(b, "bob");
    bob.subscribe(ch, null);
    Map<String, String> bobView = new HashMap<>();
    untilKeys(bob, bobView, Set.of("alice", "bob"));
    assertThat(bobView).containsEntry("alice", "{\"node\":\"a\"}");
    untilKeys(alice, aliceView, Set.of("alice", "bob"));
    assertThat(aliceView).containsEntry("bob", "{\"node\":\"b\"}");
    assertThat(a.server().presence(session(ch)).keySet())
        .containsExactlyInAnyOrder("alice", "bob");
    bob.drop();
    untilKeys(alice, aliceView, Set.of("alice"));
    assertThat(b.server().presence(session(ch)).keySet()).containsExactly("alice");
  }

  /**
   * Applies presence frames to {@code view} (key → meta of its entry) until its keys are
   * {@code expected}.
   */
  private static void untilKeys(WsClient c, Map<String, String> view, Set<String> expected) {
    while (!view.keySet().equals(expected)) {
      JsonNode m = c.take();
      String type = m.get("type").asText();
      JsonNode data = m.get("data");
      if (type.equals("presence_state")) {
        view.clear();
        data.get("entries").properties().forEach(e -> view.put(e.getKey(),
            e.getValue().get(0).get("meta").toString()));
      } else {
        assertThat(type).as(m.toString()).isEqualTo("presence_diff");
        data.get("leaves").properties().forEach(e -> view.remove(e.getKey()));
        data.get("joins").properties().forEach(e -> view.put(e.getKey(),
            e.getValue().get(0).get("meta").toString()));
      }
    }
  }

  @Test
  void aKilledShardConnectionIsSubscribedAgainPerChannelAndTheGapIsFilled() throws Exception {
    Recorder ra = new Recorder();
    RedisBroker a = broker("a");
    RedisBroker b = broker("b");
    try {
      a.start(ra);
      b.start(new Recorder());
      // Two channels on one primary, in different slots: Lettuce alone would resubscribe them
      // with one SSUBSCRIBE, which the node refuses (CROSSSLOT).
      String ch1 = channelOn(1, Set.of());
      String ch2 = channelOn(1, Set.of(ch1));
      assertThat(SlotHash.getSlot(ch1)).isNotEqualTo(SlotHash.getSlot(ch2));
      a.subscribe(ch1, HISTORY).toCompletableFuture().get(10, TimeUnit.SECONDS);
      a.subscribe(ch2, HISTORY).toCompletableFuture().get(10, TimeUnit.SECONDS);
      for (int i = 1; i <= 2; i++) {
        publish(b, ch1, i);
        publish(b, ch2, i);
      }
      await().atMost(WAIT).until(() -> ra.events().size() == 4);
      RedisCommands<String, String> owner = cluster.admin(1);
      String line = owner.clientList().lines()
          .filter(l -> l.contains(" name=channels-a ") && l.contains(" ssub=2 "))
          .findFirst().orElseThrow();
      long id = Long.parseLong(line.substring(3, line.indexOf(' ')));
      // Keep a's reconnect out while events go on, so that some are surely missed.
      long count = owner.clientList().lines().count();
      owner.configSet("maxclients", Long.toString(count - 1));
      assertThat(owner.clientKill(KillArgs.Builder.id(id))).isEqualTo(1L);
      for (int i = 3; i <= 5; i++) {
        publish(b, ch1, i);
        publish(b, ch2, i);
      }
      owner.configSet("maxclients", "10000");
      await().atMost(WAIT).until(() -> shardSubscribers(ch1) == 1L && shardSubscribers(ch2) == 1L);
      publish(b, ch1, 6);
      publish(b, ch2, 6);
      await().atMost(WAIT).until(() -> ra.events().size() == 12);
      for (String ch : List.of(ch1, ch2)) {
        assertThat(ra.events()).filteredOn(e -> e.channel().equals(ch))
            .extracting(BrokerEvent::seq).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
      }
      assertThat(ra.gaps()).isEmpty();
    } finally {
      a.close();
      b.close();
    }
  }

  @Test
  void whenAChannelsSlotMovesToAnotherPrimaryTheSubscriptionFollowsAndNothingIsLost()
      throws Exception {
    // A cluster of its own: the slot map of the shared one stays as the other tests expect.
    try (RedisCluster own = RedisCluster.start()) {
      Recorder ra = new Recorder();
      List<RedisBroker> brokers = new ArrayList<>();
      try {
        for (String id : List.of("a", "b")) {
          brokers.add(RedisBroker.builder().cluster(own.seeds()).nodeId(id)
              .reconnectDelayMax(Duration.ofMillis(200)).retryDelay(Duration.ofMillis(100))
              .build());
        }
        RedisBroker a = brokers.get(0);
        RedisBroker b = brokers.get(1);
        a.start(ra);
        b.start(new Recorder());
        String ch = channelOn(0, Set.of());
        String name = "channels:{" + ch + "}";
        a.subscribe(ch, HISTORY).toCompletableFuture().get(10, TimeUnit.SECONDS);
        publish(b, ch, 1);
        publish(b, ch, 2);
        await().atMost(WAIT).until(() -> ra.events().size() == 2);
        own.moveSlot(SlotHash.getSlot(ch), 0, 1);
        // Redis ended a's sharded subscription on the old owner (SUNSUBSCRIBE); a subscribes on
        // the new one, which now has the stream and the meta too.
        await().atMost(WAIT).until(() -> own.admin(1).pubsubShardNumsub(name)
            .getOrDefault(name, 0L) == 1L);
        assertThat(own.admin(0).pubsubShardNumsub(name).getOrDefault(name, 0L)).isZero();
        for (int i = 3; i <= 4; i++) {
          publish(b, ch, i);
        }
        await().atMost(WAIT).until(() -> ra.events().size() == 4);
        assertThat(ra.events()).extracting(BrokerEvent::seq).containsExactly(1L, 2L, 3L, 4L);
        assertThat(ra.events()).extracting(BrokerEvent::epoch).containsOnly(
            ra.events().get(0).epoch());
        assertThat(ra.gaps()).isEmpty();
      } finally {
        for (RedisBroker broker : brokers) {
          broker.close();
        }
      }
    }
  }

  private static void publish(RedisBroker b, String channel, int i) throws Exception {
    b.publish(channel, "e" + i, HISTORY).toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void theClusterSettingsAreCheckedAndAnUnreachableClusterIsAClearError() {
    assertThatThrownBy(() -> RedisBroker.builder().cluster(List.of()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("seed");
    assertThatThrownBy(() -> RedisBroker.builder().uri("redis://127.0.0.1:1")
        .cluster(List.of("redis://127.0.0.1:1")).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("not both");
    assertThatThrownBy(() -> RedisBroker.builder().topologyRefreshPeriod(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("topologyRefreshPeriod");
    assertThat(RedisBroker.DEFAULT_TOPOLOGY_REFRESH_PERIOD).isEqualTo(Duration.ofSeconds(30));
    assertThatThrownBy(() -> RedisBroker.builder().cluster(List.of("redis://127.0.0.1:1"))
        .connectTimeout(Duration.ofSeconds(2)).build())
        .isInstanceOf(BrokerException.class)
        .hasMessageContaining("cannot connect to the Redis Cluster at 127.0.0.1:1");
  }
}
