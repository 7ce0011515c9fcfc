package io.github.jchannels.test.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.jchannels.client.ChannelClient;
import io.github.jchannels.client.ChannelException;
import io.github.jchannels.client.ClientSubscription;
import io.github.jchannels.client.ConnectionState;
import io.github.jchannels.client.Subscribed;
import io.github.jchannels.client.internal.RealChannelClient;
import io.github.jchannels.client.transport.ClientTransport;
import io.github.jchannels.core.Channel;
import io.github.jchannels.core.Channels;
import io.github.jchannels.core.Reply;
import io.github.jchannels.core.SessionEvent;
import io.github.jchannels.core.time.FakeScheduler;
import io.github.jchannels.server.Authenticator;
import io.github.jchannels.server.ChannelServer;
import io.github.jchannels.server.ServerLimits;
import io.github.jchannels.server.broker.History;
import java.net.URI;
import java.security.Principal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What every client transport must do, checked against the real {@link ChannelServer} on
 * loopback (and, for faults the real server never produces, the {@link ScriptedServer}).
 * Subclass it once per transport and implement {@link #transport()}:
 *
 * <pre>{@code
 * class MyTransportCompatibilityTest extends ClientCompatibilityKit {
 *   protected ClientTransport transport() { return new MyTransport(); }
 * }
 * }</pre>
 *
 * <p>Protocol timers run on a {@link FakeScheduler} (no test waits for a heartbeat or a
 * backoff); socket events are awaited with timeouts.
 */
public abstract class ClientCompatibilityKit {
  /** Generous real-time bound for socket events on a loaded machine. */
  protected static final Duration WAIT = Duration.ofSeconds(20);
  private static final Channel<SessionEvent> S1 = Channels.session("s1");

  /** The transport under test. */
  protected abstract ClientTransport transport();

  /** Prefixes of the transport's own thread names, checked for leaks after close. */
  protected abstract Set<String> transportThreadPrefixes();

  private final List<AutoCloseable> toClose = new ArrayList<>();
  private final List<String> serverGot = new CopyOnWriteArrayList<>();
  protected final FakeScheduler time = new FakeScheduler();
  protected final RecordingStateListener states = new RecordingStateListener();

  @AfterEach
  void closeEverything() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  private ChannelServer server(int port, ChannelServer.Builder b) {
    ChannelServer s = b.host("127.0.0.1").port(port)
        .handle(Channels.SESSION, SessionEvent.SendMessage.class, req -> {
          String m = req.event().message();
          serverGot.add(m);
          switch (m) {
            case "throw" -> throw new IllegalStateException("handler failure (expected in test)");
            case "echo" -> req.reply(Reply.ok(Map.of("echo", m)));
            case "refuse" -> req.reply(Reply.error("forbidden", "not allowed"));
            default -> { }
          }
        })
        .build()
        .start();
    toClose.add(s);
    return s;
  }

  private ChannelServer server() {
    return server(0, ChannelServer.builder());
  }

  private static URI uri(ChannelServer s) {
    return URI.create("ws://127.0.0.1:" + s.port() + "/ws");
  }

  /** A client on the transport under test and the fake scheduler, closed after the test. */
  protected ChannelClient client(ChannelClient.Builder b) {
    ChannelClient c = b.transport(transport()).scheduler(time).build();
    c.addStateListener(states);
    toClose.add(c);
    return c;
  }

  private static SessionEvent.SendMessage msg(String text) {
    return new SessionEvent.SendMessage(text, null, null);
  }

  @Test
  void readyOnlyAfterConnectedThenJoinsThenFlushesTheQueueInOrder() throws Exception {
    ChannelServer server = server();
    ChannelClient client = client(ChannelClient.builder(uri(server)));
    RecordingErrorListener errors = new RecordingErrorListener();
    client.addErrorListener(errors);
    ClientSubscription sub = client.subscribe(S1, e -> { });
    for (int i = 0; i < 5; i++) {
      assertThat(client.send(S1, msg("m" + i))).isTrue();
    }
    client.connect().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    states.takeState(ConnectionState.Connecting.class, WAIT);
    states.takeState(ConnectionState.Open.class, WAIT);
    states.takeReady(WAIT);
    sub.joined().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    client.request(S1, msg("last")).get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(serverGot).containsExactly("m0", "m1", "m2", "m3", "m4", "last");
    errors.assertExhausted(); // no not_subscribed: the join went first
  }

  @Test
  void requestsResolveToRepliesAndFailOnErrors() throws Exception {
    ChannelServer server = server();
    ChannelClient client = client(ChannelClient.builder(uri(server)));
    client.subscribe(S1, e -> { });
    client.connect().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    Reply echo = client.request(S1, msg("echo")).get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(echo.response()).isEqualTo(Map.of("echo", "echo"));
    assertThatThrownBy(() -> client.request(S1, msg("refuse")).get(WAIT.toSeconds(),
        TimeUnit.SECONDS)).cause().isInstanceOf(ChannelException.class)
        .extracting(e -> ((ChannelException) e).code()).isEqualTo("forbidden");
    assertThatThrownBy(() -> client.request(S1, msg("throw")).get(WAIT.toSeconds(),
        TimeUnit.SECONDS)).cause().isInstanceOf(ChannelException.class)
        .extracting(e -> ((ChannelException) e).code()).isEqualTo("internal_error");
  }

  @Test
  void serverRestartReconnectsAfterTheBackoffAndJoinsAgain() throws Exception {
    ChannelServer first = server();
    int port = first.port();
    ChannelClient client = client(ChannelClient.builder(uri(first)).unlimitedReconnectAttempts());
    RecordingHandler<SessionEvent> got = new RecordingHandler<>();
    client.subscribe(S1, got);
    client.connect().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    got.takeEvent(SessionEvent.SubscribeSuccess.class, WAIT);
    first.close(); // 1001 to every connection
    ConnectionState.Reconnecting r = states.takeState(ConnectionState.Reconnecting.class, WAIT);
    assertThat(r.code()).isEqualTo(1001);
    CompletableFuture<Reply> meanwhile = client.request(S1, msg("meanwhile"));
    ChannelServer second = server(port, ChannelServer.builder());
    time.advance(r.delay());
    states.takeReady(WAIT);
    got.takeEvent(SessionEvent.SubscribeSuccess.class, WAIT);
    second.broadcast(S1, new SessionEvent.StreamOutput("s1", "after", 2));
    assertThat(got.takeEvent(SessionEvent.StreamOutput.class, WAIT).message()).isEqualTo("after");
    meanwhile.get(WAIT.toSeconds(), TimeUnit.SECONDS); // queued while away, answered after
    assertThat(serverGot).contains("meanwhile");
  }

  @Test
  void aDroppedConnectionRecoversTheEventsMissedMeanwhileEachOnce() throws Exception {
    ChannelServer server = server(0, ChannelServer.builder()
        .history(Channels.SESSION, History.of(100, Duration.ofMinutes(5))));
    TcpForwarder path = TcpForwarder.toLoopbackPort(server.port());
    toClose.add(path);
    ChannelClient client = client(ChannelClient.builder(path.wsUri("/ws"))
        .unlimitedReconnectAttempts());
    List<String> words = new CopyOnWriteArrayList<>();
    RecordingHandler<SessionEvent> got = new RecordingHandler<>();
    ClientSubscription sub = client.subscribe(S1, e -> {
      if (e instanceof SessionEvent.StreamOutput o) {
        words.add(o.message());
      }
      got.accept(e);
    });
    Recorder<Subscribed> confirmations = new Recorder<>("subscribed");
    sub.onSubscribed(confirmations);
    Recorder<Subscribed> stale = new Recorder<>("stale");
    sub.onStale(stale);
    client.connect().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    Subscribed first = confirmations.take(WAIT);
    assertThat(first.recoverable()).isTrue();
    assertThat(first.wasRecovering()).isFalse();
    for (int i = 1; i <= 5; i++) {
      server.broadcast(S1, new SessionEvent.StreamOutput("s1", "w" + i, i));
    }
    awaitWord(got, "w5");
    path.dropAll(); // the network path dies; the server keeps running
    ConnectionState.Reconnecting r = states.takeState(ConnectionState.Reconnecting.class, WAIT);
    for (int i = 6; i <= 10; i++) { // published while the client is away
      server.broadcast(S1, new SessionEvent.StreamOutput("s1", "w" + i, i));
    }
    time.advance(r.delay());
    states.takeReady(WAIT);
    Subscribed again = confirmations.take(WAIT);
    assertThat(again.wasRecovering()).isTrue();
    assertThat(again.recovered()).isTrue();
    assertThat(again.stale()).isFalse();
    for (int i = 11; i <= 15; i++) {
      server.broadcast(S1, new SessionEvent.StreamOutput("s1", "w" + i, i));
    }
    awaitWord(got, "w15");
    List<String> expected = new ArrayList<>();
    for (int i = 1; i <= 15; i++) {
      expected.add("w" + i);
    }
    assertThat(words).as("nothing missing, nothing twice, in order").isEqualTo(expected);
    assertThat(sub.subscribed()).isEqualTo(again);
    stale.assertExhausted();
  }

  private static void awaitWord(RecordingHandler<SessionEvent> got, String word)
      throws InterruptedException {
    got.take(e -> e instanceof SessionEvent.StreamOutput o && o.message().equals(word), WAIT);
  }

  @Test
  void badTokenIsUnauthorizedWithoutReconnecting() throws Exception {
    Principal alice = () -> "alice";
    ChannelServer server = server(0, ChannelServer.builder().authenticator(
        Authenticator.bearer(t -> t.equals("good") ? Optional.of(alice) : Optional.empty())));
    ChannelClient bad = client(ChannelClient.builder(uri(server)).token(() -> "bad"));
    CompletableFuture<Void> f = bad.connect();
    ConnectionState.Closed closed = states.takeState(ConnectionState.Closed.class, WAIT);
    assertThat(closed.reason()).isEqualTo(ConnectionState.CloseReason.UNAUTHORIZED);
    assertThatThrownBy(() -> f.get(WAIT.toSeconds(), TimeUnit.SECONDS))
        .cause().isInstanceOf(ChannelException.class);
    assertThat(time.pending()).as("no reconnection armed").isZero();

    ChannelClient good = client(ChannelClient.builder(uri(server)).token(() -> "good"));
    good.connect().get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  @Test
  void aSlowHandlerBoundsTheInboundQueueAndTheServerSeesASlowConsumer() throws Exception {
    ChannelServer server = server(0, ChannelServer.builder().limits(ServerLimits.builder()
        .maxFrameSize(64 * 1024).maxBufferedBytes(256 * 1024).build()));
    ChannelClient client = client(ChannelClient.builder(uri(server)).inboundQueue(20, 1 << 20));
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch blocked = new CountDownLatch(1);
    client.subscribe(S1, e -> {
      blocked.countDown();
      try {
        release.await(); // a handler much slower than the publisher
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
      }
    });
    client.connect().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(blocked.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue(); // the welcome event
    String text = "x".repeat(8 * 1024);
    long deadline = System.nanoTime() + WAIT.toNanos();
    int sent = 0;
    // first at the client's pace, until its handler queue is full and it stops reading ...
    while (client.metrics().snapshot().readPauses() == 0 && System.nanoTime() < deadline) {
      server.broadcast(S1, new SessionEvent.StreamOutput("s1", text, sent++));
      long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2);
      while (System.nanoTime() < until && client.metrics().snapshot().readPauses() == 0) {
        Thread.onSpinWait(); // pacing the publisher, not waiting for a result
      }
    }
    assertThat(client.metrics().snapshot().readPauses()).isPositive();
    // ... then as fast as the server goes: TCP fills up and the server gives up on it
    while (server.metrics().slowConsumerCloses() == 0 && System.nanoTime() < deadline) {
      server.broadcast(S1, new SessionEvent.StreamOutput("s1", text, sent++));
    }
    assertThat(server.metrics().slowConsumerCloses()).as("server saw a slow consumer after %d "
        + "events", sent).isEqualTo(1);
    RealChannelClient real = (RealChannelClient) client;
    assertThat(real.inboundHighWater()).as("events waiting for handlers at once")
        .isLessThanOrEqualTo(21);
    release.countDown();
    states.takeState(ConnectionState.Reconnecting.class, WAIT);
  }

  @Test
  void aFrameOverTheClientsLimitIsRejectedWith1009() throws Exception {
    ChannelServer server = server();
    ChannelClient client = client(ChannelClient.builder(uri(server)).maxFrameSize(4096));
    ClientSubscription sub = client.subscribe(S1, e -> { });
    client.connect().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    sub.joined().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    server.broadcast(S1, new SessionEvent.StreamOutput("s1", "y".repeat(8000), 1));
    ConnectionState.Closed closed = states.takeState(ConnectionState.Closed.class, WAIT);
    assertThat(closed.reason()).isEqualTo(ConnectionState.CloseReason.REJECTED);
    assertThat(closed.code()).isEqualTo(1009);
    assertThatThrownBy(() -> client.send(S1, msg("z".repeat(5000))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("frame limit");
  }

  @Test
  void aLargerConfiguredFrameLimitAcceptsLargerEvents() throws Exception {
    ChannelServer server = server(0, ChannelServer.builder().limits(ServerLimits.builder()
        .maxFrameSize(4 << 20).maxBufferedBytes(16 << 20).build()));
    ChannelClient client = client(ChannelClient.builder(uri(server)).maxFrameSize(4 << 20));
    RecordingHandler<SessionEvent> got = new RecordingHandler<>();
    client.subscribe(S1, got);
    client.connect().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    got.takeEvent(SessionEvent.SubscribeSuccess.class, WAIT);
    String big = "b".repeat(2 << 20);
    server.broadcast(S1, new SessionEvent.StreamOutput("s1", big, 1));
    assertThat(got.takeEvent(SessionEvent.StreamOutput.class, WAIT).message()).isEqualTo(big);
  }

  @Test
  void connectsThroughAnHttpConnectProxy() throws Exception {
    ChannelServer server = server();
    HttpConnectProxy proxy = new HttpConnectProxy();
    toClose.add(proxy);
    ChannelClient client = client(ChannelClient.builder(uri(server)).proxy(proxy.address()));
    client.subscribe(S1, e -> { });
    client.connect().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    client.request(S1, msg("echo")).get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(proxy.tunnels()).isEqualTo(1);
    assertThat(proxy.targets()).containsExactly("127.0.0.1:" + server.port());
  }

  @Test
  void refusedHandshakesFollowTheirStatus() throws Exception {
    try (ScriptedServer scripted = ScriptedServer.start()) {
      scripted.enqueueRefusal(503).enqueueRefusal(401);
      ChannelClient client = client(ChannelClient.builder(scripted.uri()));
      var unused = client.connect(); // the states below tell how it goes
      ConnectionState.Reconnecting r = states.takeState(ConnectionState.Reconnecting.class, WAIT);
      assertThat(r.code()).as("503 is retried").isEqualTo(503);
      time.advance(r.delay());
      ConnectionState.Closed c = states.takeState(ConnectionState.Closed.class, WAIT);
      assertThat(c.reason()).isEqualTo(ConnectionState.CloseReason.UNAUTHORIZED);
      assertThat(c.code()).isEqualTo(401);

      scripted.enqueueRefusal(403);
      client.reconnect();
      c = states.takeState(ConnectionState.Closed.class, WAIT);
      assertThat(c.reason()).isEqualTo(ConnectionState.CloseReason.FORBIDDEN);
      assertThat(c.code()).isEqualTo(403);
      client.close();
    }
  }

  @Test
  void queuedBytesAreCappedWhenTheServerStopsReading() throws Exception {
    try (ScriptedServer scripted = ScriptedServer.start()) {
      ChannelClient client = client(ChannelClient.builder(scripted.uri())
          .maxQueuedBytes(256 * 1024));
      client.connect().get(WAIT.toSeconds(), TimeUnit.SECONDS);
      scripted.takeConnection(WAIT).pauseReading();
      String chunk = "q".repeat(60 * 1024);
      int accepted = 0;
      while (client.send(S1, msg(chunk))) {
        accepted++;
        assertThat(accepted).as("sends accepted before the cap").isLessThan(2000);
      }
      assertThat(client.queueSize()).isLessThanOrEqualTo(256 * 1024);
      assertThat(client.metrics().snapshot().refused()).isEqualTo(1);
      // a request that cannot fit is refused at once, whatever the socket drained meanwhile
      CompletableFuture<Reply> r = client.request(S1, msg("r".repeat(300 * 1024)));
      assertThatThrownBy(() -> r.get(WAIT.toSeconds(), TimeUnit.SECONDS)).cause()
          .isInstanceOf(ChannelException.class)
          .extracting(e -> ((ChannelException) e).code()).isEqualTo(ChannelException.QUEUE_FULL);
      client.close();
    }
  }

  @Test
  void noThreadOfTheClientOrTransportRemainsAfterClose() throws Exception {
    Set<String> before = liveThreads().stream().map(ClientCompatibilityKit::key)
        .collect(Collectors.toSet());
    ChannelServer server = server();
    ChannelClient client = ChannelClient.builder(uri(server)).transport(transport())
        .name("kitleak").build();
    client.subscribe(S1, e -> { });
    client.connect().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    client.request(S1, msg("echo")).get(WAIT.toSeconds(), TimeUnit.SECONDS);
    client.reconnect(); // leaves a retired socket behind too
    client.request(S1, msg("echo")).get(WAIT.toSeconds(), TimeUnit.SECONDS);
    client.close();
    // close() has stopped them all; a thread that was told to end may still need a moment of
    // CPU to leave its run method (a loaded machine), so each is joined, within WAIT: one that
    // is still alive then was never told to end (a leak)
    long deadline = System.nanoTime() + WAIT.toNanos();
    Set<String> left = new HashSet<>();
    for (Thread t : liveThreads()) {
      if (!before.contains(key(t))) {
        t.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        if (t.isAlive()) {
          left.add(key(t));
        }
      }
    }
    assertThat(left).as("threads left after close()").isEmpty();
  }

  private Set<Thread> liveThreads() {
    Set<String> prefixes = new HashSet<>(transportThreadPrefixes());
    prefixes.add("kitleak-");
    return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
        .filter(t -> prefixes.stream().anyMatch(t.getName()::startsWith))
        .collect(Collectors.toSet());
  }

  private static String key(Thread t) {
    return t.getName() + "#" + t.threadId();
  }
}
