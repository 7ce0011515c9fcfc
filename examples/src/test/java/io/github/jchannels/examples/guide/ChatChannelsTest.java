package io.github.jchannels.examples.guide;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.jchannels.core.Channel;
import io.github.jchannels.core.Channels;
import io.github.jchannels.core.ErrorCode;
import io.github.jchannels.core.GlobalEvent;
import io.github.jchannels.core.SessionEvent;
import io.github.jchannels.test.memory.InMemoryServer;
import io.github.jchannels.test.memory.TestPeer;
import java.security.Principal;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

// tag::in-memory[]
/** The application's own handlers and authorizers, on the test kit's in-memory server. */
class ChatChannelsTest {
  private static final Principal ALICE = () -> "alice";
  private static final Channel<SessionEvent> ABC = Channels.session("abc123");

  private final GuideSamples.Tokens tokens =
      token -> token.equals("alice-token") ? Optional.of(ALICE) : Optional.empty();
  private final GuideSamples.Sessions sessions = (user, id) -> id.equals("abc123");
  private final InMemoryServer server =
      InMemoryServer.start(ChatChannels.builder(tokens, sessions));   // no port, fake time

  @AfterEach
  void close() {
    server.close();
  }

  @Test
  void aMessageIsRepliedToAndEchoedToTheSession() {
    TestPeer alice = server.connect("alice-token");          // takes `connected`
    alice.join(ABC);                                         // takes subscription_success
    assertThat(alice.takeEvent(ABC)).isEqualTo(new SessionEvent.SubscribeSuccess("abc123"));

    String ref = alice.request(ABC, new SessionEvent.SendMessage("hi"));

    assertThat(alice.takeReply(ref).isOk()).isTrue();
    SessionEvent echo = server.assertBroadcastMatching(ABC,
        e -> e instanceof SessionEvent.StreamOutput o && o.message().equals("echo: hi"));
    assertThat(alice.takeEvent(ABC)).isEqualTo(echo);
    alice.assertExhausted();                                 // nothing else arrived
  }

  @Test
  void anotherSessionIsRefusedByTheAuthorizer() {
    TestPeer alice = server.connect("alice-token");

    alice.subscribe(Channels.session("not-hers"));

    assertThat(alice.takeControl()).isInstanceOf(GlobalEvent.SubscriptionError.class);
    server.assertNoBroadcastOn(Channels.session("not-hers"));
  }

  @Test
  void anUnknownTokenIsRefusedWith1008() {
    TestPeer eve = server.open("/ws", Map.of("Authorization", "Bearer stolen"));

    assertThat(eve.takeError().error()).isEqualTo(ErrorCode.UNAUTHORIZED.wire());
    assertThat(eve.awaitClosed()).isEqualTo(1008);
  }

  @Test
  void aPeerThatStopsAnsweringPingsIsDropped() {
    Duration interval = server.server().limits().pingInterval();   // 30 s by default
    TestPeer alice = server.connect("alice-token");
    alice.answerPings(false);                  // the network went away without a close

    server.advance(interval);                  // a ping and no pong: still connected
    assertThat(alice.closeCode()).isEqualTo(-1);
    server.advance(interval);                  // silent for more than 1.5 intervals

    assertThat(alice.awaitClosed()).isEqualTo(1006);
  }
}
// end::in-memory[]
