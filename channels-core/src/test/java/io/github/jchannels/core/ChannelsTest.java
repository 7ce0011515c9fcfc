package io.github.jchannels.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ChannelsTest {

  @Test
  void sessionChannelFormat() {
    assertThat(Channels.session("abc123").name()).isEqualTo("session:abc123");
    assertThat(Channels.session("abc123").toString()).isEqualTo("session:abc123");
    assertThat(Channels.session("abc123").id()).contains("abc123");
    assertThat(Channels.session("abc123").family()).isSameAs(Channels.SESSION);
  }

  @Test
  void shellAndGlobalChannelFormat() {
    assertThat(Channels.shell("t1").name()).isEqualTo("shell:t1");
    assertThat(Channels.global().name()).isEqualTo("global");
    assertThat(Channels.global().id()).isEmpty();
  }

  @Test
  void applicationFamilyDeclaresItsOwnChannels() {
    Channel<WorkflowEvent> run = WorkflowEvent.FAMILY.channel("run:456");
    assertThat(run.name()).isEqualTo("workflow:run:456");
    assertThat(run.id()).contains("run:456");
  }

  @Test
  void channelsAreEqualByName() {
    assertThat(Channels.session("1")).isEqualTo(Channels.session("1"))
        .hasSameHashCodeAs(Channels.session("1"));
    assertThat(Channels.session("1")).isNotEqualTo(Channels.session("2"));
  }

  @Test
  void builderRejectsInvalidIds() {
    assertThatThrownBy(() -> Channels.session("")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Channels.session("a b")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Channels.session("123:extra"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most 1 segment");
    assertThatThrownBy(() -> Channels.GLOBAL.channel("x"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Channels.SESSION.channel())
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void parseChannelExtractsResourceAndId() {
    assertThat(ChannelName.parse("session:abc123"))
        .isEqualTo(new ChannelName.Parse.Valid(new ChannelName("session", "abc123")));
  }

  @Test
  void parseSplitsOnTheFirstColon() {
    ChannelName name = ChannelName.parse("workflow:run:456").toOptional().orElseThrow();
    assertThat(name.resource()).isEqualTo("workflow");
    assertThat(name.id()).isEqualTo("run:456");
    assertThat(name.idSegments()).isEqualTo(2);
    assertThat(name.toString()).isEqualTo("workflow:run:456");
  }

  @Test
  void parseOfANameWithoutIdHasAResourceAndNoId() {
    ChannelName name = ChannelName.parse("invalid").toOptional().orElseThrow();
    assertThat(name.resource()).isEqualTo("invalid");
    assertThat(name.id()).isNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", ":", "session:", "Session:1", "1session:1", "session::1",
      "session:a b", "session:a/b", "session:1:", "sess ion", "-session:1"})
  void parseRejectsMalformedNamesWithAReason(String text) {
    assertThat(ChannelName.parse(text)).isInstanceOfSatisfying(ChannelName.Parse.Invalid.class,
        i -> assertThat(i.reason()).isNotBlank());
  }

  @Test
  void parseOfNullIsAFailureNotAnException() {
    assertThat(ChannelName.parse(null)).isInstanceOf(ChannelName.Parse.Invalid.class);
  }

  @Test
  void parseEnforcesLengthLimits() {
    String segment128 = "a".repeat(128);
    assertThat(ChannelName.parse("s:" + segment128)).isInstanceOf(ChannelName.Parse.Valid.class);
    assertThat(ChannelName.parse("s:" + segment128 + "a"))
        .isInstanceOf(ChannelName.Parse.Invalid.class);
    String resource32 = "r" + "x".repeat(31);
    assertThat(ChannelName.parse(resource32)).isInstanceOf(ChannelName.Parse.Valid.class);
    assertThat(ChannelName.parse(resource32 + "x")).isInstanceOf(ChannelName.Parse.Invalid.class);
    String name256 = "s:" + "a".repeat(100) + ":" + "b".repeat(100) + ":" + "c".repeat(52);
    assertThat(name256).hasSize(256);
    assertThat(ChannelName.parse(name256)).isInstanceOf(ChannelName.Parse.Valid.class);
    assertThat(ChannelName.parse(name256 + "c"))
        .isInstanceOfSatisfying(ChannelName.Parse.Invalid.class,
        i -> assertThat(i.reason()).contains("256"));
  }

  @Test
  void registryResolvesKnownUnknownAndInvalidNames() {
    EventRegistry registry = EventRegistry.builder().withDefaults().add(WorkflowEvent.FAMILY)
        .build();
    assertThat(registry.resolve("workflow:run:456"))
        .isEqualTo(new EventRegistry.Resolution.Known(WorkflowEvent.FAMILY.channel("run:456")));
    assertThat(registry.resolve("billing:1"))
        .isEqualTo(new EventRegistry.Resolution.UnknownFamily("billing"));
    assertThat(registry.resolve("session:123:extra"))
        .isInstanceOf(EventRegistry.Resolution.InvalidName.class);
    assertThat(registry.resolve("session"))
        .isInstanceOf(EventRegistry.Resolution.InvalidName.class);
    assertThat(registry.resolve("global:x"))
        .isInstanceOf(EventRegistry.Resolution.InvalidName.class);
    assertThat(registry.resolve("a b")).isInstanceOf(EventRegistry.Resolution.InvalidName.class);
  }
}
