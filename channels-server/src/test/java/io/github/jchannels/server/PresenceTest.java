package io.github.jchannels.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.jchannels.core.Channels;
import io.github.jchannels.core.ClientEvent;
import io.github.jchannels.core.Event;
import io.github.jchannels.core.EventRegistry;
import io.github.jchannels.core.Family;
import io.github.jchannels.core.SessionEvent;
import io.github.jchannels.core.WireType;
import io.github.jchannels.core.time.FakeScheduler;
import io.github.jchannels.server.broker.History;
import io.github.jchannels.server.broker.PresenceEntry;
import java.net.URI;
import java.security.Principal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** PROTOCOL.md section 12 on one node (the in-memory broker), over real sockets. */
class PresenceTest {
  private static final Duration WINDOW = Presence.DEFAULT_WINDOW;
  private final FakeScheduler time = new FakeScheduler();
  private final List<TestClient> clients = new ArrayList<>();
  private ChannelServer server;
  private URI uri;

  private void start(Presence presence) {
    start(ChannelServer.builder().presence(Channels.SESSION, presence));
  }

  private void start(ChannelServer.Builder b) {
    server = b.host("127.0.0.1").port(0).scheduler(time)
        .authenticator(Authenticator.bearer(PresenceTest::principal))
        .build().start();
    uri = URI.create("ws://127.0.0.1:" + server.port() + "/ws");
  }

  private static Optional<Principal> principal(String token) {
    return token.startsWith("t-") ? Optional.of(() -> token.substring(2)) : Optional.empty();
  }

  @AfterEach
  void stop() {
    for (TestClient c : clients) {
      c.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private TestClient client(String user) {
    TestClient c = TestClient.connect(uri, Map.of("Authorization", "Bearer t-" + user));
    clients.add(c);
    return c;
  }

  /** Subscribes and checks success, welcome and presence_state; returns the state's entries. */
  private static JsonNode join(TestClient c, String channel) {
    c.subscribe(channel, "j");
    JsonNode ok = c.take();
    assertThat(ok.get("type").asText()).as(ok.toString()).isEqualTo("subscription_success");
    JsonNode welcome = c.take();
    assertThat(welcome.get("type").asText()).as(welcome.toString()).isEqualTo("subscribe_success");
    JsonNode state = c.take();
    assertThat(state.get("type").asText()).as(state.toString()).isEqualTo("presence_state");
    assertThat(state.get("channel").asText()).isEqualTo(channel);
    return state.get("data").get("entries");
  }

  private static JsonNode takeDiff(TestClient c) {
    JsonNode d = c.take();
    assertThat(d.get("type").asText()).as(d.toString()).isEqualTo("presence_diff");
    return d.get("data");
  }

  private static Set<String> connIds(JsonNode byKey) {
    Set<String> out = new HashSet<>();
    byKey.properties().forEach(e -> e.getValue().forEach(x -> out.add(
        x.get("connId").asText())));
    return out;
  }

  @Test
  void defaultsAreDocumentedValues() {
    Presence p = Presence.defaults();
    assertThat(p.maxMetaBytes()).isEqualTo(1024);
    assertThat(p.window()).isEqualTo(Duration.ofMillis(100));
    assertThat(Presence.DEFAULT_WINDOW).isEqualTo(Duration.ofMillis(100));
  }

  @Test
  void joinerGetsStateAfterTheWelcomeAndOthersGetTheJoinInOneDiff() {
    start(Presence.builder().meta(info -> Map.of("name", info.principal().getName()
        .toUpperCase(Locale.ROOT))).build());
    TestClient alice = client("alice");
    JsonNode first = join(alice, "session:p1");
    assertThat(first.size()).isEqualTo(1);
    JsonNode self = first.get("alice").get(0);
    assertThat(self.get("connId").asText()).isEqualTo(alice.clientId);
    assertThat(self.get("joinedAt").asLong()).isEqualTo(time.currentTimeMillis());
    assertThat(self.get("meta").toString()).isEqualTo("{\"name\":\"ALICE\"}");

    TestClient bob = client("bob");
    JsonNode second = join(bob, "session:p1");
    assertThat(connIds(second)).containsExactlyInAnyOrder(alice.clientId, bob.clientId);
    // Nothing before the window closes.
    alice.assertAlive();
    time.advance(WINDOW);
    JsonNode diff = takeDiff(alice);
    assertThat(diff.get("leaves").size()).isZero();
    assertThat(connIds(diff.get("joins"))).containsExactlyInAnyOrder(alice.clientId,
        bob.clientId);
    assertThat(diff.get("joins").get("bob").get(0).get("meta").toString())
        .isEqualTo("{\"name\":\"BOB\"}");
    // Bob gets the same diff (his state already had both: applying it changes nothing).
    assertThat(takeDiff(bob)).isEqualTo(diff);

    Map<String, List<PresenceEntry>> now = server.presence(Channels.session("p1"));
    assertThat(now.keySet()).containsExactly("alice", "bob");
    assertThat(now.get("bob").get(0).connId()).isEqualTo(bob.clientId);
    assertThat(now.get("bob").get(0).meta()).isEqualTo("{\"name\":\"BOB\"}");
  }

  @Test
  void oneKeyHoldsOneEntryPerConnection() {
    start(Presence.defaults());
    TestClient a1 = client("alice");
    TestClient a2 = client("alice");
    join(a1, "session:k");
    JsonNode state = join(a2, "session:k");
    assertThat(state.size()).isEqualTo(1);
    assertThat(state.get("alice").isArray()).isTrue();
    assertThat(connIds(state))
        .containsExactlyInAnyOrder(a1.clientId, a2.clientId);
    assertThat(server.presence(Channels.session("k")).get("alice")).hasSize(2);
  }

  @Test
  void unsubscribeCloseAndADroppedConnectionAreLeaves() {
    start(Presence.defaults());
    TestClient watcher = client("w");
    join(watcher, "session:l");
    TestClient a = client("a");
    TestClient b = client("b");
    TestClient c = client("c");
    join(a, "session:l");
    join(b, "session:l");
    join(c, "session:l");
    time.advance(WINDOW);
    assertThat(connIds(takeDiff(watcher).get("joins"))).hasSize(4);
    for (TestClient x : List.of(a, b, c)) {
      assertThat(connIds(takeDiff(x).get("joins"))).hasSize(4);
    }

    a.send("global", "unsubscribe", "{\"channel\":\"session:l\"}", "u");
    assertThat(a.take().get("type").asText()).isEqualTo("unsubscribed");
    time.advance(WINDOW);
    JsonNode d1 = takeDiff(watcher);
    assertThat(connIds(d1.get("leaves"))).containsExactly(a.clientId);
    assertThat(d1.get("joins").size()).isZero();

    b.close();
    String cId = c.clientId;
    c.drop();
    // both leaves are in the server's presence (which arms the diff's window) before the clock
    // moves; the subscriber count drops earlier, before the leave is recorded
    await().atMost(TestClient.WAIT)
        .until(() -> server.presence(Channels.session("l")).keySet().equals(Set.of("w")));
    time.advance(WINDOW);
    JsonNode d2 = takeDiff(watcher);
    assertThat(connIds(d2.get("leaves"))).containsExactlyInAnyOrder(b.clientId, cId);
    assertThat(server.presence(Channels.session("l")).keySet()).containsExactly("w");
    watcher.assertAlive();
  }

  @Test
  void presenceUpdateRepliesAndIsALeaveAndAJoinInOneDiff() {
    start(Presence.defaults());
    TestClient watcher = client("w");
    TestClient alice = client("alice");
    join(watcher, "session:u");
    join(alice, "session:u");
    time.advance(WINDOW);
    takeDiff(watcher);
    takeDiff(alice);

    alice.send("session:u", "presence_update", "{\"meta\":{\"typing\":true}}", "7");
    JsonNode reply = alice.take();
    assertThat(reply.toString()).isEqualTo("{\"channel\":\"session:u\",\"type\":\"reply\","
        + "\"data\":{\"status\":\"ok\"},\"ref\":\"7\"}");
    time.advance(WINDOW);
    JsonNode d = takeDiff(watcher);
    assertThat(d.get("leaves").get("alice").get(0).get("meta").toString()).isEqualTo("{}");
    assertThat(d.get("joins").get("alice").get(0).get("meta").toString())
        .isEqualTo("{\"typing\":true}");
    assertThat(d.get("joins").get("alice").get(0).get("connId").asText())
        .isEqualTo(alice.clientId);
    assertThat(takeDiff(alice)).isEqualTo(d);

    // Without a ref: no reply, the diff still goes out.
    alice.send("session:u", "presence_update", "{\"meta\":{\"typing\":false}}", null);
    // no reply to wait for: the update is in the server's presence (the diff's window armed)
    await().atMost(TestClient.WAIT).ignoreExceptions().until(() -> server.presence(
        Channels.session("u"))
        .get("alice").get(0).meta().equals("{\"typing\":false}"));
    time.advance(WINDOW);
    assertThat(takeDiff(watcher).get("joins").get("alice").get(0).get("meta").toString())
        .isEqualTo("{\"typing\":false}");
    assertThat(server.presence(Channels.session("u")).get("alice").get(0).meta())
        .isEqualTo("{\"typing\":false}");
  }

  @Test
  void updatesWithinOneWindowBecomeOneDiffWithTheLatestMeta() {
    start(Presence.defaults());
    TestClient watcher = client("w");
    TestClient alice = client("alice");
    join(watcher, "session:c");
    join(alice, "session:c");
    time.advance(WINDOW);
    takeDiff(watcher);
    takeDiff(alice);
    for (int i = 1; i <= 5; i++) {
      alice.send("session:c", "presence_update", "{\"meta\":{\"n\":" + i + "}}", "r" + i);
      assertThat(alice.take().get("type").asText()).isEqualTo("reply");
    }
    time.advance(WINDOW);
    JsonNode d = takeDiff(watcher);
    assertThat(d.get("leaves").get("alice").get(0).get("meta").toString()).isEqualTo("{}");
    assertThat(d.get("joins").get("alice")).hasSize(1);
    assertThat(d.get("joins").get("alice").get(0).get("meta").toString())
        .isEqualTo("{\"n\":5}");
    watcher.assertAlive();
  }

  @Test
  void badUpdatesAreAnsweredAndChangeNothing() {
    start(Presence.defaults());
    TestClient alice = client("alice");
    alice.send("session:b", "presence_update", "{\"meta\":{}}", "n");
    assertThat(alice.takeError("not_subscribed").get("ref").asText()).isEqualTo("n");
    join(alice, "session:b");
    alice.send("session:b", "presence_update", "{\"meta\":\"x\"}", "1");
    assertThat(alice.takeError("invalid_data").get("ref").asText()).isEqualTo("1");
    alice.send("session:b", "presence_update", "{\"meta\":[1]}", "2");
    alice.takeError("invalid_data");
    alice.send("session:b", "presence_update", "{}", "3");
    alice.takeError("invalid_data");
    // presence_state and presence_diff are server to client only.
    alice.send("session:b", "presence_state", "{\"entries\":{}}", "4");
    alice.takeError("unknown_type");
    alice.send("session:b", "presence_diff", "{\"joins\":{},\"leaves\":{}}", "5");
    alice.takeError("unknown_type");
    time.advance(WINDOW);
    takeDiff(alice); // its own join
    alice.assertAlive();
    assertThat(server.presence(Channels.session("b")).get("alice").get(0).meta())
        .isEqualTo("{}");
  }

  @Test
  void metaAtTheLimitIsAcceptedAndOneByteOverIsInvalidData() {
    start(Presence.builder().maxMetaBytes(64).build());
    TestClient alice = client("alice");
    join(alice, "session:m");
    // {"v":"xxxx"} is 8 bytes of JSON around the value.
    String atLimit = "{\"v\":\"" + "x".repeat(64 - 8) + "\"}";
    assertThat(atLimit.length()).isEqualTo(64);
    alice.send("session:m", "presence_update", "{\"meta\":" + atLimit + "}", "ok");
    assertThat(alice.take().get("type").asText()).isEqualTo("reply");
    String over = "{\"v\":\"" + "x".repeat(64 - 7) + "\"}";
    alice.send("session:m", "presence_update", "{\"meta\":" + over + "}", "over");
    JsonNode e = alice.takeError("invalid_data");
    assertThat(e.get("data").get("message").asText()).contains("65 bytes").contains("64");
    // Multi-byte characters count as their UTF-8 bytes: 28 x 'é' = 56 bytes.
    alice.send("session:m", "presence_update",
        "{\"meta\":{\"v\":\"" + "\u00e9".repeat(28) + "\"}}", "utf8");
    assertThat(alice.take().get("type").asText()).isEqualTo("reply");
    alice.send("session:m", "presence_update",
        "{\"meta\":{\"v\":\"" + "\u00e9".repeat(28) + "x\"}}", "utf8over");
    alice.takeError("invalid_data");
    assertThat(server.presence(Channels.session("m")).get("alice").get(0).meta())
        .isEqualTo("{\"v\":\"" + "\u00e9".repeat(28) + "\"}");
  }

  @Test
  void defaultMetaLimitIsOneKibibyte() {
    start(Presence.defaults());
    TestClient alice = client("alice");
    join(alice, "session:kib");
    String atLimit = "{\"v\":\"" + "x".repeat(1024 - 8) + "\"}";
    alice.send("session:kib", "presence_update", "{\"meta\":" + atLimit + "}", "ok");
    assertThat(alice.take().get("type").asText()).isEqualTo("reply");
    String over = "{\"v\":\"" + "x".repeat(1024 - 7) + "\"}";
    alice.send("session:kib", "presence_update", "{\"meta\":" + over + "}", "over");
    alice.takeError("invalid_data");
  }

  @Test
  void coalescingBoundsTheFramesWhenManyJoinAtOnce() {
    start(Presence.defaults());
    int n = 60;
    List<TestClient> cs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      TestClient c = client("u" + i);
      join(c, "session:many");
      cs.add(c);
    }
    time.advance(WINDOW);
    // One window: each subscriber gets one diff with every join (n + n frames in all, not n²).
    Set<String> all = new HashSet<>();
    for (TestClient c : cs) {
      all.add(c.clientId);
    }
    for (TestClient c : cs) {
      JsonNode d = takeDiff(c);
      assertThat(connIds(d.get("joins"))).isEqualTo(all);
      c.assertAlive();
    }
  }

  @Test
  void withoutAWindowEveryChangeIsItsOwnDiff() {
    start(Presence.builder().window(Duration.ZERO).build());
    TestClient watcher = client("w");
    join(watcher, "session:z");
    assertThat(connIds(takeDiff(watcher).get("joins"))).containsExactly(watcher.clientId);
    TestClient a = client("a");
    join(a, "session:z");
    assertThat(connIds(takeDiff(watcher).get("joins"))).containsExactly(a.clientId);
    assertThat(connIds(takeDiff(a).get("joins"))).containsExactly(a.clientId);
    a.close();
    assertThat(connIds(takeDiff(watcher).get("leaves"))).containsExactly(a.clientId);
  }

  @Test
  void withHistoryTheStateComesBeforeReplayedEvents() {
    start(ChannelServer.builder().presence(Channels.SESSION, Presence.defaults())
        .history(Channels.SESSION, History.of(10, Duration.ofMinutes(5))));
    TestClient a = client("a");
    a.subscribe("session:h", "s");
    JsonNode ok = a.take();
    String epoch = ok.get("data").get("epoch").asText();
    a.take();
    a.take();
    server.broadcast(Channels.session("h"), new SessionEvent.StreamOutput("h", "one", 1L));
    assertThat(a.take().get("seq").asLong()).isEqualTo(1);
    TestClient b = client("b");
    b.send("global", "subscribe", "{\"channel\":\"session:h\",\"since\":{\"epoch\":\"" + epoch
        + "\",\"seq\":0}}", "s");
    JsonNode bok = b.take();
    assertThat(bok.get("data").get("recovered").asBoolean()).isTrue();
    assertThat(b.take().get("type").asText()).isEqualTo("subscribe_success");
    JsonNode state = b.take();
    assertThat(state.get("type").asText()).isEqualTo("presence_state");
    assertThat(state.has("seq")).isFalse();
    assertThat(connIds(state.get("data").get("entries"))).containsExactlyInAnyOrder(a.clientId,
        b.clientId);
    JsonNode replayed = b.take();
    assertThat(replayed.get("type").asText()).isEqualTo("stream_output");
    assertThat(replayed.get("seq").asLong()).isEqualTo(1);
  }

  @Test
  void repeatedSubscribeResendsTheStateWithoutASecondEntry() {
    start(Presence.defaults());
    TestClient a = client("a");
    join(a, "session:r");
    JsonNode again = join(a, "session:r");
    assertThat(connIds(again)).containsExactly(a.clientId);
    assertThat(server.presence(Channels.session("r")).get("a")).hasSize(1);
  }

  @Test
  void aFailingMetaHookStartsTheEntryWithAnEmptyObject() {
    Map<String, Object> big = new HashMap<>();
    big.put("v", "x".repeat(2000));
    start(Presence.builder().meta(info -> {
      if (info.principal().getName().equals("boom")) {
        throw new IllegalStateException("hook failed");
      }
      return big;
    }).build());
    TestClient boom = client("boom");
    assertThat(join(boom, "session:f").get("boom").get(0).get("meta").toString())
        .isEqualTo("{}");
    TestClient large = client("large");
    assertThat(join(large, "session:f").get("large").get(0).get("meta").toString())
        .isEqualTo("{}");
  }

  @Test
  void familiesWithoutPresenceSendNoPresenceFramesAndRefuseTheQuery() {
    start(ChannelServer.builder());
    TestClient a = client("a");
    a.join("session:none", true);
    a.send("session:none", "presence_update", "{\"meta\":{}}", "x");
    a.takeError("unknown_type");
    assertThatThrownBy(() -> server.presence(Channels.session("none")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no presence");
  }

  /** A family that defines a reserved name. */
  sealed interface Clash extends Event {
    Family<Clash> FAMILY = Family.builder("clash", Clash.class).build();

    @WireType("presence_update")
    record Update(String x) implements Clash, ClientEvent {}
  }

  @Test
  void reservedNamesAreRefusedInAFamilyWithPresence() {
    assertThatThrownBy(() -> ChannelServer.builder()
        .registry(EventRegistry.builder().withDefaults().add(Clash.FAMILY).build())
        .presence(Clash.FAMILY, Presence.defaults()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reserved");
  }
}
