package io.github.jchannels.test.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.jchannels.client.ActiveSubscription;
import io.github.jchannels.client.ChannelClient;
import io.github.jchannels.client.ChannelException;
import io.github.jchannels.client.ClientError;
import io.github.jchannels.client.ClientSubscription;
import io.github.jchannels.client.ConnectionState;
import io.github.jchannels.client.MessageLog;
import io.github.jchannels.client.ReconnectJitter;
import io.github.jchannels.core.Channel;
import io.github.jchannels.core.Channels;
import io.github.jchannels.core.Reply;
import io.github.jchannels.core.SessionEvent;
import io.github.jchannels.core.ShellEvent;
import io.github.jchannels.core.time.FakeScheduler;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Client behaviours that need a server misbehaving on purpose (bad frames, no pongs, scripted
 * replies, refusals and closes), on the {@link ScriptedServer}; protocol timers on a
 * {@link FakeScheduler}, advanced by hand.
 */
class ScriptedServerClientTest {
  private static final Channel<SessionEvent> S1 = Channels.session("s1");
  private static final Duration WAIT = Duration.ofSeconds(20);

  private ScriptedServer server;
  private ChannelClient client;
  private final FakeScheduler time = new FakeScheduler();
  private final RecordingStateListener states = new RecordingStateListener();
  private final RecordingErrorListener errors = new RecordingErrorListener();

  @BeforeEach
  void start() throws Exception {
    server = ScriptedServer.start();
  }

  @AfterEach
  void stop() throws Exception {
    if (client != null) {
      client.close();
    }
    server.close();
  }

  private ChannelClient.Builder builder() {
    return ChannelClient.builder(server.uri()).scheduler(time).useServerHeartbeatInterval(false)
        .reconnectJitter(ReconnectJitter.NONE);
  }

  private ChannelClient build(ChannelClient.Builder b) {
    client = b.build();
    client.addStateListener(states);
    client.addErrorListener(errors);
    return client;
  }

  private ChannelClient connect(ChannelClient.Builder b) throws Exception {
    build(b).connect().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    return client;
  }

  private static SessionEvent.SendMessage msg(String text) {
    return new SessionEvent.SendMessage(text, null, null);
  }

  private static <T> T get(CompletableFuture<T> f) throws Exception {
    return f.get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  private static String code(Throwable t) {
    Throwable c = t.getCause() != null ? t.getCause() : t;
    return ((ChannelException) c).code();
  }

  @Test
  void readyOnlyAfterConnectedAndQueuedSendsArriveAfterInOrder() throws Exception {
    server.autoConnected(false);
    build(builder());
    CompletableFuture<Void> connected = client.connect();
    states.takeState(ConnectionState.Open.class, WAIT);
    client.send(S1, msg("one"));
    client.send(S1, msg("two"));
    client.send(S1, msg("three"));
    ScriptedServer.Conn conn = server.takeConnection(WAIT);
    assertThat(connected).isNotDone();
    assertThat(client.state().isReady()).isFalse();
    conn.sendConnected();
    get(connected);
    assertThat(server.takeFrame("send_message", WAIT)).contains("\"one\"");
    assertThat(server.takeFrame("send_message", WAIT)).contains("\"two\"");
    assertThat(server.takeFrame("send_message", WAIT)).contains("\"three\"");
    assertThat(client.queuedMessages()).isZero();
  }

  @Test
  void tokenSupplierIsCalledOffTheClientsThreadsBeforeEveryAttempt() throws Exception {
    AtomicInteger n = new AtomicInteger();
    AtomicReference<String> thread = new AtomicReference<>();
    connect(builder().token(() -> {
      thread.set(Thread.currentThread().getName());
      return "t" + n.incrementAndGet();
    }));
    assertThat(server.takeHandshake(WAIT).header("Authorization")).isEqualTo("Bearer t1");
    assertThat(thread.get()).contains("-worker-");
    client.reconnect();
    assertThat(server.takeHandshake(WAIT).header("Authorization")).isEqualTo("Bearer t2");
    states.take(s -> s instanceof ConnectionState.Connecting c && c.attempt() == 0, WAIT);
    states.takeReady(WAIT);
  }

  @Test
  void aFailingTokenProviderIsRetriedWithBackoffNotTerminal() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    build(builder().tokenProvider(() -> calls.incrementAndGet() == 1
        ? CompletableFuture.failedFuture(new IllegalStateException("token service down"))
        : CompletableFuture.completedFuture("fresh")));
    CompletableFuture<Void> connected = client.connect();
    ConnectionState.Reconnecting r = states.takeState(ConnectionState.Reconnecting.class, WAIT);
    assertThat(r.attempt()).isEqualTo(1);
    assertThat(errors.takeError(ClientError.TOKEN_FAILED, WAIT).message())
        .contains("token service down");
    time.advance(r.delay());
    get(connected);
    assertThat(server.takeHandshake(WAIT).header("Authorization")).isEqualTo("Bearer fresh");
  }

  @Test
  void aSlowTokenProviderTimesOutOnTheConnectTimeoutAndIsAskedAgain() throws Exception {
    CompletableFuture<String> never = new CompletableFuture<>();
    AtomicInteger calls = new AtomicInteger();
    build(builder().connectTimeout(Duration.ofSeconds(3)).tokenProvider(() ->
        calls.incrementAndGet() == 1 ? never : CompletableFuture.completedFuture("t")));
    var unused = client.connect(); // the states tell how it goes
    states.takeState(ConnectionState.Connecting.class, WAIT);
    time.awaitPending(1, WAIT); // the connect timeout
    time.advance(Duration.ofSeconds(3));
    ConnectionState.Reconnecting r = states.takeState(ConnectionState.Reconnecting.class, WAIT);
    assertThat(r.code()).isEqualTo(ChannelClient.CONNECT_TIMEOUT);
    time.advance(r.delay());
    states.takeReady(WAIT);
    assertThat(calls.get()).isEqualTo(2);
  }

  @Test
  void malformedAndUnknownFramesAreLoggedCountedAndDoNotStopDelivery() throws Exception {
    connect(builder());
    RecordingHandler<SessionEvent> got = new RecordingHandler<>();
    client.subscribe(S1, e -> {
      throw new IllegalStateException("boom (expected)");
    });
    ClientSubscription sub = client.subscribe(S1, got);
    get(sub.joined());
    server.sendAll("this is not json");
    server.sendAll("{\"channel\":\"session:s1\",\"type\":\"no_such_type\",\"data\":{}}");
    server.sendAll("{\"channel\":\"nofamily:x\",\"type\":\"x\",\"data\":{}}");
    server.sendAll("{\"channel\":\"session:s1\",\"type\":\"stream_output\",\"data\":\"x\"}");
    server.sendAll("{\"channel\":\"session:s1\",\"type\":\"stream_output\",\"data\":"
        + "{\"sessionId\":\"s1\",\"message\":\"hello\",\"timestamp\":1}}");
    assertThat(got.take(WAIT)).isEqualTo(new SessionEvent.StreamOutput("s1", "hello", 1));
    for (int i = 0; i < 4; i++) {
      errors.takeError(ClientError.INVALID_FRAME, WAIT);
    }
    assertThat(client.metrics().snapshot().invalidFrames()).isEqualTo(4);
    assertThat(client.metrics().snapshot().handlerErrors()).isEqualTo(1);
    assertThat(client.state().isReady()).isTrue();
    got.assertExhausted();
  }

  @Test
  void missingPongClosesAndReconnectsAfterThePongTimeout() throws Exception {
    connect(builder().heartbeat(Duration.ofSeconds(30), Duration.ofSeconds(5)));
    server.autoPong(false);
    time.awaitPending(1, WAIT);
    time.advance(Duration.ofSeconds(30));
    server.takeFrame("ping", WAIT);
    time.advance(Duration.ofMillis(4999));
    assertThat(client.state().isReady()).isTrue();
    time.advance(Duration.ofMillis(1));
    ConnectionState.Reconnecting r = states.takeState(ConnectionState.Reconnecting.class, WAIT);
    assertThat(r.code()).isEqualTo(ChannelClient.HEARTBEAT_TIMEOUT);
    assertThat(r.attempt()).isEqualTo(1);
    server.autoPong(true);
    time.advance(r.delay());
    states.takeReady(WAIT);
    assertThat(server.connectionCount()).isEqualTo(2);
  }

  @Test
  void usesTheServersHeartbeatIntervalWhenAllowed() throws Exception {
    server.heartbeatIntervalMs(2000);
    connect(ChannelClient.builder(server.uri()).scheduler(time));
    time.awaitPending(1, WAIT);
    time.advance(Duration.ofSeconds(2));
    server.takeFrame("ping", WAIT);
  }

  @Test
  void policyCloseMeansUnauthorizedAndNoReconnect() throws Exception {
    connect(builder());
    server.sendAll("{\"channel\":\"global\",\"type\":\"error\",\"data\":{\"error\":"
        + "\"unauthorized\",\"message\":\"bad token\"}}");
    server.closeAll(1008, "unauthorized");
    ConnectionState.Closed closed = states.takeState(ConnectionState.Closed.class, WAIT);
    assertThat(closed.reason()).isEqualTo(ConnectionState.CloseReason.UNAUTHORIZED);
    assertThat(closed.code()).isEqualTo(1008);
    time.advance(Duration.ofMinutes(5));
    assertThat(server.connectionCount()).isEqualTo(1);
  }

  @Test
  void normalCloseAndRejectionsDoNotReconnectButGoingAwayDoes() throws Exception {
    connect(builder());
    server.closeAll(1001, "going away");
    ConnectionState.Reconnecting r = states.takeState(ConnectionState.Reconnecting.class, WAIT);
    assertThat(r.code()).isEqualTo(1001);
    time.advance(r.delay());
    states.takeReady(WAIT);
    server.closeAll(1009, "too big");
    assertThat(states.takeState(ConnectionState.Closed.class, WAIT).reason())
        .isEqualTo(ConnectionState.CloseReason.REJECTED);
    client.reconnect();
    states.takeReady(WAIT);
    server.closeAll(1000, "bye");
    assertThat(states.takeState(ConnectionState.Closed.class, WAIT).reason())
        .isEqualTo(ConnectionState.CloseReason.NORMAL);
    time.advance(Duration.ofMinutes(5));
    assertThat(server.connectionCount()).isEqualTo(3);
  }

  @Test
  void attemptsResetOnlyAfterStayingReadyLongEnough() throws Exception {
    // a server that accepts and drops every connection at once: the old client reset the
    // count on every 'connected' and retried every second forever
    connect(builder().maxReconnectAttempts(3).resetAttemptsAfter(Duration.ofSeconds(10)));
    for (int attempt = 1; attempt <= 3; attempt++) {
      server.closeAll(1011, "crash");
      ConnectionState.Reconnecting r = states.takeState(ConnectionState.Reconnecting.class,
          WAIT);
      assertThat(r.attempt()).isEqualTo(attempt);
      assertThat(r.delay()).isEqualTo(Duration.ofSeconds(1L << (attempt - 1)));
      time.advance(r.delay());
      states.takeReady(WAIT);
    }
    server.closeAll(1011, "crash");
    assertThat(states.takeState(ConnectionState.Closed.class, WAIT).reason())
        .isEqualTo(ConnectionState.CloseReason.GAVE_UP);

    client.reconnect();
    states.takeReady(WAIT);
    time.advance(Duration.ofSeconds(10)); // stayed ready: the count starts again
    server.closeAll(1011, "crash");
    assertThat(states.takeState(ConnectionState.Reconnecting.class, WAIT).attempt())
        .isEqualTo(1);
  }

  @Test
  void enteringClosedFailsQueuedRequestsEmptiesTheQueueAndRefusesSends() throws Exception {
    server.autoConnected(false);
    build(builder().maxReconnectAttempts(0));
    var unused = client.connect(); // the states tell how it goes
    states.takeState(ConnectionState.Open.class, WAIT);
    CompletableFuture<Reply> queued = client.request(S1, msg("q"));
    client.send(S1, msg("a"));
    client.send(S1, msg("b"));
    server.takeConnection(WAIT).close(1008, "policy");
    ConnectionState.Closed closed = states.takeState(ConnectionState.Closed.class, WAIT);
    assertThat(closed.reason()).isEqualTo(ConnectionState.CloseReason.UNAUTHORIZED);
    assertThatThrownBy(() -> get(queued)).satisfies(t -> assertThat(code(t))
        .isEqualTo("unauthorized"));
    assertThat(client.queuedMessages()).isZero();
    assertThat(client.metrics().snapshot().dropped()).isEqualTo(3);
    assertThat(client.send(S1, msg("late"))).isFalse();
    assertThatThrownBy(() -> get(client.request(S1, msg("late")))).satisfies(t ->
        assertThat(code(t)).isEqualTo(ChannelException.CLIENT_CLOSED));
  }

  @Test
  void fullQueueDropsTheOldestAndCountsIt() throws Exception {
    build(builder().sendQueueCapacity(3));
    CompletableFuture<Reply> dropped = client.request(S1, msg("m0"));
    for (int i = 1; i <= 5; i++) {
      client.send(S1, msg("m" + i));
    }
    assertThatThrownBy(() -> get(dropped)).satisfies(t -> assertThat(code(t))
        .isEqualTo(ChannelException.DROPPED));
    assertThat(client.metrics().snapshot().dropped()).isEqualTo(3);
    assertThat(client.queuedMessages()).isEqualTo(3);
    get(client.connect());
    assertThat(server.takeFrame("send_message", WAIT)).contains("\"m3\"");
    assertThat(server.takeFrame("send_message", WAIT)).contains("\"m4\"");
    assertThat(server.takeFrame("send_message", WAIT)).contains("\"m5\"");
  }

  @Test
  void requestCompletesWithItsReplyAndFailsOnErrorsAndTimeout() throws Exception {
    connect(builder());
    CompletableFuture<Reply> ok = client.request(S1, msg("q1"));
    String ref = ScriptedServer.refOf(server.takeFrame("send_message", WAIT));
    server.sendAll("{\"channel\":\"session:s1\",\"type\":\"reply\",\"ref\":\"" + ref
        + "\",\"data\":{\"status\":\"ok\",\"response\":{\"answer\":42}}}");
    assertThat(get(ok).response()).isEqualTo(Map.of("answer", 42));

    CompletableFuture<Reply> refused = client.request(S1, msg("q2"));
    ref = ScriptedServer.refOf(server.takeFrame("send_message", WAIT));
    server.sendAll("{\"channel\":\"session:s1\",\"type\":\"reply\",\"ref\":\"" + ref
        + "\",\"data\":{\"status\":\"error\",\"response\":{\"error\":\"forbidden\","
        + "\"message\":\"no\"}}}");
    assertThatThrownBy(() -> get(refused)).satisfies(t -> {
      ChannelException ce = (ChannelException) t.getCause();
      assertThat(ce.code()).isEqualTo("forbidden");
      assertThat(ce.reply()).isNotNull();
      assertThat(ce.channel()).isEqualTo("session:s1");
    });

    CompletableFuture<Reply> unanswered = client.request(S1, msg("q4"), Duration.ofSeconds(2));
    server.takeFrame("send_message", WAIT);
    time.advance(Duration.ofMillis(1999));
    assertThat(unanswered).isNotDone();
    time.advance(Duration.ofMillis(1));
    assertThatThrownBy(() -> get(unanswered)).cause().isInstanceOf(TimeoutException.class);
  }

  @Test
  void aTimeoutCompletesWhileTheCallbackThreadIsBusy() throws Exception {
    connect(builder());
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch busy = new CountDownLatch(1);
    client.subscribe(S1, e -> {
      busy.countDown();
      try {
        release.await();
      } catch (InterruptedException x) {
        Thread.currentThread().interrupt();
      }
    });
    server.takeFrame("subscribe", WAIT);
    server.sendAll("{\"channel\":\"session:s1\",\"type\":\"stream_output\",\"data\":"
        + "{\"sessionId\":\"s1\",\"message\":\"hold\",\"timestamp\":1}}");
    assertThat(busy.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    CompletableFuture<Reply> f = client.request(S1, msg("q"), Duration.ofSeconds(1));
    server.takeFrame("send_message", WAIT);
    time.advance(Duration.ofSeconds(1));
    assertThatThrownBy(() -> get(f)).cause().isInstanceOf(TimeoutException.class);
    release.countDown();
  }

  @Test
  void blockingOnAClientFutureFromAHandlerThrowsAtOnce() throws Exception {
    connect(builder());
    CompletableFuture<Throwable> seen = new CompletableFuture<>();
    client.subscribe(S1, e -> {
      try {
        client.request(S1, msg("inside")).join();
        seen.complete(null);
      } catch (RuntimeException x) {
        seen.complete(x);
      }
    });
    server.takeFrame("subscribe", WAIT);
    server.sendAll("{\"channel\":\"session:s1\",\"type\":\"stream_output\",\"data\":"
        + "{\"sessionId\":\"s1\",\"message\":\"go\",\"timestamp\":1}}");
    assertThat(get(seen)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("would deadlock").hasMessageContaining("thenAccept");
  }

  @Test
  void requestInFlightFailsWhenTheConnectionDrops() throws Exception {
    connect(builder());
    CompletableFuture<Reply> f = client.request(S1, msg("q"));
    server.takeFrame("send_message", WAIT);
    server.closeAll(1011, "oops");
    assertThatThrownBy(() -> get(f)).satisfies(t -> assertThat(code(t))
        .isEqualTo(ChannelException.CONNECTION_LOST));
  }

  @Test
  void oneServerSubscriptionPerChannelDroppedWithTheLastHandler() throws Exception {
    connect(builder());
    ClientSubscription a = client.subscribe(S1, e -> { });
    ClientSubscription b = client.subscribe(S1, e -> { });
    get(a.joined());
    get(b.joined());
    assertThat(server.takeFrame("subscribe", WAIT)).contains("session:s1");
    assertThat(client.subscriptions()).containsExactly(new ActiveSubscription(S1, 2, true));
    a.close();
    b.close();
    assertThat(server.takeFrame("unsubscribe", WAIT)).contains("session:s1");
    assertThat(server.pendingFrames()).noneMatch(f -> "subscribe".equals(
        ScriptedServer.typeOf(f)));
    assertThat(client.subscriptions()).isEmpty();
  }

  @Test
  void subscribeFailureReachesTheCaller() throws Exception {
    server.autoSubscribe(false);
    connect(builder());
    ClientSubscription s = client.subscribe(S1, e -> { });
    String ref = ScriptedServer.refOf(server.takeFrame("subscribe", WAIT));
    server.sendAll("{\"channel\":\"global\",\"type\":\"subscription_error\",\"ref\":\"" + ref
        + "\",\"data\":{\"channel\":\"session:s1\",\"error\":\"unauthorized\","
        + "\"message\":\"not yours\"}}");
    assertThatThrownBy(() -> get(s.joined())).satisfies(t -> assertThat(code(t))
        .isEqualTo("unauthorized"));
    assertThat(errors.takeError("unauthorized", WAIT).channel()).isEqualTo("session:s1");
  }

  @Test
  void aJoinWithoutAnswerTimesOutAndIsRetriedWithBackoff() throws Exception {
    server.autoSubscribe(false);
    connect(builder().joinTimeout(Duration.ofSeconds(10)));
    ClientSubscription s = client.subscribe(S1, e -> { });
    String first = server.takeFrame("subscribe", WAIT);
    time.advance(Duration.ofSeconds(10));
    assertThatThrownBy(() -> get(s.joined())).satisfies(t -> assertThat(code(t))
        .isEqualTo(ChannelException.JOIN_TIMEOUT));
    errors.takeError(ChannelException.JOIN_TIMEOUT, WAIT);
    time.advance(Duration.ofMillis(999));
    assertThat(server.pendingFrames()).noneMatch(f -> "subscribe".equals(
        ScriptedServer.typeOf(f)));
    time.advance(Duration.ofMillis(1)); // the first retry, after 1 s
    String second = server.takeFrame("subscribe", WAIT);
    assertThat(ScriptedServer.refOf(second)).isNotEqualTo(ScriptedServer.refOf(first));
    server.sendAll("{\"channel\":\"global\",\"type\":\"subscription_success\",\"ref\":\""
        + ScriptedServer.refOf(second) + "\",\"data\":{\"channel\":\"session:s1\"}}");
    ClientSubscription again = client.subscribe(S1, e -> { });
    get(again.joined());
    assertThat(client.subscriptions()).containsExactly(new ActiveSubscription(S1, 2, true));
  }

  @Test
  void aServerInitiatedUnsubscribedUpdatesTheSubscriptionAndTellsTheApplication()
      throws Exception {
    connect(builder());
    get(client.subscribe(S1, e -> { }).joined());
    server.takeFrame("subscribe", WAIT);
    server.sendAll("{\"channel\":\"global\",\"type\":\"unsubscribed\","
        + "\"data\":{\"channel\":\"session:s1\"}}");
    ClientError e = errors.takeError(ClientError.UNSUBSCRIBED, WAIT);
    assertThat(e.channel()).isEqualTo("session:s1");
    assertThat(client.subscriptions()).containsExactly(new ActiveSubscription(S1, 1, false));
    get(client.subscribe(S1, x -> { }).joined()); // a new handler joins again
    assertThat(client.subscriptions()).containsExactly(new ActiveSubscription(S1, 2, true));
  }

  @Test
  void closingAHandleBeforeItJoinedCancelsItsFuture() throws Exception {
    server.autoSubscribe(false);
    connect(builder());
    ClientSubscription s = client.subscribe(S1, e -> { });
    s.close();
    assertThatThrownBy(() -> get(s.joined())).isInstanceOf(CancellationException.class);
  }

  @Test
  void afterReconnectionChannelsAreJoinedAgainBeforeTheQueueIsFlushed() throws Exception {
    // the old test waited on the server's own connection count and on a real connect timeout;
    // here the scripted server hands over each connection and the timers are fake
    connect(builder());
    server.takeConnection(WAIT);
    get(client.subscribe(S1, e -> { }).joined());
    server.takeFrame("subscribe", WAIT);
    server.autoConnected(false);
    server.closeAll(1001, "restart");
    ConnectionState.Reconnecting r = states.takeState(ConnectionState.Reconnecting.class, WAIT);
    time.advance(r.delay());
    states.takeState(ConnectionState.Open.class, WAIT);
    client.send(S1, msg("while away"));
    ScriptedServer.Conn second = server.takeConnection(WAIT);
    second.sendConnected();
    states.takeReady(WAIT);
    assertThat(ScriptedServer.typeOf(second.takeFrame(WAIT))).isEqualTo("subscribe");
    assertThat(second.takeFrame(WAIT)).contains("while away");
  }

  @Test
  void joinWithFamiliesJoinBySendingTheirEventOnTheChannel() throws Exception {
    Channel<ShellEvent> shell = Channels.shell("t1");
    connect(builder().joinWith(Channels.SHELL, c -> new ShellEvent.Init(80, 24)));
    RecordingHandler<ShellEvent> got = new RecordingHandler<>();
    ClientSubscription s = client.subscribe(shell, got);
    String init = server.takeFrame("init", WAIT);
    assertThat(init).contains("\"channel\":\"shell:t1\"").contains("\"cols\":80");
    assertThat(s.joined()).isNotDone();
    server.sendAll("{\"channel\":\"shell:t1\",\"type\":\"init\",\"data\":{\"shellId\":\"t1\","
        + "\"cols\":80,\"rows\":24}}");
    get(s.joined());
    got.take(WAIT);
    server.closeAll(1001, "restart");
    time.advance(states.takeState(ConnectionState.Reconnecting.class, WAIT).delay());
    assertThat(server.takeFrame("init", WAIT)).contains("\"channel\":\"shell:t1\"");
    assertThat(server.pendingFrames()).noneMatch(f -> "subscribe".equals(
        ScriptedServer.typeOf(f)));
  }

  @Test
  void aThrowingJoinWithFunctionFailsOnlyItsJoin() throws Exception {
    connect(builder().joinWith(Channels.SHELL, c -> {
      throw new IllegalStateException("no terminal size (expected)");
    }));
    ClientSubscription shell = client.subscribe(Channels.shell("t3"), e -> { });
    assertThatThrownBy(() -> get(shell.joined())).satisfies(t -> assertThat(code(t))
        .isEqualTo(ChannelException.JOIN_FAILED));
    errors.takeError(ChannelException.JOIN_FAILED, WAIT);
    // and after a reconnection, with the join failing again, the rest still works
    server.closeAll(1001, "restart");
    ConnectionState.Reconnecting r = states.takeState(ConnectionState.Reconnecting.class, WAIT);
    client.send(S1, msg("queued"));
    time.advance(r.delay());
    states.takeReady(WAIT);
    errors.takeError(ChannelException.JOIN_FAILED, WAIT);
    assertThat(server.takeFrame("send_message", WAIT)).contains("queued");
    get(client.subscribe(S1, e -> { }).joined());
    time.advance(Duration.ofSeconds(30));
    server.takeFrame("ping", WAIT);
    assertThat(client.state().isReady()).isTrue();
  }

  @Test
  void connectTimeoutAppliesWhenTheServerNeverSendsConnected() throws Exception {
    server.autoConnected(false);
    build(builder().connectTimeout(Duration.ofSeconds(3)).maxReconnectAttempts(1));
    CompletableFuture<Void> f = client.connect();
    states.takeState(ConnectionState.Open.class, WAIT);
    time.advance(Duration.ofSeconds(3));
    ConnectionState.Reconnecting r = states.takeState(ConnectionState.Reconnecting.class, WAIT);
    assertThat(r.code()).isEqualTo(ChannelClient.CONNECT_TIMEOUT);
    time.advance(r.delay());
    states.takeState(ConnectionState.Open.class, WAIT);
    time.advance(Duration.ofSeconds(3));
    assertThat(states.takeState(ConnectionState.Closed.class, WAIT).reason())
        .isEqualTo(ConnectionState.CloseReason.GAVE_UP);
    assertThatThrownBy(() -> get(f)).cause().isInstanceOf(ChannelException.class);
  }

  @Test
  void messageLogKeepsTheLastFramesWithoutPingsByDefault() throws Exception {
    connect(builder().messageLogCapacity(5));
    for (int i = 0; i < 8; i++) {
      client.send(S1, msg("m" + i));
    }
    client.send(Channels.session("other"), msg("o"));
    server.takeFrame("send_message", WAIT);
    for (int i = 0; i < 8; i++) {
      server.takeFrame("send_message", WAIT);
    }
    time.advance(Duration.ofSeconds(30)); // a ping and its pong: not logged
    server.takeFrame("ping", WAIT);
    List<MessageLog.Entry> entries = client.messageLog().entries();
    assertThat(entries).hasSize(5);
    assertThat(entries.get(0).payload()).contains("m4");
    assertThat(entries).noneMatch(e -> "ping".equals(e.type()) || "pong".equals(e.type()));
    assertThat(client.messageLog().entries("session:other")).hasSize(1);
    client.messageLog().clear();
    assertThat(client.messageLog().entries()).isEmpty();
  }

  @Test
  void closeIsBoundedEvenWhenAHandlerIsStuck() throws Exception {
    connect(builder());
    CountDownLatch stuck = new CountDownLatch(1);
    CountDownLatch never = new CountDownLatch(1);
    CountDownLatch interrupted = new CountDownLatch(1);
    client.subscribe(S1, e -> {
      stuck.countDown();
      try {
        never.await();
      } catch (InterruptedException x) {
        interrupted.countDown();
        Thread.currentThread().interrupt();
      }
    });
    server.takeFrame("subscribe", WAIT);
    server.sendAll("{\"channel\":\"session:s1\",\"type\":\"stream_output\",\"data\":"
        + "{\"sessionId\":\"s1\",\"message\":\"hold\",\"timestamp\":1}}");
    assertThat(stuck.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    CompletableFuture<Reply> pending = client.request(S1, msg("q"));
    server.takeFrame("send_message", WAIT);
    // close() returns although the handler never would: it interrupts the handler's thread
    // after its grace period (a bound on threads, not a protocol timer; no time is measured)
    client.close();
    assertThat(interrupted.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(never.getCount()).as("the handler was never released").isOne();
    assertThat(pending).isCompletedExceptionally();
    assertThat(client.send(S1, msg("after"))).isFalse();
  }
}
