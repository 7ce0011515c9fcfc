package io.github.jchannels.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.jchannels.core.Channel;
import io.github.jchannels.core.Channels;
import io.github.jchannels.core.EventRegistry;
import io.github.jchannels.core.Reply;
import io.github.jchannels.core.SessionEvent;
import io.github.jchannels.core.Codec;
import io.github.jchannels.core.Decoded;
import io.github.jchannels.core.GlobalEvent;
import io.github.jchannels.core.transport.Connection;
import io.github.jchannels.core.transport.ConnectionHandler;
import io.github.jchannels.server.Authenticator;
import io.github.jchannels.server.ChannelServer;
import io.github.jchannels.server.ServerLimits;
import java.net.URI;
import java.security.Principal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The client against a real {@link ChannelServer} on loopback. */
class RealServerClientTest {
  private static final Channel<SessionEvent> S1 = Channels.session("s1");

  /** What the server's send_message handler saw, in order. */
  private final List<String> serverGot = new CopyOnWriteArrayList<>();
  private final CountDownLatch release = new CountDownLatch(1);
  private final List<AutoCloseable> toClose = new ArrayList<>();
  private final StateRecorder states = new StateRecorder();

  @AfterEach
  void tearDown() throws Exception {
    release.countDown();
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  private ChannelServer server(int port) {
    return server(port, ChannelServer.builder());
  }

  private ChannelServer server(int port, ChannelServer.Builder b) {
    ChannelServer s = b.host("127.0.0.1").port(port)
        .limits(ServerLimits.builder().heartbeatInterval(Duration.ofMillis(200))
            .inboundRate(100_000, Duration.ofSeconds(1)).build())
        .handle(Channels.SESSION, SessionEvent.SendMessage.class, req -> {
          String m = req.event().message();
          serverGot.add(m);
          switch (m) {
            case "throw" -> throw new IllegalStateException("handler failure (expected in test)");
            case "slow" -> release.await(10, TimeUnit.SECONDS);
            case "echo" -> req.reply(Reply.ok(Map.of("echo", m, "channel", req.channel().name())));
            case "refuse" -> req.reply(Reply.error("forbidden", "not allowed"));
            default -> { }
          }
        })
        .build()
        .start();
    toClose.add(s);
    return s;
  }

  private static URI uri(ChannelServer s) {
    return URI.create("ws://127.0.0.1:" + s.port() + "/ws");
  }

  private ChannelClient client(ChannelClient.Builder b) {
    ChannelClient c = b.reconnectDelays(Duration.ofMillis(50), Duration.ofMillis(300))
        .connectTimeout(Duration.ofSeconds(5)).build();
    c.addStateListener(states);
    toClose.add(c);
    return c;
  }

  private static SessionEvent.SendMessage msg(String text) {
    return new SessionEvent.SendMessage(text, null, null);
  }

  @Test
  void readyOnlyAfterConnectedThenJoinsThenFlushesTheQueueInOrder() throws Exception {
    ChannelServer server = server(0);
    ChannelClient client = client(ChannelClient.builder(uri(server)));
    List<ClientError> errors = new CopyOnWriteArrayList<>();
    client.addErrorListener(errors::add);
    ClientSubscription sub = client.subscribe(S1, e -> {});
    for (int i = 0; i < 5; i++) {
      client.send(S1, msg("m" + i));
    }
    await().until(() -> client.queuedMessages() == 5);
    client.connect().get(10, TimeUnit.SECONDS);
    sub.joined().get(5, TimeUnit.SECONDS);
    await().until(() -> serverGot.size() == 5);
    assertThat(serverGot).containsExactly("m0", "m1", "m2", "m3", "m4");
    assertThat(errors).isEmpty(); // no not_subscribed: the join went first
    states.await(s -> s instanceof ConnectionState.Connecting, 5);
    states.await(s -> s instanceof ConnectionState.Open, 5);
    states.await(s -> s instanceof ConnectionState.Ready, 5);
    assertThat(client.subscriptions()).containsExactly(new ActiveSubscription(S1, 1, true));
    await().until(() -> client.metrics().snapshot().latencySamples() >= 2); // server's 200 ms
  }

  @Test
  void serverRestartOnTheSamePortResubscribesWithoutDuplicatesAndDeliversWhatWasSentMeanwhile()
      throws Exception {
    ChannelServer first = server(0);
    int port = first.port();
    ChannelClient client = client(ChannelClient.builder(uri(first)).unlimitedReconnectAttempts());
    List<SessionEvent> got = new CopyOnWriteArrayList<>();
    ClientSubscription a = client.subscribe(S1, got::add);
    client.connect().get(10, TimeUnit.SECONDS);
    a.joined().get(5, TimeUnit.SECONDS);
    first.broadcast(S1, new SessionEvent.StreamOutput("s1", "before", 1));
    await().until(() -> got.contains(new SessionEvent.StreamOutput("s1", "before", 1)));

    first.close(); // 1001 to every connection
    states.await(s -> s instanceof ConnectionState.Reconnecting r && r.code() == 1001, 10);
    client.send(S1, msg("meanwhile"));

    ChannelServer second = server(port);
    states.awaitReady();
    await().until(() -> second.subscriberCount(S1) == 1);
    await().until(() -> serverGot.contains("meanwhile"));
    got.clear();
    second.broadcast(S1, new SessionEvent.StreamOutput("s1", "after", 2));
    await().until(() -> !got.isEmpty());
    await().during(Duration.ofMillis(300)).until(() -> got.size() == 1);
    assertThat(got).containsExactly(new SessionEvent.StreamOutput("s1", "after", 2));
  }

  @Test
  void badTokenIsUnauthorizedWithoutReconnectAndAGoodOneConnects() throws Exception {
    Principal alice = () -> "alice";
    ChannelServer server = server(0, ChannelServer.builder().authenticator(
        Authenticator.bearer(t -> t.equals("good") ? Optional.of(alice) : Optional.empty())));
    ChannelClient bad = client(ChannelClient.builder(uri(server)).token(() -> "bad"));
    CompletableFuture<Void> f = bad.connect();
    StateRecorder.Seen closed = states.await(s -> s instanceof ConnectionState.Closed, 10);
    assertThat(((ConnectionState.Closed) closed.state()).reason())
        .isEqualTo(ConnectionState.CloseReason.UNAUTHORIZED);
    assertThat(((ConnectionState.Closed) closed.state()).code()).isEqualTo(1008);
    ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(5, TimeUnit.SECONDS));
    assertThat(((ChannelException) e.getCause()).code()).isEqualTo("unauthorized");
    await().during(Duration.ofMillis(300))
        .until(() -> bad.state() instanceof ConnectionState.Closed);
    assertThat(bad.metrics().snapshot().reconnections()).isZero();

    ChannelClient good = client(ChannelClient.builder(uri(server)).token(() -> "good"));
    good.connect().get(10, TimeUnit.SECONDS);
  }

  @Test
  void requestReplyRoundTripErrorReplyHandlerFailureAndTimeout() throws Exception {
    ChannelServer server = server(0);
    ChannelClient client = client(ChannelClient.builder(uri(server)));
    client.subscribe(S1, e -> {}).joined();
    client.connect().get(10, TimeUnit.SECONDS);

    Reply echo = client.request(S1, msg("echo")).get(5, TimeUnit.SECONDS);
    assertThat(echo.isOk()).isTrue();
    assertThat(echo.response()).isEqualTo(Map.of("echo", "echo", "channel", "session:s1"));

    Reply plain = client.request(S1, msg("plain")).get(5, TimeUnit.SECONDS);
    assertThat(plain.isOk()).isTrue(); // the server answers ok when the handler did not reply

    ExecutionException refused = assertThrows(ExecutionException.class,
        () -> client.request(S1, msg("refuse")).get(5, TimeUnit.SECONDS));
    assertThat(((ChannelException) refused.getCause()).code()).isEqualTo("forbidden");
    assertThat(((ChannelException) refused.getCause()).reply()).isNotNull();

    ExecutionException threw = assertThrows(ExecutionException.class,
        () -> client.request(S1, msg("throw")).get(5, TimeUnit.SECONDS));
    assertThat(((ChannelException) threw.getCause()).code()).isEqualTo("internal_error");

    ExecutionException slow = assertThrows(ExecutionException.class,
        () -> client.request(S1, msg("slow"), Duration.ofMillis(300)).get(5, TimeUnit.SECONDS));
    assertThat(slow.getCause()).isInstanceOf(TimeoutException.class);
    assertThat(client.state().isReady()).isTrue();
  }

  @Test
  void oneThrowingHandlerDoesNotStopTheOthers() throws Exception {
    ChannelServer server = server(0);
    ChannelClient client = client(ChannelClient.builder(uri(server)));
    List<SessionEvent> before = new CopyOnWriteArrayList<>();
    List<SessionEvent> after = new CopyOnWriteArrayList<>();
    client.subscribe(S1, before::add);
    client.subscribe(S1, e -> { throw new IllegalStateException("handler failure (expected)"); });
    ClientSubscription last = client.subscribe(S1, after::add);
    client.connect().get(10, TimeUnit.SECONDS);
    last.joined().get(5, TimeUnit.SECONDS);
    for (int i = 0; i < 3; i++) {
      server.broadcast(S1, new SessionEvent.StreamOutput("s1", "x" + i, i));
    }
    // each list also holds the session family's welcome event (subscribe_success)
    await().until(() -> after.size() == 4 && before.size() == 4);
    assertThat(after).filteredOn(e -> e instanceof SessionEvent.StreamOutput).hasSize(3);
    assertThat(client.metrics().snapshot().handlerErrors()).isEqualTo(4);
  }

  @Test
  void refusedSubscriptionFailsItsJoinedFuture() throws Exception {
    ChannelServer server = server(0, ChannelServer.builder()
        .authorize(Channels.SESSION, (channel, conn) -> !channel.name().equals("session:secret")));
    ChannelClient client = client(ChannelClient.builder(uri(server)));
    client.connect().get(10, TimeUnit.SECONDS);
    ClientSubscription secret = client.subscribe(Channels.session("secret"), e -> {});
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> secret.joined().get(5, TimeUnit.SECONDS));
    assertThat(((ChannelException) e.getCause()).code()).isEqualTo("unauthorized");
    client.subscribe(S1, x -> {}).joined().get(5, TimeUnit.SECONDS);
  }

  @Test
  void lastHandlerClosedLeavesTheChannelOnTheServer() throws Exception {
    ChannelServer server = server(0);
    ChannelClient client = client(ChannelClient.builder(uri(server)));
    client.connect().get(10, TimeUnit.SECONDS);
    ClientSubscription a = client.subscribe(S1, e -> {});
    ClientSubscription b = client.subscribe(S1, e -> {});
    b.joined().get(5, TimeUnit.SECONDS);
    assertThat(server.subscriberCount(S1)).isEqualTo(1);
    a.close();
    await().during(Duration.ofMillis(200)).until(() -> server.subscriberCount(S1) == 1);
    b.close();
    await().until(() -> server.subscriberCount(S1) == 0);
  }

  @Test
  void concurrentSendsAllArriveInEachSendersOrder() throws Exception {
    ChannelServer server = server(0);
    ChannelClient client = client(ChannelClient.builder(uri(server)));
    client.subscribe(S1, e -> {});
    client.connect().get(10, TimeUnit.SECONDS);
    int threads = 4;
    int each = 50;
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> senders = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int id = t;
      senders.add(Thread.ofPlatform().start(() -> {
        try {
          go.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int i = 0; i < each; i++) {
          client.send(S1, msg(id + ":" + i));
        }
      }));
    }
    go.countDown();
    for (Thread t : senders) {
      t.join(10_000);
    }
    await().until(() -> serverGot.size() == threads * each);
    for (int t = 0; t < threads; t++) {
      String prefix = t + ":";
      List<String> mine = serverGot.stream().filter(m -> m.startsWith(prefix)).toList();
      assertThat(mine).hasSize(each);
      for (int i = 0; i < each; i++) {
        assertThat(mine.get(i)).isEqualTo(prefix + i);
      }
    }
  }

  @Test
  void concurrentSubscribeAndCloseLeaveTheServerSubscriptionConsistent() throws Exception {
    ChannelServer server = server(0);
    ChannelClient client = client(ChannelClient.builder(uri(server)));
    client.connect().get(10, TimeUnit.SECONDS);
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      workers.add(Thread.ofPlatform().start(() -> {
        for (int i = 0; i < 25; i++) {
          client.subscribe(S1, e -> {}).close();
        }
      }));
    }
    for (Thread t : workers) {
      t.join(10_000);
    }
    await().during(Duration.ofMillis(200)).until(() -> server.subscriberCount(S1) == 0);
    ClientSubscription keep = client.subscribe(S1, e -> {});
    keep.joined().get(5, TimeUnit.SECONDS);
    await().until(() -> server.subscriberCount(S1) == 1);
    assertThat(client.subscriptions()).containsExactly(new ActiveSubscription(S1, 1, true));
  }

  @Test
  void connectAfterGivingUpStartsAgain() throws Exception {
    ChannelServer first = server(0);
    int port = first.port();
    ChannelClient client = client(ChannelClient.builder(uri(first)).maxReconnectAttempts(1));
    client.connect().get(10, TimeUnit.SECONDS);
    first.close();
    states.await(s -> s instanceof ConnectionState.Closed c
        && c.reason() == ConnectionState.CloseReason.GAVE_UP, 10);
    server(port);
    client.connect().get(10, TimeUnit.SECONDS);
    assertThat(client.state().isReady()).isTrue();
  }

  @Test
  void noClientThreadRemainsAfterCloseAgainstARealServer() throws Exception {
    ChannelServer server = server(0);
    Set<String> before = SocketThreads.live();
    ChannelClient client = ChannelClient.builder(uri(server)).name("realleak").build();
    client.subscribe(S1, e -> {});
    client.connect().get(10, TimeUnit.SECONDS);
    client.request(S1, msg("echo")).get(5, TimeUnit.SECONDS);
    client.close();
    assertThat(Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().startsWith("realleak-"))).isEmpty();
    await().atMost(Duration.ofSeconds(3)).until(() -> before.containsAll(SocketThreads.live()));
    await().until(() -> server.subscriberCount(S1) == 0); // the server saw the close
  }

  @Test
  void persistentRateLimitCloseIsReportedAsRateLimitedWithoutReconnect() throws Exception {
    ChannelServer server = ChannelServer.builder().host("127.0.0.1").port(0)
        .limits(ServerLimits.builder().inboundRate(5, Duration.ofSeconds(10))
            .maxRateLimitedMessages(2).build())
        .build().start();
    toClose.add(server);
    ChannelClient client = client(ChannelClient.builder(uri(server)));
    client.subscribe(S1, e -> {});
    client.connect().get(10, TimeUnit.SECONDS);
    // subscribe + 6 messages: 5 accepted, the 6th answered rate_limited, the 7th closes 1008.
    // Sending more makes the server close with unread input, and the TCP reset can then
    // swallow its error and close frames (the client sees 1006 and reconnects).
    for (int i = 0; i < 6; i++) {
      client.send(S1, msg("flood " + i));
    }
    StateRecorder.Seen closed = states.await(s -> s instanceof ConnectionState.Closed, 10);
    assertThat(((ConnectionState.Closed) closed.state()).reason())
        .isEqualTo(ConnectionState.CloseReason.RATE_LIMITED);
    assertThat(((ConnectionState.Closed) closed.state()).code()).isEqualTo(1008);
  }

  @Test
  void whenTheServerStopsAnsweringPingsTheClientReconnectsAfterThePongTimeout() throws Exception {
    // an extra endpoint of the real server: the server sends 'connected', the handler answers
    // pings only while 'answer' is set (the channels endpoint always answers)
    AtomicBoolean answer = new AtomicBoolean(true);
    Codec codec = Codec.forServer(EventRegistry.defaults());
    ChannelServer server = server(0, ChannelServer.builder().endpoint("/mute", null,
        new ConnectionHandler() {
          @Override
          public void onOpen(Connection c) {}

          @Override
          public void onText(Connection c, String text) {
            if (codec.decode(text) instanceof Decoded.Control ctl
                && ctl.event() instanceof GlobalEvent.Ping p
                && answer.get()) {
              c.send(codec.encode(Channels.global(), new GlobalEvent.Pong(p.timestamp())));
            }
          }

          @Override
          public void onClose(Connection c, int code, String reason) {}
        }));
    ChannelClient client = client(ChannelClient.builder(
        URI.create("ws://127.0.0.1:" + server.port() + "/mute"))
        .useServerHeartbeatInterval(false)
        .heartbeat(Duration.ofMillis(100), Duration.ofMillis(300)));
    client.connect().get(10, TimeUnit.SECONDS);
    await().until(() -> client.metrics().snapshot().latencySamples() >= 2);
    answer.set(false);
    StateRecorder.Seen r = states.await(s -> s instanceof ConnectionState.Reconnecting, 10);
    assertThat(((ConnectionState.Reconnecting) r.state()).code())
        .isEqualTo(ChannelClient.HEARTBEAT_TIMEOUT);
    answer.set(true);
    states.awaitReady();
  }
}
