package io.github.jchannels.test.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.jchannels.client.ChannelClient;
import io.github.jchannels.client.ClientSubscription;
import io.github.jchannels.client.ConnectionState;
import io.github.jchannels.client.StreamPosition;
import io.github.jchannels.client.Subscribed;
import io.github.jchannels.core.Channel;
import io.github.jchannels.core.Channels;
import io.github.jchannels.core.Codec;
import io.github.jchannels.core.Decoded;
import io.github.jchannels.core.EventRegistry;
import io.github.jchannels.core.GlobalEvent;
import io.github.jchannels.core.SessionEvent;
import io.github.jchannels.core.time.FakeScheduler;
import io.github.jchannels.server.ChannelServer;
import io.github.jchannels.server.broker.History;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Recovery in the Java client (PROTOCOL.md section 11): {@code since} on every rejoin, each
 * {@code (epoch, seq)} delivered once, a live gap resubscribes, and {@code recovered: false}
 * reaches the stale listeners. Against the real {@link ChannelServer} (history in its
 * in-memory broker) for the outcomes, and against the {@link ScriptedServer} for the frames
 * a real server only sends under faults (duplicates, gaps, an epoch change). Timers run on a
 * {@link FakeScheduler}.
 */
class RecoveryTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final Channel<SessionEvent> S1 = Channels.session("s1");
  private static final Codec SERVER_CODEC = Codec.forServer(EventRegistry.defaults());

  private final FakeScheduler time = new FakeScheduler();
  /** The servers' time: history never expires while a test runs, however slowly. */
  private final FakeScheduler serverTime = new FakeScheduler();
  private final RecordingStateListener states = new RecordingStateListener();
  private final List<AutoCloseable> toClose = new ArrayList<>();
  private final List<String> words = new CopyOnWriteArrayList<>();
  private final RecordingHandler<SessionEvent> got = new RecordingHandler<>();
  private final Recorder<Subscribed> confirmations = new Recorder<>("subscribed");
  private final Recorder<Subscribed> stale = new Recorder<>("stale");

  @AfterEach
  void tearDown() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  private ChannelServer server(int port, int recoveryLimit) {
    ChannelServer s = ChannelServer.builder().host("127.0.0.1").port(port).scheduler(serverTime)
        .history(Channels.SESSION, History.of(100, Duration.ofMinutes(5)))
        .recoveryLimit(recoveryLimit)
        .build().start();
    toClose.add(s);
    return s;
  }

  private ChannelClient client(URI uri) {
    ChannelClient c = ChannelClient.builder(uri).scheduler(time).unlimitedReconnectAttempts()
        .build();
    c.addStateListener(states);
    toClose.add(c);
    return c;
  }

  private ClientSubscription subscribe(ChannelClient client) {
    ClientSubscription sub = client.subscribe(S1, e -> {
      if (e instanceof SessionEvent.StreamOutput o) {
        words.add(o.message());
      }
      got.accept(e);
    });
    sub.onSubscribed(confirmations);
    sub.onStale(stale);
    return sub;
  }

  private static void publish(ChannelServer server, int from, int to) {
    for (int i = from; i <= to; i++) {
      server.broadcast(S1, new SessionEvent.StreamOutput("s1", "w" + i, i));
    }
  }

  private void awaitWord(String word) throws InterruptedException {
    got.take(e -> e instanceof SessionEvent.StreamOutput o && o.message().equals(word), WAIT);
  }

  private static List<String> words(int... seqs) {
    List<String> out = new ArrayList<>();
    for (int i : seqs) {
      out.add("w" + i);
    }
    return out;
  }

  // ------------------------------------------------------------------ real server

  @Test
  void moreMissedEventsThanTheRecoveryLimitMakeTheStateStale() throws Exception {
    ChannelServer server = server(0, 3);
    TcpForwarder path = TcpForwarder.toLoopbackPort(server.port());
    toClose.add(path);
    ChannelClient client = client(path.wsUri("/ws"));
    ClientSubscription sub = subscribe(client);
    client.connect().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(confirmations.take(WAIT).wasRecovering()).isFalse();
    publish(server, 1, 2);
    awaitWord("w2");
    path.dropAll();
    ConnectionState.Reconnecting r = states.takeState(ConnectionState.Reconnecting.class, WAIT);
    publish(server, 3, 6); // 4 missed, the limit is 3
    time.advance(r.delay());
    Subscribed again = confirmations.take(WAIT);
    assertThat(again.wasRecovering()).isTrue();
    assertThat(again.recovered()).isFalse();
    assertThat(stale.take(WAIT)).isEqualTo(again).matches(Subscribed::stale);
    assertThat(again.position()).isEqualTo(new StreamPosition(again.position().epoch(), 6));
    publish(server, 7, 8);
    awaitWord("w8");
    assertThat(words).as("recovery is never partial").isEqualTo(words(1, 2, 7, 8));
    assertThat(sub.subscribed()).isEqualTo(again);

    // the position moved to the server's top: the next drop recovers again
    path.dropAll();
    r = states.takeState(ConnectionState.Reconnecting.class, WAIT);
    publish(server, 9, 10);
    time.advance(r.delay());
    assertThat(confirmations.take(WAIT).recovered()).isTrue();
    awaitWord("w10");
    assertThat(words).isEqualTo(words(1, 2, 7, 8, 9, 10));
    stale.assertExhausted();
  }

  @Test
  void aRestartedServerHasAnotherEpochAndTheStateIsStale() throws Exception {
    ChannelServer first = server(0, 300);
    int port = first.port();
    ChannelClient client = client(URI.create("ws://127.0.0.1:" + port + "/ws"));
    subscribe(client);
    client.connect().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    StreamPosition before = confirmations.take(WAIT).position();
    publish(first, 1, 3);
    awaitWord("w3");
    first.close(); // 1001; its in-memory history is gone with it
    ConnectionState.Reconnecting r = states.takeState(ConnectionState.Reconnecting.class, WAIT);
    ChannelServer second = server(port, 300);
    time.advance(r.delay());
    Subscribed again = confirmations.take(WAIT);
    assertThat(again.stale()).isTrue();
    assertThat(again.position().epoch()).isNotEqualTo(before.epoch());
    assertThat(stale.take(WAIT)).isEqualTo(again);
    publish(second, 4, 4);
    awaitWord("w4");
    assertThat(words).isEqualTo(words(1, 2, 3, 4));
  }

  @Test
  void closingTheLastHandlerForgetsThePosition() throws Exception {
    ChannelServer server = server(0, 300);
    ChannelClient client = client(URI.create("ws://127.0.0.1:" + server.port() + "/ws"));
    ClientSubscription sub = subscribe(client);
    client.connect().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    confirmations.take(WAIT);
    publish(server, 1, 2);
    awaitWord("w2");
    sub.close();
    ClientSubscription next = subscribe(client);
    next.joined().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(next.subscribed().wasRecovering()).as("a fresh subscribe").isFalse();
    assertThat(next.subscribed().position().seq()).isEqualTo(2);
  }

  // ------------------------------------------------------------------ scripted server

  private static GlobalEvent.@Nullable Since sinceOf(String subscribeFrame) {
    Decoded d = SERVER_CODEC.decode(subscribeFrame);
    assertThat(d).isInstanceOf(Decoded.Control.class);
    return ((GlobalEvent.Subscribe) ((Decoded.Control) d).event()).since();
  }

  private static String success(String ref, @Nullable Boolean recovered, String epoch,
      long top) {
    return "{\"channel\":\"global\",\"type\":\"subscription_success\",\"data\":{\"channel\":"
        + "\"session:s1\",\"recoverable\":true" + (recovered == null ? ""
        : ",\"recovered\":" + recovered) + ",\"epoch\":\"" + epoch + "\",\"seq\":" + top
        + "},\"ref\":\"" + ref + "\"}";
  }

  private static String event(long seq, String epoch) {
    return "{\"channel\":\"session:s1\",\"type\":\"stream_output\",\"data\":{\"sessionId\":"
        + "\"s1\",\"message\":\"w" + seq + "\",\"timestamp\":" + seq + "},\"seq\":" + seq
        + ",\"epoch\":\"" + epoch + "\"}";
  }

  @Test
  void duplicatesAreDroppedAndALiveGapResubscribesWithTheLastPosition() throws Exception {
    try (ScriptedServer scripted = ScriptedServer.start()) {
      scripted.autoSubscribe(false);
      ChannelClient client = client(scripted.uri());
      subscribe(client);
      client.connect().get(WAIT.toSeconds(), TimeUnit.SECONDS);
      ScriptedServer.Conn conn = scripted.takeConnection(WAIT);
      String subscribe = scripted.takeFrame("subscribe", WAIT);
      assertThat(sinceOf(subscribe)).isNull();
      conn.send(success(ScriptedServer.refOf(subscribe), null, "e1", 0));
      assertThat(confirmations.take(WAIT).position()).isEqualTo(new StreamPosition("e1", 0));
      for (long seq : new long[] {1, 2, 2, 1, 3}) {
        conn.send(event(seq, "e1"));
      }
      awaitWord("w3");
      assertThat(words).as("each seq once").isEqualTo(words(1, 2, 3));

      conn.send(event(5, "e1")); // 4 is missing
      String again = scripted.takeFrame("subscribe", WAIT);
      assertThat(sinceOf(again)).isEqualTo(new GlobalEvent.Since("e1", 3));
      conn.send(event(6, "e1")); // in flight before the server answered: dropped as well
      conn.send(success(ScriptedServer.refOf(again), true, "e1", 6));
      Subscribed filled = confirmations.take(WAIT);
      assertThat(filled.wasRecovering()).isTrue();
      assertThat(filled.recovered()).isTrue();
      for (long seq = 4; seq <= 7; seq++) { // replayed 4-6, then live 7
        conn.send(event(seq, "e1"));
      }
      awaitWord("w7");
      assertThat(words).isEqualTo(words(1, 2, 3, 4, 5, 6, 7));
      stale.assertExhausted();
      client.close();
    }
  }

  @Test
  void anEpochChangeSeenLiveResubscribesAndAnUnrecoveredAnswerIsStale() throws Exception {
    try (ScriptedServer scripted = ScriptedServer.start()) {
      scripted.autoSubscribe(false);
      ChannelClient client = client(scripted.uri());
      subscribe(client);
      client.connect().get(WAIT.toSeconds(), TimeUnit.SECONDS);
      ScriptedServer.Conn conn = scripted.takeConnection(WAIT);
      conn.send(success(ScriptedServer.refOf(scripted.takeFrame("subscribe", WAIT)), null,
          "e1", 7));
      confirmations.take(WAIT);
      conn.send(event(8, "e1"));
      awaitWord("w8");
      conn.send(event(1, "e2")); // the stream was reset under a new epoch
      String again = scripted.takeFrame("subscribe", WAIT);
      assertThat(sinceOf(again)).isEqualTo(new GlobalEvent.Since("e1", 8));
      conn.send(success(ScriptedServer.refOf(again), false, "e2", 1));
      Subscribed lost = stale.take(WAIT);
      assertThat(lost.position()).isEqualTo(new StreamPosition("e2", 1));
      conn.send(event(1, "e2")); // at or below the new top: not delivered again
      conn.send(event(2, "e2"));
      awaitWord("w2");
      assertThat(words).isEqualTo(words(8, 2));

      // after a reconnect the client asks for what followed its last position
      conn.drop();
      ConnectionState.Reconnecting r = states.takeState(ConnectionState.Reconnecting.class,
          WAIT);
      time.advance(r.delay());
      assertThat(sinceOf(scripted.takeFrame("subscribe", WAIT)))
          .isEqualTo(new GlobalEvent.Since("e2", 2));
      client.close();
    }
  }
}
