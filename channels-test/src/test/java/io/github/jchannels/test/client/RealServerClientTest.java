package io.github.jchannels.test.client;

import io.github.jchannels.client.ActiveSubscription;
import io.github.jchannels.client.ChannelClient;
import io.github.jchannels.client.ChannelException;
import io.github.jchannels.client.ClientSubscription;
import io.github.jchannels.client.ConnectionState;
import io.github.jchannels.core.time.FakeScheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import io.github.jchannels.server.ChannelServer;
import io.github.jchannels.server.ServerLimits;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
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
  private final RecordingStateListener states = new RecordingStateListener();
  private final FakeScheduler time = new FakeScheduler();
  /** The servers' time: no server timer (rate window, pings, deadlines) runs on its own. */
  private final FakeScheduler serverTime = new FakeScheduler();
  private static final Duration WAIT = Duration.ofSeconds(20);

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
    ChannelServer s = b.host("127.0.0.1").port(port).scheduler(serverTime)
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
    ChannelClient c = b.scheduler(time).build();
    c.addStateListener(states);
    toClose.add(c);
    return c;
  }

  /**
   * Returns once the server has handled every frame the client sent before: a join on another
   * channel is answered after them (one connection, handled in order).
   */
  private static void barrier(ChannelClient client) throws Exception {
    ClientSubscription b = client.subscribe(Channels.session("barrier"), e -> {});
    b.joined().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    b.close();
  }

  private static SessionEvent.SendMessage msg(String text) {
    return new SessionEvent.SendMessage(text, null, null);
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
    client.connect().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    last.joined().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    for (int i = 0; i < 3; i++) {
      server.broadcast(S1, new SessionEvent.StreamOutput("s1", "x" + i, i));
    }
    // each list also holds the session family's welcome event (subscribe_success)
    await().atMost(WAIT).until(() -> after.size() == 4 && before.size() == 4);
    assertThat(after).filteredOn(e -> e instanceof SessionEvent.StreamOutput).hasSize(3);
    assertThat(client.metrics().snapshot().handlerErrors()).isEqualTo(4);
  }

  @Test
  void refusedSubscriptionFailsItsJoinedFuture() throws Exception {
    ChannelServer server = server(0, ChannelServer.builder()
        .authorize(Channels.SESSION, (channel, conn) -> !channel.name().equals("session:secret")));
    ChannelClient client = client(ChannelClient.builder(uri(server)));
    client.connect().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    ClientSubscription secret = client.subscribe(Channels.session("secret"), e -> {});
    assertThatThrownBy(() -> secret.joined().get(WAIT.toSeconds(), TimeUnit.SECONDS))
        .satisfies(e -> assertThat(((ChannelException) e.getCause()).code())
            .isEqualTo("unauthorized"));
    client.subscribe(S1, x -> {}).joined().get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  @Test
  void lastHandlerClosedLeavesTheChannelOnTheServer() throws Exception {
    ChannelServer server = server(0);
    ChannelClient client = client(ChannelClient.builder(uri(server)));
    client.connect().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    ClientSubscription a = client.subscribe(S1, e -> {});
    ClientSubscription b = client.subscribe(S1, e -> {});
    b.joined().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(server.subscriberCount(S1)).isEqualTo(1);
    a.close();
    barrier(client);
    assertThat(server.subscriberCount(S1)).as("b still holds the channel").isEqualTo(1);
    b.close();
    await().atMost(WAIT).until(() -> server.subscriberCount(S1) == 0);
  }

  @Test
  void concurrentSendsAllArriveInEachSendersOrder() throws Exception {
    ChannelServer server = server(0);
    ChannelClient client = client(ChannelClient.builder(uri(server)));
    client.subscribe(S1, e -> {});
    client.connect().get(WAIT.toSeconds(), TimeUnit.SECONDS);
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
    await().atMost(WAIT).until(() -> serverGot.size() == threads * each);
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
    client.connect().get(WAIT.toSeconds(), TimeUnit.SECONDS);
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
    barrier(client);
    assertThat(server.subscriberCount(S1)).isZero();
    ClientSubscription keep = client.subscribe(S1, e -> {});
    keep.joined().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    await().atMost(WAIT).until(() -> server.subscriberCount(S1) == 1);
    assertThat(client.subscriptions()).containsExactly(new ActiveSubscription(S1, 1, true));
  }

  @Test
  void persistentRateLimitCloseIsReportedAsRateLimitedWithoutReconnect() throws Exception {
    // on fake time the rate window never ends, however slowly the messages arrive
    ChannelServer server = ChannelServer.builder().host("127.0.0.1").port(0)
        .scheduler(serverTime)
        .limits(ServerLimits.builder().inboundRate(5, Duration.ofSeconds(10))
            .maxRateLimitedMessages(2).build())
        .build().start();
    toClose.add(server);
    ChannelClient client = client(ChannelClient.builder(uri(server)));
    client.subscribe(S1, e -> {});
    client.connect().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    // subscribe + 6 messages: 5 accepted, the 6th answered rate_limited, the 7th closes 1008.
    // Sending more makes the server close with unread input, and the TCP reset can then
    // swallow its error and close frames (the client sees 1006 and reconnects).
    for (int i = 0; i < 6; i++) {
      client.send(S1, msg("flood " + i));
    }
    ConnectionState.Closed closed = states.takeState(ConnectionState.Closed.class, WAIT);
    assertThat(closed.reason()).isEqualTo(ConnectionState.CloseReason.RATE_LIMITED);
    assertThat(closed.code()).isEqualTo(1008);
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
    client.connect().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    time.awaitPending(1, WAIT);
    time.advance(Duration.ofMillis(100));
    await().atMost(WAIT).until(() -> client.metrics().snapshot().latencySamples() == 1);
    answer.set(false);
    time.advance(Duration.ofMillis(100)); // the next ping, unanswered
    await().atMost(WAIT).until(() -> client.metrics().snapshot().messagesSent() >= 2);
    time.advance(Duration.ofMillis(300));
    ConnectionState.Reconnecting r = states.takeState(ConnectionState.Reconnecting.class, WAIT);
    assertThat(r.code()).isEqualTo(ChannelClient.HEARTBEAT_TIMEOUT);
    answer.set(true);
    time.advance(r.delay());
    states.takeReady(WAIT);
  }
}
