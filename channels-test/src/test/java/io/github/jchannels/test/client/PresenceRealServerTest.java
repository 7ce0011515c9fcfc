package io.github.jchannels.test.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.jchannels.client.ChannelClient;
import io.github.jchannels.client.ChannelException;
import io.github.jchannels.client.ChannelPresence;
import io.github.jchannels.client.ClientSubscription;
import io.github.jchannels.client.ConnectionState;
import io.github.jchannels.client.PresenceEntry;
import io.github.jchannels.client.ReconnectJitter;
import io.github.jchannels.core.Channel;
import io.github.jchannels.core.Channels;
import io.github.jchannels.core.SessionEvent;
import io.github.jchannels.core.time.FakeScheduler;
import io.github.jchannels.server.ChannelServer;
import io.github.jchannels.server.Presence;
import java.net.URI;
import java.security.Principal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Java client's presence view against the real {@link ChannelServer} with presence on the
 * session family: joins, leaves, updates, a connection dropped without a close (through a
 * {@link TcpForwarder}), and the rebuild after a reconnection with no duplicates.
 */
class PresenceRealServerTest {
  private static final Channel<SessionEvent> S1 = Channels.session("s1");
  private static final Duration WAIT = Duration.ofSeconds(20);

  private record User(String getName) implements Principal {}

  private final List<AutoCloseable> toClose = new ArrayList<>();
  private final FakeScheduler aliceTime = new FakeScheduler();
  /** Bob's time: his heartbeat and reconnections run only when the test says so. */
  private final FakeScheduler bobTime = new FakeScheduler();
  /** The server's time: no heartbeat, deadline or TTL of it fires while the test runs. */
  private final FakeScheduler serverTime = new FakeScheduler();
  private final RecordingStateListener aliceStates = new RecordingStateListener();
  private ChannelServer server;
  private TcpForwarder forwarder;

  @BeforeEach
  void start() throws Exception {
    server = ChannelServer.builder().host("127.0.0.1").port(0).scheduler(serverTime)
        .authenticator(h -> h.bearerToken().map(User::new).map(Principal.class::cast))
        .presence(Channels.SESSION, Presence.builder()
            .meta(info -> Map.of("name", Optional.ofNullable(info.principal())
                .map(Principal::getName).orElse("?").toUpperCase(Locale.ROOT)))
            .window(Duration.ZERO) // each change is sent at once: no timer between it and a diff
            .build())
        .build().start();
    toClose.add(server);
    forwarder = TcpForwarder.toLoopbackPort(server.port());
    toClose.add(forwarder);
  }

  @AfterEach
  void stop() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  /** Alice connects through the forwarder, on fake time (her reconnections wait for it). */
  private ChannelClient alice() throws Exception {
    ChannelClient c = ChannelClient.builder(forwarder.wsUri("/ws")).token(() -> "alice")
        .scheduler(aliceTime).reconnectJitter(ReconnectJitter.NONE)
        .useServerHeartbeatInterval(false).build();
    c.addStateListener(aliceStates);
    toClose.add(c);
    c.connect().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    return c;
  }

  private ChannelClient bob() throws Exception {
    ChannelClient c = ChannelClient.builder(URI.create("ws://127.0.0.1:" + server.port() + "/ws"))
        .token(() -> "bob").scheduler(bobTime).build();
    toClose.add(c);
    c.connect().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    return c;
  }

  private static RecordingPresenceListener watch(ChannelClient c) throws Exception {
    RecordingPresenceListener changes = new RecordingPresenceListener();
    c.presence(S1).addListener(changes);
    ClientSubscription sub = c.subscribe(S1, e -> { });
    sub.joined().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    return changes;
  }

  private static String id(ChannelClient c) {
    return ((ConnectionState.Ready) c.state()).clientId();
  }

  @Test
  void joinsUpdatesAndLeavesReachTheOtherClient() throws Exception {
    ChannelClient alice = alice();
    RecordingPresenceListener aliceSees = watch(alice);
    assertThat(aliceSees.takeSync(WAIT)).isEqualTo("sync alice=[" + id(alice) + "]");
    ChannelPresence aliceView = alice.presence(S1);
    assertThat(aliceView.get("alice")).singleElement()
        .satisfies(e -> assertThat(e.meta()).isEqualTo(Map.of("name", "ALICE")));

    ChannelClient bob = bob();
    RecordingPresenceListener bobSees = watch(bob);
    assertThat(bobSees.takeSync(WAIT))
        .isEqualTo("sync alice=[" + id(alice) + "] bob=[" + id(bob) + "]");
    // (a joiner's own join also comes back to it as a diff: a no-op, only onSync)
    assertThat(aliceSees.take(l -> !l.startsWith("sync"), WAIT)).isEqualTo("join bob +" + id(bob));

    aliceView.updateMeta(Map.of("name", "ALICE", "typing", true))
        .get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(bobSees.take(l -> !l.startsWith("sync"), WAIT))
        .isEqualTo("leave alice -" + id(alice));
    assertThat(bobSees.take(WAIT)).isEqualTo("join alice +" + id(alice));
    bobSees.takeSync(WAIT);
    assertThat(bob.presence(S1).get("alice")).singleElement()
        .satisfies(e -> assertThat(e.meta()).containsEntry("typing", true));

    String bobId = id(bob);
    bob.close();
    // (alice's own update came back to her too, as a leave and a join of her entry)
    assertThat(aliceSees.take(l -> l.startsWith("leave bob"), WAIT))
        .isEqualTo("leave bob -" + bobId);
    assertThat(aliceView.list()).containsOnlyKeys("alice");
  }

  @Test
  void aMetaOverTheServersLimitFailsWithInvalidData() throws Exception {
    ChannelClient alice = alice();
    watch(alice).takeSync(WAIT);
    assertThatThrownBy(() -> alice.presence(S1).updateMeta(Map.of("big", "x".repeat(2000)))
        .get(WAIT.toSeconds(), TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .satisfies(t -> assertThat(((ChannelException) t.getCause()).code())
            .isEqualTo("invalid_data"));
    assertThat(alice.presence(S1).get("alice")).singleElement()
        .satisfies(e -> assertThat(e.meta()).isEqualTo(Map.of("name", "ALICE")));
  }

  @Test
  void aDroppedConnectionLeavesForTheOthersAndAReconnectionRebuildsWithNoDuplicates()
      throws Exception {
    ChannelClient bob = bob();
    RecordingPresenceListener bobSees = watch(bob);
    bobSees.takeSync(WAIT);
    ChannelClient alice = alice();
    RecordingPresenceListener aliceSees = watch(alice);
    String first = id(alice);
    assertThat(aliceSees.takeSync(WAIT)).isEqualTo("sync bob=[" + id(bob) + "] alice=[" + first
        + "]");
    assertThat(bobSees.take(l -> !l.startsWith("sync"), WAIT)).isEqualTo("join alice +" + first);

    forwarder.dropAll(); // reset, no close handshake: the server sees a dead peer
    assertThat(bobSees.take(l -> l.startsWith("leave"), WAIT)).isEqualTo("leave alice -" + first);
    assertThat(bob.presence(S1).list()).containsOnlyKeys("bob");
    ConnectionState.Reconnecting r = aliceStates.takeState(ConnectionState.Reconnecting.class,
        WAIT);
    assertThat(alice.presence(S1).synced()).isFalse();
    assertThat(alice.presence(S1).list()).containsOnlyKeys("bob", "alice"); // the last known

    aliceTime.advance(r.delay());
    aliceStates.takeReady(WAIT);
    String second = id(alice);
    assertThat(second).isNotEqualTo(first);
    assertThat(aliceSees.take(l -> !l.startsWith("sync"), WAIT))
        .isEqualTo("leave alice -" + first);
    assertThat(aliceSees.take(WAIT)).isEqualTo("join alice +" + second);
    assertThat(aliceSees.take(WAIT)).isEqualTo("sync bob=[" + id(bob) + "] alice=[" + second
        + "]");
    // whatever follows (its own join coming back as a diff) changes nothing
    assertThat(aliceSees.all().stream().filter(l -> !l.startsWith("sync")))
        .containsExactly("join bob +" + id(bob), "join alice +" + first,
            "leave alice -" + first, "join alice +" + second);
    assertThat(alice.presence(S1).synced()).isTrue();
    assertThat(alice.presence(S1).list().values()).allSatisfy(l -> assertThat(l).hasSize(1));
    assertThat(bobSees.take(l -> l.startsWith("join"), WAIT)).isEqualTo("join alice +" + second);
    assertThat(bob.presence(S1).list().values().stream().mapToInt(List::size).sum())
        .isEqualTo(2);
    List<PresenceEntry> serverSide = server.presence(S1).values().stream()
        .flatMap(List::stream).map(e -> new PresenceEntry(e.connId(), e.joinedAt(), Map.of()))
        .toList();
    assertThat(serverSide).extracting(PresenceEntry::connId)
        .containsExactlyInAnyOrder(id(bob), second);
  }
}
