package io.github.jchannels.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.jchannels.core.Channel;
import io.github.jchannels.core.Channels;
import io.github.jchannels.core.Reply;
import io.github.jchannels.core.SessionEvent;
import io.github.jchannels.core.ShellEvent;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Client behaviours that need a server misbehaving on purpose (bad frames, no pongs, scripted
 * replies and closes): a minimal scripted Java-WebSocket server on loopback.
 */
class ScriptedServerClientTest {
  private static final Channel<SessionEvent> S1 = Channels.session("s1");

  private ScriptedServer server;
  private ChannelClient client;
  private final StateRecorder states = new StateRecorder();

  @BeforeEach
  void start() throws Exception {
    server = new ScriptedServer();
  }

  @AfterEach
  void stop() throws Exception {
    if (client != null) {
      client.close();
    }
    server.close();
  }

  private ChannelClient.Builder fast(URI uri) {
    return ChannelClient.builder(uri)
        .useServerHeartbeatInterval(false)
        .reconnectDelays(Duration.ofMillis(50), Duration.ofMillis(200))
        .connectTimeout(Duration.ofSeconds(3));
  }

  private ChannelClient connect(ChannelClient.Builder b) throws Exception {
    client = b.build();
    client.addStateListener(states);
    client.connect().get(10, TimeUnit.SECONDS);
    return client;
  }

  private static SessionEvent.SendMessage msg(String text) {
    return new SessionEvent.SendMessage(text, null, null);
  }

  @Test
  void readyOnlyAfterConnectedAndQueuedSendsArriveAfterInOrder() throws Exception {
    server.sendConnected = false;
    client = fast(server.uri()).build();
    client.addStateListener(states);
    CompletableFuture<Void> connected = client.connect();
    states.await(s -> s instanceof ConnectionState.Open, 10);
    client.send(S1, msg("one"));
    client.send(S1, msg("two"));
    client.send(S1, msg("three"));
    await().until(() -> client.queuedMessages() == 3);
    assertThat(connected).isNotDone();
    assertThat(client.state().isReady()).isFalse();
    assertThat(server.frames).isEmpty();

    await().until(() -> server.connections.get() == 1); // the server's own view
    server.sendConnectedAll();
    connected.get(5, TimeUnit.SECONDS);
    assertThat(client.state()).isInstanceOf(ConnectionState.Ready.class);
    assertThat(server.take("send_message")).contains("\"one\"");
    assertThat(server.take("send_message")).contains("\"two\"");
    assertThat(server.take("send_message")).contains("\"three\"");
    assertThat(client.queuedMessages()).isZero();
  }

  @Test
  void tokenSupplierIsCalledOnEveryConnectAndSentAsBearerHeader() throws Exception {
    AtomicInteger n = new AtomicInteger();
    connect(fast(server.uri()).token(() -> "t" + n.incrementAndGet()));
    assertThat(server.authorizations.poll(5, TimeUnit.SECONDS)).isEqualTo("Bearer t1");
    client.reconnect();
    assertThat(server.authorizations.poll(5, TimeUnit.SECONDS)).isEqualTo("Bearer t2");
    states.await(s -> s instanceof ConnectionState.Connecting c && c.attempt() == 0, 5);
    states.awaitReady();
  }

  @Test
  void malformedAndUnknownFramesAreLoggedCountedAndDoNotStopDelivery() throws Exception {
    connect(fast(server.uri()));
    List<ClientError> errors = new CopyOnWriteArrayList<>();
    client.addErrorListener(errors::add);
    List<SessionEvent> got = new CopyOnWriteArrayList<>();
    client.subscribe(S1, e -> { throw new IllegalStateException("boom"); });
    ClientSubscription sub = client.subscribe(S1, got::add);
    sub.joined().get(5, TimeUnit.SECONDS);

    server.sendAll("this is not json");
    server.sendAll("{\"channel\":\"session:s1\",\"type\":\"no_such_type\",\"data\":{}}");
    server.sendAll("{\"channel\":\"nofamily:x\",\"type\":\"x\",\"data\":{}}");
    server.sendAll("{\"channel\":\"session:s1\",\"type\":\"stream_output\",\"data\":\"x\"}");
    server.sendAll("{\"channel\":\"session:s1\",\"type\":\"stream_output\",\"data\":"
        + "{\"sessionId\":\"s1\",\"message\":\"hello\",\"timestamp\":1}}");

    await().until(() -> got.size() == 1);
    assertThat(got.get(0)).isEqualTo(new SessionEvent.StreamOutput("s1", "hello", 1));
    await().until(() -> client.metrics().snapshot().invalidFrames() == 4);
    assertThat(client.metrics().snapshot().handlerErrors()).isEqualTo(1);
    await().until(() -> errors.size() == 4);
    assertThat(errors).allMatch(e -> e.code().equals(ClientError.INVALID_FRAME));
    assertThat(client.state().isReady()).isTrue();
    assertThat(client.messageLog().entries(S1.name()))
        .extracting(MessageLog.Entry::type).contains("stream_output");
  }

  @Test
  void missingPongClosesAndReconnectsAfterThePongTimeout() throws Exception {
    connect(fast(server.uri()).heartbeat(Duration.ofMillis(100), Duration.ofMillis(300)));
    await().until(() -> client.metrics().snapshot().latencySamples() >= 2);
    server.answerPings = false;
    long t0 = System.nanoTime();
    StateRecorder.Seen r = states.await(s -> s instanceof ConnectionState.Reconnecting, 10);
    ConnectionState.Reconnecting rec = (ConnectionState.Reconnecting) r.state();
    assertThat(rec.code()).isEqualTo(ChannelClient.HEARTBEAT_TIMEOUT);
    assertThat(rec.attempt()).isEqualTo(1);
    assertThat(Duration.ofNanos(r.nanos() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(250));
    server.answerPings = true;
    states.awaitReady();
    await().until(() -> server.connections.get() == 2);
  }

  @Test
  void usesTheServersHeartbeatIntervalWhenAllowed() throws Exception {
    server.heartbeatIntervalMs = 100;
    connect(ChannelClient.builder(server.uri())); // default 30 s interval would not ping yet
    await().atMost(Duration.ofSeconds(5))
        .until(() -> client.metrics().snapshot().latencySamples() >= 3);
  }

  @Test
  void policyCloseMeansUnauthorizedAndNoReconnect() throws Exception {
    connect(fast(server.uri()));
    server.sendAll("{\"channel\":\"global\",\"type\":\"error\",\"data\":{\"error\":\"unauthorized\","
        + "\"message\":\"bad token\"}}");
    server.closeAll(1008, "unauthorized");
    StateRecorder.Seen closed = states.await(s -> s instanceof ConnectionState.Closed, 5);
    assertThat(((ConnectionState.Closed) closed.state()).reason())
        .isEqualTo(ConnectionState.CloseReason.UNAUTHORIZED);
    assertThat(((ConnectionState.Closed) closed.state()).code()).isEqualTo(1008);
    await().during(Duration.ofMillis(400)).until(() -> server.connections.get() == 1);
    assertThat(client.state()).isInstanceOf(ConnectionState.Closed.class);
  }

  @Test
  void normalCloseAndRejectionsDoNotReconnectButGoingAwayDoes() throws Exception {
    connect(fast(server.uri()));
    server.closeAll(1001, "going away");
    states.await(s -> s instanceof ConnectionState.Reconnecting r && r.code() == 1001, 5);
    states.awaitReady();
    server.closeAll(1009, "too big");
    states.await(s -> s instanceof ConnectionState.Closed c
        && c.reason() == ConnectionState.CloseReason.REJECTED, 5);
    client.reconnect();
    states.awaitReady();
    server.closeAll(1000, "bye");
    states.await(s -> s instanceof ConnectionState.Closed c
        && c.reason() == ConnectionState.CloseReason.NORMAL, 5);
    await().during(Duration.ofMillis(300)).until(() -> server.connections.get() == 3);
  }

  @Test
  void fullQueueDropsTheOldestAndCountsIt() throws Exception {
    client = fast(server.uri()).sendQueueCapacity(3).build();
    CompletableFuture<Reply> dropped = client.request(S1, msg("m0"));
    for (int i = 1; i <= 5; i++) {
      client.send(S1, msg("m" + i));
    }
    await().until(() -> client.metrics().snapshot().dropped() == 3);
    assertThat(client.queuedMessages()).isEqualTo(3);
    assertThatThrownBy(() -> dropped.get(5, TimeUnit.SECONDS))
        .hasCauseInstanceOf(ChannelException.class)
        .cause().extracting(t -> ((ChannelException) t).code()).isEqualTo(ChannelException.DROPPED);
    client.connect().get(5, TimeUnit.SECONDS);
    assertThat(server.take("send_message")).contains("\"m3\"");
    assertThat(server.take("send_message")).contains("\"m4\"");
    assertThat(server.take("send_message")).contains("\"m5\"");
    assertThat(server.frames.poll(200, TimeUnit.MILLISECONDS)).isNull();
  }

  @Test
  void requestCompletesWithItsReplyAndFailsOnErrorsAndTimeout() throws Exception {
    connect(fast(server.uri()));
    CompletableFuture<Reply> ok = client.request(S1, msg("q1"));
    String ref = ScriptedServer.refOf(server.take("send_message"));
    server.sendAll("{\"channel\":\"session:s1\",\"type\":\"reply\",\"ref\":\"" + ref
        + "\",\"data\":{\"status\":\"ok\",\"response\":{\"answer\":42}}}");
    Reply reply = ok.get(5, TimeUnit.SECONDS);
    assertThat(reply.isOk()).isTrue();
    assertThat(reply.response()).isEqualTo(Map.of("answer", 42));

    CompletableFuture<Reply> refused = client.request(S1, msg("q2"));
    ref = ScriptedServer.refOf(server.take("send_message"));
    server.sendAll("{\"channel\":\"session:s1\",\"type\":\"reply\",\"ref\":\"" + ref
        + "\",\"data\":{\"status\":\"error\",\"response\":{\"error\":\"forbidden\",\"message\":\"no\"}}}");
    ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
        () -> refused.get(5, TimeUnit.SECONDS));
    ChannelException ce = (ChannelException) e.getCause();
    assertThat(ce.code()).isEqualTo("forbidden");
    assertThat(ce.reply()).isNotNull();
    assertThat(ce.channel()).isEqualTo("session:s1");

    CompletableFuture<Reply> crashed = client.request(S1, msg("q3"));
    ref = ScriptedServer.refOf(server.take("send_message"));
    server.sendAll("{\"channel\":\"global\",\"type\":\"error\",\"ref\":\"" + ref
        + "\",\"data\":{\"error\":\"internal_error\",\"message\":\"handler failed\",\"channel\":\"session:s1\"}}");
    e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
        () -> crashed.get(5, TimeUnit.SECONDS));
    assertThat(((ChannelException) e.getCause()).code()).isEqualTo("internal_error");

    CompletableFuture<Reply> unanswered = client.request(S1, msg("q4"), Duration.ofMillis(200));
    e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
        () -> unanswered.get(5, TimeUnit.SECONDS));
    assertThat(e.getCause()).isInstanceOf(TimeoutException.class);
  }

  @Test
  void requestInFlightFailsWhenTheConnectionDrops() throws Exception {
    connect(fast(server.uri()));
    CompletableFuture<Reply> f = client.request(S1, msg("q"));
    server.take("send_message");
    server.closeAll(1011, "oops");
    ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
        () -> f.get(5, TimeUnit.SECONDS));
    assertThat(((ChannelException) e.getCause()).code()).isEqualTo(ChannelException.CONNECTION_LOST);
  }

  @Test
  void oneServerSubscriptionPerChannelDroppedWithTheLastHandler() throws Exception {
    connect(fast(server.uri()));
    ClientSubscription a = client.subscribe(S1, e -> {});
    ClientSubscription b = client.subscribe(S1, e -> {});
    a.joined().get(5, TimeUnit.SECONDS);
    b.joined().get(5, TimeUnit.SECONDS);
    assertThat(server.take("subscribe")).contains("session:s1");
    assertThat(client.subscriptions())
        .containsExactly(new ActiveSubscription(S1, 2, true));
    a.close();
    b.close();
    assertThat(server.take("unsubscribe")).contains("session:s1");
    assertThat(server.frames.stream().filter(f -> "subscribe".equals(ScriptedServer.typeOf(f))))
        .isEmpty();
    assertThat(client.subscriptions()).isEmpty();
  }

  @Test
  void subscribeFailureReachesTheCaller() throws Exception {
    server.answerSubscribes = false;
    connect(fast(server.uri()));
    List<ClientError> errors = new CopyOnWriteArrayList<>();
    client.addErrorListener(errors::add);
    ClientSubscription s = client.subscribe(S1, e -> {});
    String ref = ScriptedServer.refOf(server.take("subscribe"));
    server.sendAll("{\"channel\":\"global\",\"type\":\"subscription_error\",\"ref\":\"" + ref
        + "\",\"data\":{\"channel\":\"session:s1\",\"error\":\"unauthorized\",\"message\":\"not yours\"}}");
    ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
        () -> s.joined().get(5, TimeUnit.SECONDS));
    assertThat(((ChannelException) e.getCause()).code()).isEqualTo("unauthorized");
    await().until(() -> errors.size() == 1);
    assertThat(errors.get(0).channel()).isEqualTo("session:s1");
  }

  @Test
  void closingAHandleBeforeItJoinedCancelsItsFuture() throws Exception {
    server.answerSubscribes = false;
    connect(fast(server.uri()));
    ClientSubscription s = client.subscribe(S1, e -> {});
    s.close();
    assertThatThrownBy(() -> s.joined().get(5, TimeUnit.SECONDS))
        .isInstanceOf(CancellationException.class);
  }

  @Test
  void afterReconnectionChannelsAreJoinedAgainBeforeTheQueueIsFlushed() throws Exception {
    // a connect timeout far above the test's waits: the server withholds 'connected' on purpose,
    // and a not-ready timeout would open a third connection under a loaded machine
    connect(fast(server.uri()).connectTimeout(Duration.ofSeconds(60)));
    client.subscribe(S1, e -> {}).joined().get(5, TimeUnit.SECONDS);
    server.take("subscribe");
    server.sendConnected = false;
    server.closeAll(1001, "restart");
    states.await(s -> s instanceof ConnectionState.Open, 10);
    client.send(S1, msg("while away"));
    await().until(() -> client.queuedMessages() == 1);
    await().until(() -> server.connections.get() == 2); // the server's own view
    server.sendConnectedAll();
    states.awaitReady();
    String first = server.frames.poll(5, TimeUnit.SECONDS);
    String second = server.frames.poll(5, TimeUnit.SECONDS);
    assertThat(ScriptedServer.typeOf(first)).isEqualTo("subscribe");
    assertThat(second).contains("while away");
  }

  @Test
  void joinWithFamiliesJoinBySendingTheirEventOnTheChannel() throws Exception {
    Channel<ShellEvent> shell = Channels.shell("t1");
    connect(fast(server.uri()).joinWith(Channels.SHELL, c -> new ShellEvent.Init(80, 24)));
    List<ShellEvent> got = new CopyOnWriteArrayList<>();
    ClientSubscription s = client.subscribe(shell, got::add);
    String init = server.take("init");
    assertThat(init).contains("\"channel\":\"shell:t1\"").contains("\"cols\":80");
    assertThat(s.joined()).isNotDone();
    server.sendAll("{\"channel\":\"shell:t1\",\"type\":\"init\",\"data\":{\"shellId\":\"t1\",\"cols\":80,\"rows\":24}}");
    s.joined().get(5, TimeUnit.SECONDS);
    await().until(() -> got.size() == 1);
    assertThat(server.frames.stream().filter(f -> "subscribe".equals(ScriptedServer.typeOf(f))))
        .isEmpty();

    server.closeAll(1001, "restart");
    assertThat(server.take("init")).contains("\"channel\":\"shell:t1\"");
    s.close();
    await().during(Duration.ofMillis(200)).until(() -> server.frames.stream()
        .noneMatch(f -> "unsubscribe".equals(ScriptedServer.typeOf(f))));
  }

  @Test
  void metricsCountAndReset() throws Exception {
    connect(fast(server.uri()).heartbeat(Duration.ofMillis(50), Duration.ofSeconds(2)));
    client.send(S1, msg("x"));
    await().until(() -> client.metrics().snapshot().latencySamples() >= 2);
    ClientMetrics.Snapshot s = client.metrics().snapshot();
    assertThat(s.messagesSent()).isGreaterThanOrEqualTo(3); // send + pings
    assertThat(s.messagesReceived()).isGreaterThanOrEqualTo(3); // connected + pongs
    assertThat(s.averageLatencyMillis()).isGreaterThanOrEqualTo(0);
    assertThat(s.latenciesMillis()).hasSize(s.latencySamples());
    client.metrics().reset();
    ClientMetrics.Snapshot z = client.metrics().snapshot();
    assertThat(z.messagesSent()).isLessThanOrEqualTo(1);
    assertThat(z.dropped()).isZero();
    assertThat(z.reconnections()).isZero();
    assertThat(z.latencySamples()).isLessThanOrEqualTo(1);
    server.closeAll(1001, "bye");
    await().until(() -> client.metrics().snapshot().reconnections() == 1);
  }

  @Test
  void messageLogKeepsTheLastFramesFilterableByChannel() throws Exception {
    connect(fast(server.uri()).messageLogCapacity(5));
    for (int i = 0; i < 8; i++) {
      client.send(S1, msg("m" + i));
    }
    client.send(Channels.session("other"), msg("o"));
    await().until(() -> client.messageLog().entries().size() == 5
        && "session:other".equals(client.messageLog().entries().get(4).channel()));
    List<MessageLog.Entry> entries = client.messageLog().entries();
    assertThat(entries.get(0).payload()).contains("m4");
    assertThat(entries).allMatch(e -> e.direction() == MessageLog.Direction.SENT);
    assertThat(client.messageLog().entries("session:other")).hasSize(1);
    assertThat(client.messageLog().entries(S1.name())).hasSize(4)
        .allMatch(e -> "send_message".equals(e.type()));
    client.messageLog().clear();
    assertThat(client.messageLog().entries()).isEmpty();
  }

  @Test
  void connectTimeoutAppliesWhenTheServerNeverSendsConnected() throws Exception {
    server.sendConnected = false;
    client = fast(server.uri()).connectTimeout(Duration.ofMillis(300)).maxReconnectAttempts(1).build();
    client.addStateListener(states);
    CompletableFuture<Void> f = client.connect();
    states.await(s -> s instanceof ConnectionState.Reconnecting r
        && r.code() == ChannelClient.CONNECT_TIMEOUT, 5);
    states.await(s -> s instanceof ConnectionState.Closed c
        && c.reason() == ConnectionState.CloseReason.GAVE_UP, 5);
    assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(ChannelException.class);
  }

  @Test
  void aJoinWithJoinAnsweredByAnErrorFailsItsFuture() throws Exception {
    Channel<ShellEvent> shell = Channels.shell("t2");
    connect(fast(server.uri()).joinWith(Channels.SHELL, c -> new ShellEvent.Init(80, 24)));
    ClientSubscription s = client.subscribe(shell, e -> {});
    String ref = ScriptedServer.refOf(server.take("init"));
    assertThat(ref).isNotNull();
    server.sendAll("{\"channel\":\"global\",\"type\":\"error\",\"ref\":\"" + ref
        + "\",\"data\":{\"error\":\"limit_exceeded\",\"message\":\"too many shells\",\"channel\":\"shell:t2\"}}");
    ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
        () -> s.joined().get(5, TimeUnit.SECONDS));
    assertThat(((ChannelException) e.getCause()).code()).isEqualTo("limit_exceeded");
    assertThat(((ChannelException) e.getCause()).channel()).isEqualTo("shell:t2");
  }
}
