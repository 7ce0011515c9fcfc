package io.github.jchannels.test.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.jchannels.core.Channel;
import io.github.jchannels.core.Channels;
import io.github.jchannels.core.Decoded;
import io.github.jchannels.core.ErrorCode;
import io.github.jchannels.core.GlobalEvent;
import io.github.jchannels.core.Reply;
import io.github.jchannels.core.SessionEvent;
import io.github.jchannels.core.time.FakeScheduler;
import io.github.jchannels.server.Authenticator;
import io.github.jchannels.server.ChannelServer;
import io.github.jchannels.server.ServerLimits;
import java.security.Principal;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The in-memory server: the application's builder, no socket, no port, fake time. */
class InMemoryServerTest {
  private static final Channel<SessionEvent> S1 = Channels.session("s1");
  private static final Channel<SessionEvent> SECRET = Channels.session("secret");
  private static final SessionEvent.SubscribeSuccess WELCOME_S1 =
      new SessionEvent.SubscribeSuccess("s1");

  private InMemoryServer server = InMemoryServer.start(app(ServerLimits.defaults()));

  @AfterEach
  void tearDown() {
    server.close();
  }

  /** What an application would write: authentication, an authorizer, a handler. */
  private static ChannelServer.Builder app(ServerLimits limits) {
    return ChannelServer.builder()
        .limits(limits)
        .authenticator(Authenticator.bearer(t -> t.startsWith("user-")
            ? Optional.of((Principal) () -> t.substring(5)) : Optional.empty()))
        .authorize(Channels.SESSION, (channel, who) -> !channel.equals(SECRET))
        .handle(Channels.SESSION, SessionEvent.SendMessage.class, req -> {
          req.publisher().broadcast(req.channel(), new SessionEvent.StreamOutput(
              req.channel().id().orElseThrow(), req.event().message(), 7));
          req.reply(Reply.ok(Map.of("echoed", req.event().message())));
        });
  }

  private void restart(ServerLimits limits) {
    server.close();
    server = InMemoryServer.start(app(limits));
  }

  @Test
  void aHandlerBroadcastsToEverySubscriberAndRepliesToTheSender() {
    TestPeer alice = server.connect("user-alice");
    TestPeer bob = server.connect("user-bob");
    alice.join(S1);
    bob.join(S1);
    assertThat(alice.takeEvent(S1)).isEqualTo(WELCOME_S1);
    assertThat(bob.takeEvent(S1)).isEqualTo(WELCOME_S1);

    String ref = alice.request(S1, new SessionEvent.SendMessage("hi", null, null));

    SessionEvent.StreamOutput out = new SessionEvent.StreamOutput("s1", "hi", 7);
    // the handler broadcasts before it replies, and one connection's frames keep their order
    assertThat(alice.takeEvent(S1)).isEqualTo(out);
    Reply reply = alice.takeReply(ref);
    assertThat(reply.isOk()).isTrue();
    assertThat(reply.response()).isEqualTo(Map.of("echoed", "hi"));
    assertThat(bob.takeEvent(S1)).isEqualTo(out);
    server.assertBroadcastOn(S1, out);
    server.assertBroadcasts(S1, 1);
    assertThat(server.broadcasts()).containsExactly(new InMemoryServer.Broadcast(S1, out, 2));
    server.assertNoBroadcastOn(Channels.session("other"));
    alice.assertExhausted();
    bob.assertExhausted();
  }

  @Test
  void aBroadcastWithNoSubscriberIsRecordedToo() {
    SessionEvent.StreamOutput out = new SessionEvent.StreamOutput("s1", "nobody", 1);

    assertThat(server.server().broadcast(S1, out)).isZero();

    server.assertBroadcastOn(S1, out);
    assertThat(server.assertBroadcastMatching(S1, e -> e instanceof SessionEvent.StreamOutput))
        .isEqualTo(out);
    assertThat(server.broadcasts()).containsExactly(new InMemoryServer.Broadcast(S1, out, 0));
    server.clearBroadcasts();
    server.assertNoBroadcastOn(S1);
  }

  @Test
  void aMissingBroadcastFailsWithWhatWasBroadcast() {
    server.close();
    server = InMemoryServer.start(app(ServerLimits.defaults()), new FakeScheduler(),
        Duration.ofMillis(20));
    server.server().broadcast(S1, new SessionEvent.StreamOutput("s1", "other", 1));

    assertThatThrownBy(() -> server.assertBroadcastOn(S1,
        new SessionEvent.StreamOutput("s1", "expected", 1)))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("no broadcast on session:s1")
        .hasMessageContaining("other");
    assertThatThrownBy(() -> server.assertBroadcasts(S1, 2))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("expected 2 broadcasts on session:s1, got 1");
  }

  @Test
  void theAuthorizerRefusesWithASubscriptionErrorAndTheConnectionStaysOpen() {
    TestPeer alice = server.connect("user-alice");

    alice.subscribe(SECRET);

    assertThat(alice.takeControl()).isInstanceOfSatisfying(GlobalEvent.SubscriptionError.class,
        e -> assertThat(e.channel()).isEqualTo(SECRET.name()));
    assertThat(server.server().subscriberCount(SECRET)).isZero();
    String ping = alice.ping();
    assertThat(alice.take()).isEqualTo(new Decoded.Control(new GlobalEvent.Pong(0L), ping));
    alice.assertExhausted();
    assertThat(alice.closeCode()).isEqualTo(-1);
  }

  @Test
  void anEventOnAChannelNotJoinedIsRefusedAndNotHandled() {
    TestPeer alice = server.connect("user-alice");

    alice.send(S1, new SessionEvent.SendMessage("hi", null, null));

    assertThat(alice.takeError().error()).isEqualTo(ErrorCode.NOT_SUBSCRIBED.wire());
    server.assertNoBroadcastOn(S1);
  }

  @Test
  void aBadTokenGetsUnauthorizedThenClose1008() {
    TestPeer eve = server.open("/ws", Map.of("Authorization", "Bearer nobody"));

    assertThat(eve.takeError().error()).isEqualTo(ErrorCode.UNAUTHORIZED.wire());
    assertThat(eve.awaitClosed()).isEqualTo(1008);
    assertThat(server.server().connections()).isEmpty();
  }

  @Test
  void anUnknownPathIsRefusedAtTheUpgrade() {
    TestPeer lost = server.open("/nowhere", Map.of("Authorization", "Bearer user-alice"));

    assertThat(lost.closeCode()).isEqualTo(1006);
    assertThat(lost.connection().upgrade()).isNotNull()
        .satisfies(u -> assertThat(u.status()).isEqualTo(404));
  }

  @Test
  void theRateLimitWindowMovesOnlyWithFakeTime() {
    restart(ServerLimits.builder().inboundRate(2, Duration.ofSeconds(1)).build());
    TestPeer alice = server.connect("user-alice");

    String first = alice.ping();
    String second = alice.ping();
    String third = alice.ping();

    assertThat(alice.take()).isEqualTo(new Decoded.Control(new GlobalEvent.Pong(0L), first));
    assertThat(alice.take()).isEqualTo(new Decoded.Control(new GlobalEvent.Pong(0L), second));
    assertThat(alice.take()).isInstanceOfSatisfying(Decoded.Control.class, c -> {
      assertThat(c.ref()).isEqualTo(third);
      assertThat(c.event()).isInstanceOfSatisfying(GlobalEvent.ProtocolError.class,
          e -> assertThat(e.error()).isEqualTo(ErrorCode.RATE_LIMITED.wire()));
    });

    server.advance(Duration.ofMillis(999));
    alice.ping();  // still in the first window: dropped without a second notice
    server.advance(Duration.ofMillis(1));
    String fresh = alice.ping();

    assertThat(alice.take()).isEqualTo(new Decoded.Control(new GlobalEvent.Pong(0L), fresh));
    alice.assertExhausted();
    assertThat(alice.closeCode()).isEqualTo(-1);
  }

  @Test
  void aPeerGoingOnOverTheRateLimitIsClosedWith1008AtTheLimit() {
    restart(ServerLimits.builder().inboundRate(1, Duration.ofSeconds(1))
        .maxRateLimitedMessages(3).build());
    TestPeer alice = server.connect("user-alice");

    alice.ping();
    alice.ping();  // the first over: rate_limited
    alice.ping();  // the second over: dropped
    assertThat(alice.connection().isClosed()).isFalse();
    alice.ping();  // the third over: maxRateLimitedMessages, close

    assertThat(alice.takeControl()).isInstanceOf(GlobalEvent.Pong.class);
    assertThat(alice.takeError().error()).isEqualTo(ErrorCode.RATE_LIMITED.wire());
    assertThat(alice.awaitClosed()).isEqualTo(1008);
    alice.assertExhausted();
    assertThat(server.server().metrics().rateLimitCloses()).isEqualTo(1);
  }

  @Test
  void aPeerThatAnswersPingsStaysConnected() {
    Duration interval = server.server().limits().pingInterval();
    TestPeer alice = server.connect("user-alice");

    for (int i = 0; i < 5; i++) {
      server.advance(interval);
    }

    assertThat(alice.pingsReceived()).isEqualTo(5);
    assertThat(alice.closeCode()).isEqualTo(-1);
    assertThat(server.server().connections()).hasSize(1);
  }

  @Test
  void aPeerSilentForOneAndAHalfPingIntervalsIsDropped() {
    Duration interval = server.server().limits().pingInterval();
    assertThat(interval).isEqualTo(Duration.ofSeconds(30));   // the production default
    TestPeer alice = server.connect("user-alice");
    TestPeer bob = server.connect("user-bob");
    alice.answerPings(false);

    server.advance(interval);
    assertThat(alice.pingsReceived()).isEqualTo(1);
    assertThat(alice.connection().isClosed()).isFalse();   // silent for 1 interval only

    server.advance(interval);

    assertThat(alice.awaitClosed()).isEqualTo(1006);
    assertThat(bob.closeCode()).isEqualTo(-1);
    assertThat(bob.pingsReceived()).isEqualTo(2);
    assertThat(server.server().connections()).hasSize(1);
  }

  @Test
  void anAuthenticationThatDoesNotFinishInTheHandshakeTimeoutIsClosedWith1011()
      throws InterruptedException {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch entered = new CountDownLatch(1);
    server.close();
    server = InMemoryServer.start(ChannelServer.builder().authenticator(h -> {
      entered.countDown();
      release.await();
      return Optional.empty();
    }));
    Duration timeout = server.server().limits().handshakeTimeout();
    try {
      TestPeer slow = server.open("/ws", Map.of());
      assertThat(entered.await(server.timeout().toMillis(),
          TimeUnit.MILLISECONDS)).isTrue();

      server.advance(timeout.minusNanos(1));
      assertThat(slow.connection().isClosed()).isFalse();
      server.advance(Duration.ofNanos(1));

      assertThat(slow.awaitClosed()).isEqualTo(1011);
      assertThat(server.server().metrics().handshakeTimeouts()).isEqualTo(1);
    } finally {
      release.countDown();
    }
  }

  @Test
  void closeSends1001ToEveryPeer() {
    TestPeer alice = server.connect("user-alice");
    TestPeer bob = server.connect("user-bob");

    server.close();

    assertThat(alice.closeCode()).isEqualTo(1001);
    assertThat(bob.closeCode()).isEqualTo(1001);
    assertThat(server.server().connections()).isEmpty();
    assertThat(server.transport().connections()).isEmpty();
  }
}
