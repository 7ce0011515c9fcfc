package io.github.jchannels.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class GuardsTest {
  private final Object streamOutput = new SessionEvent.StreamOutput("1", "test", 1);
  private final Object ping = new GlobalEvent.Ping(1);

  @Test
  void isSessionEventIdentifiesSessionEvents() {
    assertThat(Guards.isSessionEvent(streamOutput)).isTrue();
  }

  @Test
  void isSessionEventRejectsOtherEvents() {
    assertThat(Guards.isSessionEvent(ping)).isFalse();
    assertThat(Guards.isSessionEvent("stream_output")).isFalse();
  }

  @Test
  void isGlobalEventIdentifiesGlobalEvents() {
    assertThat(Guards.isGlobalEvent(ping)).isTrue();
    assertThat(Guards.isGlobalEvent(streamOutput)).isFalse();
  }

  @Test
  void isShellEventIdentifiesShellEvents() {
    assertThat(Guards.isShellEvent(new ShellEvent.Exit(0))).isTrue();
    assertThat(Guards.isShellEvent(ping)).isFalse();
  }

  @Test
  void isInChecksAnyRegisteredFamily() {
    assertThat(Guards.isIn(WorkflowEvent.FAMILY, new WorkflowEvent.Cancel(null))).isTrue();
    assertThat(Guards.isIn(WorkflowEvent.FAMILY, streamOutput)).isFalse();
    assertThat(Guards.isIn(Channels.SESSION, new Object())).isFalse();
  }
}
