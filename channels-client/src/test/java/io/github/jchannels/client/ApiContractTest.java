package io.github.jchannels.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.jchannels.core.Channels;
import io.github.jchannels.core.EventRegistry;
import io.github.jchannels.core.SessionEvent;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Argument checks and the injected clock. */
class ApiContractTest {
  private static final URI NOWHERE = URI.create("ws://127.0.0.1:1/ws");

  @Test
  void refusesWhatAClientMayNotSendOrSubscribeTo() {
    try (ChannelClient c = ChannelClient.builder(NOWHERE).build()) {
      assertThatThrownBy(() -> c.send(Channels.session("a"),
          new SessionEvent.StreamOutput("a", "server only", 1)))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("stream_output");
      assertThatThrownBy(() -> c.subscribe(Channels.global(), e -> {}))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> c.request(Channels.session("a"),
          new SessionEvent.SendMessage("x", null, null), Duration.ZERO))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void refusesFamiliesOutsideItsRegistry() {
    EventRegistry onlyGlobal = EventRegistry.builder().build();
    try (ChannelClient c = ChannelClient.builder(NOWHERE).registry(onlyGlobal).build()) {
      assertThatThrownBy(() -> c.subscribe(Channels.session("a"), e -> {}))
          .hasMessageContaining("session");
    }
    assertThatThrownBy(() -> ChannelClient.builder(NOWHERE).registry(onlyGlobal)
        .joinWith(Channels.SHELL, ch -> new io.github.jchannels.core.ShellEvent.Init(80, 24))
        .build()).hasMessageContaining("shell");
  }

  @Test
  void afterCloseSendsAreRefusedAndFuturesFail() throws Exception {
    ChannelClient c = ChannelClient.builder(NOWHERE).build();
    c.close();
    c.close(); // idempotent
    assertThat(c.send(Channels.session("a"), new SessionEvent.SendMessage("x", null, null)))
        .isFalse();
    assertThatThrownBy(() -> c.request(Channels.session("a"),
        new SessionEvent.SendMessage("x", null, null)).get(1, TimeUnit.SECONDS))
        .hasCauseInstanceOf(ChannelException.class);
    assertThatThrownBy(() -> c.connect().get(1, TimeUnit.SECONDS))
        .hasCauseInstanceOf(ChannelException.class);
    assertThatThrownBy(c::reconnect).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> c.subscribe(Channels.session("a"), e -> {}))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void theInjectedClockTimesTheMessageLog() throws Exception {
    Instant fixed = Instant.parse("2030-01-01T00:00:00Z");
    try (ScriptedServer server = new ScriptedServer();
        ChannelClient c = ChannelClient.builder(server.uri())
            .clock(Clock.fixed(fixed, ZoneOffset.UTC)).build()) {
      c.connect().get(5, TimeUnit.SECONDS);
      c.send(Channels.session("a"), new SessionEvent.SendMessage("x", null, null));
      await().until(() -> c.messageLog().entries().size() >= 2);
      assertThat(c.messageLog().entries()).allMatch(e -> e.time().equals(fixed));
      assertThat(c.messageLog().entries().get(0).direction()).isEqualTo(MessageLog.Direction.RECEIVED);
      assertThat(c.messageLog().entries().get(0).type()).isEqualTo("connected");
    }
  }
}
