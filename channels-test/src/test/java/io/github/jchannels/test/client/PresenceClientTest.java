package io.github.jchannels.test.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.jchannels.client.ChannelClient;
import io.github.jchannels.client.ChannelException;
import io.github.jchannels.client.ChannelPresence;
import io.github.jchannels.client.ClientError;
import io.github.jchannels.client.ClientSubscription;
import io.github.jchannels.client.ConnectionState;
import io.github.jchannels.client.MessageLog;
import io.github.jchannels.client.PresenceEntry;
import io.github.jchannels.client.PresenceListener;
import io.github.jchannels.client.ReconnectJitter;
import io.github.jchannels.core.Channel;
import io.github.jchannels.core.Channels;
import io.github.jchannels.core.Reply;
import io.github.jchannels.core.SessionEvent;
import io.github.jchannels.core.time.FakeScheduler;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Java client's presence view (PROTOCOL.md section 12) against the {@link ScriptedServer}:
 * {@code presence_state} and {@code presence_diff} scripted by hand, {@code presence_update}
 * read from the wire, reconnection on a {@link FakeScheduler}.
 */
class PresenceClientTest {
  private static final Channel<SessionEvent> S1 = Channels.session("s1");
  private static final Duration WAIT = Duration.ofSeconds(20);

  private ScriptedServer server;
  private ChannelClient client;
  private final FakeScheduler time = new FakeScheduler();
  private final RecordingStateListener states = new RecordingStateListener();
  private final RecordingErrorListener errors = new RecordingErrorListener();
  private final RecordingPresenceListener changes = new RecordingPresenceListener();
  private final RecordingHandler<SessionEvent> events = new RecordingHandler<>();

  @BeforeEach
  void start() throws Exception {
    server = ScriptedServer.start();
    client = ChannelClient.builder(server.uri()).scheduler(time)
        .useServerHeartbeatInterval(false).reconnectJitter(ReconnectJitter.NONE).build();
    client.addStateListener(states);
    client.addErrorListener(errors);
    client.connect().get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
    server.close();
  }

  private static String entry(String connId, long joinedAt, String meta) {
    return "{\"connId\":\"" + connId + "\",\"joinedAt\":" + joinedAt + ",\"meta\":" + meta + "}";
  }

  private static String state(String entries) {
    return "{\"channel\":\"session:s1\",\"type\":\"presence_state\",\"data\":{\"entries\":{"
        + entries + "}}}";
  }

  private static String diff(String joins, String leaves) {
    return "{\"channel\":\"session:s1\",\"type\":\"presence_diff\",\"data\":{\"joins\":{"
        + joins + "},\"leaves\":{" + leaves + "}}}";
  }

  /** Subscribes S1 with a recording handler and the presence recorder; the join is answered. */
  private ChannelPresence join() throws Exception {
    ChannelPresence view = client.presence(S1);
    view.addListener(changes);
    ClientSubscription sub = client.subscribe(S1, events);
    server.takeFrame("subscribe", WAIT);
    sub.joined().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    return view;
  }

  private static String code(Throwable t) {
    Throwable c = t instanceof ExecutionException && t.getCause() != null ? t.getCause() : t;
    return ((ChannelException) c).code();
  }

  @Test
  void stateThenDiffsBuildTheViewAndListenersHearJoinsThenLeaves() throws Exception {
    ChannelPresence view = join();
    assertThat(view.synced()).isFalse();
    assertThat(view.list()).isEmpty();

    server.sendAll(state("\"alice\":[" + entry("c1", 10, "{\"name\":\"Alice\"}") + "]"));
    assertThat(changes.take(WAIT)).isEqualTo("join alice +c1");
    assertThat(changes.take(WAIT)).isEqualTo("sync alice=[c1]");
    assertThat(view.synced()).isTrue();
    assertThat(view.get("alice")).containsExactly(
        new PresenceEntry("c1", 10, Map.of("name", "Alice")));

    server.sendAll(diff("\"bob\":[" + entry("c2", 20, "{}") + "],\"alice\":["
        + entry("c3", 30, "{}") + "]", ""));
    assertThat(changes.take(WAIT)).isEqualTo("join bob +c2");
    assertThat(changes.take(WAIT)).isEqualTo("join alice +c3");
    assertThat(changes.take(WAIT)).isEqualTo("sync alice=[c1,c3] bob=[c2]");

    server.sendAll(diff("", "\"alice\":[" + entry("c1", 10, "{}") + "]"));
    assertThat(changes.take(WAIT)).isEqualTo("leave alice -c1");
    assertThat(changes.take(WAIT)).isEqualTo("sync alice=[c3] bob=[c2]");
    server.sendAll(diff("", "\"bob\":[" + entry("c2", 20, "{}") + "]"));
    assertThat(changes.take(WAIT)).isEqualTo("leave bob -c2");
    assertThat(changes.take(WAIT)).isEqualTo("sync alice=[c3]");
    assertThat(view.list()).containsOnlyKeys("alice");
    assertThatThrownBy(() -> view.list().clear()).isInstanceOf(UnsupportedOperationException.class);
    changes.assertExhausted();
    errors.assertExhausted();
    assertThat(client.messageLog().entries("session:s1")).extracting(MessageLog.Entry::type)
        .contains("presence_state", "presence_diff");
  }

  @Test
  void listenerSeesTheKeysEntriesBeforeAJoinAndAfterALeave() throws Exception {
    ChannelPresence view = join();
    CompletableFuture<String> seen = new CompletableFuture<>();
    view.addListener(new PresenceListener() {
      @Override
      public void onLeave(String key, List<PresenceEntry> remaining, List<PresenceEntry> left) {
        seen.complete(key + " remaining=" + remaining.size() + " left=" + left.get(0).connId()
            + " view=" + view.get(key).size() + " thread=" + Thread.currentThread().getName());
      }
    });
    server.sendAll(state("\"alice\":[" + entry("c1", 1, "{}") + "," + entry("c2", 2, "{}")
        + "]"));
    server.sendAll(diff("", "\"alice\":[" + entry("c1", 1, "{}") + "]"));
    assertThat(seen.get(WAIT.toSeconds(), TimeUnit.SECONDS))
        .startsWith("alice remaining=1 left=c1 view=1 thread=").contains("-callbacks");
  }

  @Test
  void anUpdateIsALeaveAndAJoinOfTheSameConnectionAndLeavesOneEntry() throws Exception {
    ChannelPresence view = join();
    server.sendAll(state("\"alice\":[" + entry("c1", 10, "{\"name\":\"Alice\"}") + "]"));
    changes.takeSync(WAIT);
    server.sendAll(diff("\"alice\":[" + entry("c1", 10, "{\"name\":\"Alice\",\"typing\":true}")
        + "]", "\"alice\":[" + entry("c1", 10, "{\"name\":\"Alice\"}") + "]"));
    assertThat(changes.take(WAIT)).isEqualTo("leave alice -c1");
    assertThat(changes.take(WAIT)).isEqualTo("join alice +c1");
    assertThat(changes.take(WAIT)).isEqualTo("sync alice=[c1]");
    assertThat(view.get("alice")).singleElement()
        .satisfies(e -> assertThat(e.meta()).containsEntry("typing", true));
  }

  @Test
  void updateMetaSendsPresenceUpdateWithARefAndCompletesOnTheReply() throws Exception {
    ChannelPresence view = join();
    CompletableFuture<Reply> ok = view.updateMeta(Map.of("typing", true));
    String frame = server.takeFrame("presence_update", WAIT);
    assertThat(frame).contains("\"channel\":\"session:s1\"")
        .contains("\"data\":{\"meta\":{\"typing\":true}}");
    String ref = ScriptedServer.refOf(frame);
    assertThat(ref).isNotBlank();
    assertThat(ok).isNotDone();
    server.sendAll("{\"channel\":\"session:s1\",\"type\":\"reply\",\"ref\":\"" + ref
        + "\",\"data\":{\"status\":\"ok\",\"response\":{}}}");
    assertThat(ok.get(WAIT.toSeconds(), TimeUnit.SECONDS).isOk()).isTrue();
  }

  /** A record serialises to an object too. */
  record Typing(boolean typing, String name) {}

  @Test
  void invalidDataFromTheServerFailsTheUpdate() throws Exception {
    ChannelPresence view = join();
    CompletableFuture<Reply> byReply = view.updateMeta(new Typing(true, "A"));
    String ref = ScriptedServer.refOf(server.takeFrame("presence_update", WAIT));
    server.sendAll("{\"channel\":\"session:s1\",\"type\":\"reply\",\"ref\":\"" + ref
        + "\",\"data\":{\"status\":\"error\",\"response\":{\"error\":\"invalid_data\","
        + "\"message\":\"meta over 1024 bytes\"}}}");
    assertThatThrownBy(() -> byReply.get(WAIT.toSeconds(), TimeUnit.SECONDS))
        .satisfies(t -> assertThat(code(t)).isEqualTo("invalid_data"));

    CompletableFuture<Reply> byError = view.updateMeta(Map.of("typing", false));
    String ref2 = ScriptedServer.refOf(server.takeFrame("presence_update", WAIT));
    server.sendAll("{\"channel\":\"global\",\"type\":\"error\",\"ref\":\"" + ref2
        + "\",\"data\":{\"error\":\"invalid_data\",\"message\":\"'meta' must be an object\"}}");
    assertThatThrownBy(() -> byError.get(WAIT.toSeconds(), TimeUnit.SECONDS))
        .satisfies(t -> assertThat(code(t)).isEqualTo("invalid_data"));
  }

  @Test
  void metaThatIsNotAnObjectIsRefusedAtTheCall() throws Exception {
    ChannelPresence view = client.presence(S1);
    assertThatThrownBy(() -> view.updateMeta("typing").join())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("JSON object");
    assertThatThrownBy(() -> view.updateMeta(List.of(1, 2)).join())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> client.presence(Channels.global()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(client.presence(S1)).isSameAs(view);
  }

  @Test
  void reconnectionRebuildsTheViewFromTheNewStateWithNoDuplicates() throws Exception {
    ChannelPresence view = join();
    server.sendAll(state("\"me\":[" + entry("c1", 1, "{}") + "],\"bob\":["
        + entry("c2", 2, "{}") + "],\"carol\":[" + entry("c3", 3, "{}") + "]"));
    assertThat(changes.takeSync(WAIT)).isEqualTo("sync me=[c1] bob=[c2] carol=[c3]");

    server.closeAll(1011, "restart");
    ConnectionState.Reconnecting r = states.takeState(ConnectionState.Reconnecting.class, WAIT);
    assertThat(view.synced()).isFalse();
    assertThat(view.list()).containsOnlyKeys("me", "bob", "carol"); // the last known
    time.advance(r.delay());
    states.takeReady(WAIT);
    server.takeFrame("subscribe", WAIT);
    // the new connection's state: me on a new connection, bob still there, carol gone, dave new
    server.sendAll(state("\"me\":[" + entry("c9", 9, "{}") + "],\"bob\":["
        + entry("c2", 2, "{}") + "],\"dave\":[" + entry("c4", 4, "{}") + "]"));
    assertThat(List.of(changes.take(WAIT), changes.take(WAIT), changes.take(WAIT),
        changes.take(WAIT))).containsExactly("leave me -c1", "leave carol -c3", "join me +c9",
        "join dave +c4");
    assertThat(changes.take(WAIT)).isEqualTo("sync me=[c9] bob=[c2] dave=[c4]");
    assertThat(view.synced()).isTrue();
    assertThat(view.list().values().stream().mapToInt(List::size).sum()).isEqualTo(3);

    // the same state again (a duplicate) changes nothing and reports no join or leave
    server.sendAll(state("\"me\":[" + entry("c9", 9, "{}") + "],\"bob\":["
        + entry("c2", 2, "{}") + "],\"dave\":[" + entry("c4", 4, "{}") + "]"));
    assertThat(changes.take(WAIT)).isEqualTo("sync me=[c9] bob=[c2] dave=[c4]");
    changes.assertExhausted();
  }

  @Test
  void anUnsubscribeByTheServerLeavesTheViewUnsynced() throws Exception {
    ChannelPresence view = join();
    server.sendAll(state("\"alice\":[" + entry("c1", 1, "{}") + "]"));
    changes.takeSync(WAIT);
    server.sendAll("{\"channel\":\"global\",\"type\":\"unsubscribed\","
        + "\"data\":{\"channel\":\"session:s1\"}}");
    errors.takeError(ClientError.UNSUBSCRIBED, WAIT);
    await().atMost(WAIT).until(() -> !view.synced());
    assertThat(view.list()).containsOnlyKeys("alice"); // the last known
  }

  @Test
  void aRepeatedJoinAndAnUnknownLeaveChangeNothing() throws Exception {
    ChannelPresence view = join();
    server.sendAll(state("\"alice\":[" + entry("c1", 1, "{}") + "]"));
    changes.takeSync(WAIT);
    server.sendAll(diff("\"alice\":[" + entry("c1", 1, "{}") + "]",
        "\"zed\":[" + entry("c7", 7, "{}") + "]"));
    assertThat(changes.take(WAIT)).isEqualTo("sync alice=[c1]");
    assertThat(view.get("alice")).hasSize(1);
    changes.assertExhausted();
  }

  @Test
  void closingTheLastHandlerEmptiesTheViewAndLateFramesAreDropped() throws Exception {
    ChannelPresence view = client.presence(S1);
    view.addListener(changes);
    ClientSubscription sub = client.subscribe(S1, events);
    server.takeFrame("subscribe", WAIT);
    sub.joined().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    server.sendAll(state("\"alice\":[" + entry("c1", 1, "{}") + "]"));
    changes.takeSync(WAIT);
    sub.close();
    assertThat(changes.take(WAIT)).isEqualTo("leave alice -c1");
    assertThat(changes.take(WAIT)).isEqualTo("sync");
    server.takeFrame("unsubscribe", WAIT);
    server.sendAll(diff("\"bob\":[" + entry("c2", 2, "{}") + "]", ""));
    // the late diff reached the loop (logged there, after it was passed over) before the
    // channel has handlers again
    await().atMost(WAIT).until(() -> client.messageLog().entries("session:s1").stream()
        .anyMatch(e -> "presence_diff".equals(e.type())));
    ClientSubscription again = client.subscribe(S1, events);
    server.takeFrame("subscribe", WAIT);
    again.joined().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    server.sendAll(state("\"carol\":[" + entry("c3", 3, "{}") + "]"));
    assertThat(changes.take(WAIT)).isEqualTo("join carol +c3");
    assertThat(changes.take(WAIT)).isEqualTo("sync carol=[c3]");
    assertThat(view.list()).containsOnlyKeys("carol");
  }

  @Test
  void aMalformedPresenceFrameIsReportedAndChangesNothing() throws Exception {
    ChannelPresence view = join();
    server.sendAll(state("\"alice\":[" + entry("c1", 1, "{}") + "]"));
    changes.takeSync(WAIT);
    server.sendAll(diff("\"bob\":[{\"joinedAt\":2,\"meta\":{}}]", ""));
    server.sendAll("{\"channel\":\"session:s1\",\"type\":\"presence_state\","
        + "\"data\":{\"entries\":[]}}");
    ClientError e1 = errors.takeError(ClientError.INVALID_FRAME, WAIT);
    assertThat(e1.message()).contains("connId");
    ClientError e2 = errors.takeError(ClientError.INVALID_FRAME, WAIT);
    assertThat(e2.message()).contains("'data.entries' must be an object");
    assertThat(view.list()).containsOnlyKeys("alice");
    assertThat(client.metrics().snapshot().invalidFrames()).isEqualTo(2);
    // an unknown type that is not presence is still an invalid frame
    server.sendAll("{\"channel\":\"session:s1\",\"type\":\"presence_other\",\"data\":{}}");
    assertThat(errors.takeError(ClientError.INVALID_FRAME, WAIT).message())
        .contains("unknown type");
  }

  @Test
  void aThrowingListenerIsCountedAndTheOthersStillRun() throws Exception {
    ChannelPresence view = client.presence(S1);
    view.addListener(new PresenceListener() {
      @Override
      public void onSync(Map<String, List<PresenceEntry>> entries) {
        throw new IllegalStateException("boom");
      }
    });
    join();
    server.sendAll(state("\"alice\":[" + entry("c1", 1, "{}") + "]"));
    assertThat(changes.takeSync(WAIT)).isEqualTo("sync alice=[c1]");
    assertThat(client.metrics().snapshot().handlerErrors()).isEqualTo(1);
  }
}
