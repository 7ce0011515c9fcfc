package io.github.jchannels.examples.guide;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.jchannels.client.ChannelClient;
import io.github.jchannels.core.Channel;
import io.github.jchannels.core.Channels;
import io.github.jchannels.core.Codec;
import io.github.jchannels.core.EventRegistry;
import io.github.jchannels.core.Reply;
import io.github.jchannels.core.SessionEvent;
import io.github.jchannels.core.time.FakeScheduler;
import io.github.jchannels.test.client.ScriptedServer;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

// tag::scripted[]
/** Client code against a scripted server: what it sends, and what it makes of the answers. */
class AskTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final Channel<SessionEvent> ABC = Channels.session("abc123");
  /** Encodes frames exactly as a real server writes them. */
  private final Codec wire = Codec.forServer(EventRegistry.defaults());

  @Test
  void askCollectsTheStreamUntilMessageComplete() throws Exception {
    // by default the scripted server sends connected, answers pings and accepts subscribes
    try (ScriptedServer server = ScriptedServer.start();
        ChannelClient client = ChannelClient.builder(server.uri())
            .scheduler(new FakeScheduler())    // the client's timers move only when told
            .build()) {
      client.connect().get(WAIT.toSeconds(), TimeUnit.SECONDS);

      CompletableFuture<String> answer = GuideSamples.ask(client, "abc123", "hello");

      String sent = server.takeFrame("send_message", WAIT);   // skips the subscribe
      assertThat(sent).contains("\"message\":\"hello\"");
      String ref = Objects.requireNonNull(ScriptedServer.refOf(sent), "ref");
      server.sendAll(wire.encodeReply(ABC, ref, Reply.ok(null)).text());
      server.sendAll(wire.encode(ABC, new SessionEvent.StreamOutput("abc123", "Hi ", 1)).text());
      server.sendAll(wire.encode(ABC, new SessionEvent.StreamOutput("abc123", "there", 2))
          .text());
      server.sendAll(wire.encode(ABC, new SessionEvent.MessageComplete("abc123", "m1")).text());

      assertThat(answer.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("Hi there");
    }
  }
}
// end::scripted[]
