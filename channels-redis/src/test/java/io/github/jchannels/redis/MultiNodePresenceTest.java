package io.github.jchannels.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.jchannels.core.Channel;
import io.github.jchannels.core.Channels;
import io.github.jchannels.core.SessionEvent;
import io.github.jchannels.core.time.FakeScheduler;
import io.github.jchannels.server.Authenticator;
import io.github.jchannels.server.ChannelServer;
import io.github.jchannels.server.Presence;
import io.github.jchannels.server.broker.PresenceEntry;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.Principal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Presence (PROTOCOL.md section 12) across ChannelServer nodes in one JVM, on real sockets and a
 * real Redis. Every node and broker runs on one {@link FakeScheduler}: the presence
 * time-to-live is driven by fake time (the scripts compare expiries with the time the nodes
 * pass them), and the coalescing window is zero so that diffs go out as they arrive.
 */
class MultiNodePresenceTest {
  private static final Channel<SessionEvent> CH = Channels.session("pr");
  private static final Duration TTL = RedisBroker.DEFAULT_PRESENCE_TTL;

  private final FakeScheduler time = new FakeScheduler();
  private RedisProcess redis;
  private final List<Node> nodes = new ArrayList<>();
  private final List<WsClient> clients = new ArrayList<>();

  private record Node(ChannelServer server, RedisBroker broker, URI uri) {
    void close() {
      server.close();
      broker.close();
    }

    /**
     * Stops the node as a crash would for presence: its broker goes first, so the server's
     * leaves never reach Redis and its entries are no longer refreshed.
     */
    void kill() {
      broker.close();
      server.close();
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
    redis.stop();
  }

  private Node node(String id) {
    RedisBroker broker = RedisBroker.builder().uri(redis.uri()).nodeId(id).scheduler(time)
        .reconnectDelayMax(Duration.ofMillis(200)).retryDelay(Duration.ofMillis(100)).build();
    ChannelServer server = ChannelServer.builder().host("127.0.0.1").port(0).scheduler(time)
        .authenticator(Authenticator.bearer(MultiNodePresenceTest::principal))
        .presence(Channels.SESSION, Presence.builder().window(Duration.ZERO)
            .meta(info -> Map.of("node", id)).build())
        .broker(broker).build().start();
    Node n = new Node(server, broker, URI.create("ws://127.0.0.1:" + server.port() + "/ws"));
    nodes.add(n);
    return n;
  }

  private static Optional<Principal> principal(String token) {
    return Optional.of(() -> token);
  }

  /** A client of {@code user} on node {@code n}, subscribed, with its view of the channel. */
  private View join(Node n, String user) {
    return join(n.uri(), user);
  }

  private View join(URI node, String user) {
    WsClient c = WsClient.connect(URI.create(node + "?token=" + user));
    clients.add(c);
    c.subscribe(CH.name(), null);
    JsonNode state = c.take();
    assertThat(state.get("type").asText()).as(state.toString()).isEqualTo("presence_state");
    View v = new View(c);
    v.apply(state);
    return v;
  }

  /** What a client knows of the channel's presence: connId → key:meta, from state and diffs. */
  private static final class View {
    final WsClient client;
    final String connId;
    final TreeMap<String, String> entries = new TreeMap<>();

    View(WsClient client) {
      this.client = client;
      this.connId = client.clientId();
    }

    void apply(JsonNode frame) {
      String type = frame.get("type").asText();
      JsonNode data = frame.get("data");
      if (type.equals("presence_state")) {
        entries.clear();
        add(data.get("entries"));
      } else {
        assertThat(type).as(frame.toString()).isEqualTo("presence_diff");
        data.get("leaves").properties().forEach(k -> k.getValue().forEach(
            e -> entries.remove(e.get("connId").asText())));
        add(data.get("joins"));
      }
    }

    private void add(JsonNode byKey) {
      byKey.properties().forEach(k -> k.getValue().forEach(e -> entries.put(
          e.get("connId").asText(), k.getKey() + ":" + e.get("meta").toString())));
    }

    /** Applies diffs until the view holds exactly {@code expected} connIds. */
    JsonNode until(Set<String> expected) {
      JsonNode last = null;
      while (!entries.keySet().equals(expected)) {
        last = client.take();
        apply(last);
      }
      return last;
    }
  }

  private static Set<String> ids(View... views) {
    Set<String> s = new TreeSet<>();
    for (View v : views) {
      s.add(v.connId);
    }
    return s;
  }

  private static Map<String, List<String>> connIdsByKey(Map<String, List<PresenceEntry>> p) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    p.forEach((k, v) -> out.put(k, v.stream().map(PresenceEntry::connId).sorted().toList()));
    return new TreeMap<>(out);
  }

  @Test
  void twoNodesAgreeOnTheSameStateAndEveryClientConverges() {
    Node a = node("a");
    Node b = node("b");
    View alice = join(a, "alice");
    View bob = join(b, "bob");
    View carol = join(b, "carol");
    View alice2 = join(a, "alice");
    Set<String> all = ids(alice, bob, carol, alice2);
    for (View v : List.of(alice, bob, carol, alice2)) {
      v.until(all);
      assertThat(v.entries.get(alice.connId)).isEqualTo("alice:{\"node\":\"a\"}");
      assertThat(v.entries.get(bob.connId)).isEqualTo("bob:{\"node\":\"b\"}");
    }
    // carol's state (read on b) already held alice's entry from a.
    assertThat(connIdsByKey(a.server().presence(CH)))
        .isEqualTo(connIdsByKey(b.server().presence(CH)));
    assertThat(a.server().presence(CH).get("alice")).hasSize(2);
  }

  @Test
  void joinsUpdatesLeavesAndADroppedConnectionReachTheOtherNode() {
    Node a = node("a");
    Node b = node("b");
    View watcher = join(b, "watcher");
    View alice = join(a, "alice");
    View bob = join(a, "bob");
    watcher.until(ids(watcher, alice, bob));

    alice.client.send("{\"channel\":\"session:pr\",\"type\":\"presence_update\","
        + "\"data\":{\"meta\":{\"typing\":true}},\"ref\":\"u\"}");
    JsonNode reply = alice.client.take();
    while (!reply.get("type").asText().equals("reply")) {
      alice.apply(reply);
      reply = alice.client.take();
    }
    JsonNode d = watcher.client.take();
    assertThat(d.get("type").asText()).isEqualTo("presence_diff");
    assertThat(d.get("data").get("leaves").get("alice").get(0).get("meta").toString())
        .isEqualTo("{\"node\":\"a\"}");
    assertThat(d.get("data").get("joins").get("alice").get(0).get("meta").toString())
        .isEqualTo("{\"typing\":true}");
    watcher.apply(d);

    alice.client.send("{\"channel\":\"global\",\"type\":\"unsubscribe\","
        + "\"data\":{\"channel\":\"session:pr\"}}");
    watcher.until(ids(watcher, bob));

    bob.client.drop();
    watcher.until(ids(watcher));
    assertThat(b.server().presence(CH).keySet()).containsExactly("watcher");
    assertThat(a.server().presence(CH).keySet()).containsExactly("watcher");
  }

  @Test
  void theEntriesOfAKilledNodeLeaveWithinTheTtlAndASurvivorSendsTheLeaves() {
    Node a = node("a");
    Node b = node("b");
    View watcher = join(b, "watcher");
    View alice = join(a, "alice");
    watcher.until(ids(watcher, alice));
    a.kill();
    nodes.remove(a);
    // The entry outlives its node for now: nothing told Redis.
    assertThat(b.server().presence(CH).keySet()).containsExactlyInAnyOrder("watcher", "alice");
    time.advance(TTL.dividedBy(3));
    assertThat(b.server().presence(CH).keySet()).containsExactlyInAnyOrder("watcher", "alice");
    // Within the TTL of the kill, b's refresh removes it and publishes the leave.
    time.advance(TTL.dividedBy(3));
    JsonNode leave = watcher.until(ids(watcher));
    assertThat(leave.get("data").get("leaves").get("alice").get(0).get("connId").asText())
        .isEqualTo(alice.connId);
    assertThat(b.server().presence(CH).keySet()).containsExactly("watcher");
    // b's own entry was refreshed all along: a later joiner sees it and no ghost.
    time.advance(TTL);
    View late = join(b, "late");
    assertThat(late.entries.keySet()).isEqualTo(ids(watcher, late));
  }

  @Test
  void aNodeKilledWithKill9LosesItsEntriesOnTheSurvivorOnceTheirExpiryPasses() throws Exception {
    // The child JVM (node a) runs on real time with the default TTL: it stamps its entries'
    // expiry with its own wall clock. The survivor b runs on a fake clock started at the real
    // wall time; after the kill the test reads a's last expiry from Redis and moves b's clock
    // past it, instead of waiting for it.
    FakeScheduler clock = new FakeScheduler(Instant.now());
    RedisBroker broker = RedisBroker.builder().uri(redis.uri()).nodeId("b").scheduler(clock)
        .build();
    ChannelServer server = ChannelServer.builder().host("127.0.0.1").port(0).scheduler(clock)
        .authenticator(Authenticator.bearer(MultiNodePresenceTest::principal))
        .presence(Channels.SESSION, Presence.builder().window(Duration.ZERO).build())
        .broker(broker).build().start();
    Node b = new Node(server, broker, URI.create("ws://127.0.0.1:" + server.port() + "/ws"));
    nodes.add(b);
    View watcher = join(b, "watcher");
    Process child = startChild("a", TTL.toSeconds());
    RedisClient admin = RedisClient.create(redis.uri());
    try (StatefulRedisConnection<String, String> conn = admin.connect()) {
      View alice = join(URI.create("ws://127.0.0.1:" + childPort + "/ws"), "alice");
      assertThat(alice.entries.keySet()).isEqualTo(ids(watcher, alice));
      watcher.until(ids(watcher, alice));
      child.destroyForcibly();
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
      // Nothing told Redis: the entry outlives its node until its expiry.
      assertThat(b.server().presence(CH).keySet()).containsExactlyInAnyOrder("watcher", "alice");
      Double expiry = conn.sync().zscore("channels:{session:pr}:pz", alice.connId);
      assertThat(expiry).isNotNull();
      long until = Objects.requireNonNull(expiry).longValue() - clock.currentTimeMillis();
      clock.advance(Duration.ofMillis(Math.max(0, until - 1)));
      assertThat(b.server().presence(CH).keySet()).containsExactlyInAnyOrder("watcher", "alice");
      // Past it, b's next refresh (at most a third of the TTL later) removes it and sends the
      // leave.
      clock.advance(TTL.dividedBy(3).plusMillis(1));
      JsonNode leave = watcher.until(ids(watcher));
      assertThat(leave.get("data").get("leaves").get("alice").get(0).get("meta").toString())
          .isEqualTo("{\"node\":\"a\"}");
      assertThat(b.server().presence(CH).keySet()).containsExactly("watcher");
    } finally {
      child.destroyForcibly();
      admin.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }

  private int childPort;

  private Process startChild(String nodeId, long ttlSeconds) throws Exception {
    String java = ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        PresenceChildNode.class.getName(), redis.uri(), nodeId, Long.toString(ttlSeconds))
        .redirectErrorStream(true).start();
    CompletableFuture<Integer> port = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(),
          StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          if (line.startsWith("PORT ")) {
            port.complete(Integer.parseInt(line.substring(5).trim()));
          }
        }
      } catch (IOException e) {
        // the process ended
      }
      port.completeExceptionally(new IllegalStateException("the child node ended"));
    }, "presence-child-output");
    reader.setDaemon(true);
    reader.start();
    childPort = port.get(60, TimeUnit.SECONDS);
    return p;
  }

  @Test
  void aRestartedNodeLeavesNoGhosts() {
    Node a = node("a");
    Node b = node("b");
    View watcher = join(b, "watcher");
    View alice = join(a, "alice");
    watcher.until(ids(watcher, alice));
    a.kill();
    nodes.remove(a);
    // The same node id again: it removes what its previous run left, at once (no time passes).
    Node again = node("a");
    watcher.until(ids(watcher));
    View alice2 = join(again, "alice");
    assertThat(alice2.entries.keySet()).isEqualTo(ids(watcher, alice2));
    watcher.until(ids(watcher, alice2));
    assertThat(connIdsByKey(b.server().presence(CH)).get("alice"))
        .containsExactly(alice2.connId);
  }

  @Test
  void entriesRedisLostAreStoredAgainByTheirNode() throws Exception {
    Node a = node("a");
    View alice = join(a, "alice");
    alice.until(ids(alice));
    redis.stop();
    redis.startAgain();
    await().atMost(Duration.ofSeconds(30))
        .until(() -> a.broker().isConnected());
    // Redis forgot everything; the node's next refresh stores its entries again as joins.
    time.advance(TTL.dividedBy(3));
    await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
        .until(() -> a.server().presence(CH).containsKey("alice"));
  }
}
