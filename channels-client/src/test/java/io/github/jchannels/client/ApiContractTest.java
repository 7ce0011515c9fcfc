package io.github.jchannels.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.jchannels.core.Channels;
import io.github.jchannels.core.EventRegistry;
import io.github.jchannels.core.SessionEvent;
import io.github.jchannels.core.ShellEvent;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Argument checks, and what a closed client answers (no socket involved). */
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
        .joinWith(Channels.SHELL, ch -> new ShellEvent.Init(80, 24))
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
        new SessionEvent.SendMessage("x", null, null)).get(20, TimeUnit.SECONDS))
        .hasCauseInstanceOf(ChannelException.class);
    assertThatThrownBy(() -> c.connect().get(20, TimeUnit.SECONDS))
        .hasCauseInstanceOf(ChannelException.class);
    assertThatThrownBy(c::reconnect).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> c.subscribe(Channels.session("a"), e -> {}))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aFrameOverTheLimitIsRefusedAtTheCall() {
    try (ChannelClient c = ChannelClient.builder(NOWHERE).maxFrameSize(1024).build()) {
      assertThatThrownBy(() -> c.send(Channels.session("a"),
          new SessionEvent.SendMessage("x".repeat(2000), null, null)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("over the frame limit of 1024 bytes");
      assertThat(c.send(Channels.session("a"), new SessionEvent.SendMessage("ok", null, null)))
          .isTrue();
    }
  }
}
