package io.github.jchannels.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

class FamilyTest {

  sealed interface Duplicate extends Event {
    @WireType("same") record A() implements Duplicate, ServerEvent {}
    @WireType("same") record B() implements Duplicate, ServerEvent {}
  }

  sealed interface BadName extends Event {
    @WireType("Bad-Name") record A() implements BadName, ServerEvent {}
  }

  sealed interface UsesReply extends Event {
    @WireType("reply") record A() implements UsesReply, ServerEvent {}
  }

  sealed interface NoWireType extends Event {
    record A() implements NoWireType, ServerEvent {}
  }

  sealed interface NoDirection extends Event {
    @WireType("a") record A() implements NoDirection {}
  }

  interface NotSealed extends Event {}

  sealed interface Nested extends Event {
    sealed interface Down extends Nested, ServerEvent {}
    sealed interface Up extends Nested, ClientEvent {}
    @WireType("both") record Both(String x, @Nullable String y, long n) implements Down, Up {}
    @WireType("down") record OnlyDown() implements Down {}
  }

  @Test
  void builtInFamiliesHaveExactlyTheProtocolTypes() {
    assertThat(Channels.GLOBAL.types()).extracting(EventType::wireName).containsExactlyInAnyOrder(
        "connected", "subscribe", "subscription_success", "subscription_error", "unsubscribe",
        "unsubscribed", "ping", "pong", "error");
    assertThat(Channels.SESSION.types()).extracting(EventType::wireName).containsExactlyInAnyOrder(
        "stream_output", "message_complete", "error", "subscribe_success", "progress_update",
        "typing_indicator", "send_message");
    assertThat(Channels.SHELL.types()).extracting(EventType::wireName).containsExactlyInAnyOrder(
        "init", "input", "output", "resize", "exit", "error");
  }

  @Test
  void directionsComeFromTheMarkerInterfaces() {
    EventType<?> typing = Channels.SESSION.type("typing_indicator").orElseThrow();
    assertThat(typing.fromClient()).isTrue();
    assertThat(typing.fromServer()).isTrue();
    EventType<?> stream = Channels.SESSION.type("stream_output").orElseThrow();
    assertThat(stream.fromClient()).isFalse();
    assertThat(stream.fromServer()).isTrue();
    EventType<?> send = Channels.SESSION.type("send_message").orElseThrow();
    assertThat(send.fromClient()).isTrue();
    assertThat(send.fromServer()).isFalse();
  }

  @Test
  void requiredFieldsAreTheNonNullableComponents() {
    assertThat(Channels.SESSION.type("send_message").orElseThrow().requiredFields())
        .containsExactly("message");
    assertThat(Channels.SESSION.type("progress_update").orElseThrow().requiredFields())
        .containsExactly("sessionId", "progress", "total");
    Family<Nested> nested = Family.builder("nested", Nested.class).build();
    assertThat(nested.type("both").orElseThrow().requiredFields()).containsExactly("x", "n");
  }

  @Test
  void nestedSealedInterfacesAreWalked() {
    Family<Nested> nested = Family.builder("nested", Nested.class).build();
    assertThat(nested.types()).extracting(EventType::wireName)
        .containsExactlyInAnyOrder("both", "down");
  }

  @Test
  void duplicateWireNameFailsFast() {
    assertThatThrownBy(() -> Family.builder("dup", Duplicate.class).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Duplicate wire name 'same'");
  }

  @Test
  void invalidWireNameFailsFast() {
    assertThatThrownBy(() -> Family.builder("bad", BadName.class).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Invalid wire name 'Bad-Name'");
  }

  @Test
  void replyIsReservedInEveryFamily() {
    assertThatThrownBy(() -> Family.builder("r", UsesReply.class).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reserved");
  }

  @Test
  void missingWireTypeFailsFast() {
    assertThatThrownBy(() -> Family.builder("n", NoWireType.class).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("@WireType");
  }

  @Test
  void eventWithoutDirectionFailsFast() {
    assertThatThrownBy(() -> Family.builder("n", NoDirection.class).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("neither ServerEvent nor ClientEvent");
  }

  @Test
  void rootMustBeSealed() {
    assertThatThrownBy(() -> Family.builder("n", NotSealed.class).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sealed interface");
  }

  @Test
  void familyNameMustBeAValidResource() {
    assertThatThrownBy(() -> Family.builder("Work Flow", WorkflowEvent.class))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void registeringTwoFamiliesWithOneNameFailsFast() {
    Family<Nested> other = Family.builder("workflow", Nested.class).build();
    assertThatThrownBy(() -> EventRegistry.builder().add(WorkflowEvent.FAMILY).add(other))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("registered twice");
  }

  @Test
  void applicationFamilyRegistersLikeTheBuiltIns() {
    EventRegistry registry = EventRegistry.builder().withDefaults().add(WorkflowEvent.FAMILY)
        .build();
    assertThat(registry.family("workflow")).containsSame(WorkflowEvent.FAMILY);
    assertThat(registry.family("session")).containsSame(Channels.SESSION);
    assertThat(EventRegistry.builder().build().family("global")).containsSame(Channels.GLOBAL);
  }

  @Test
  void castAndContainsGuardFamilyMembership() {
    Event e = new SessionEvent.StreamOutput("1", "hi", 1L);
    assertThat(Channels.SESSION.contains(e)).isTrue();
    assertThat(Channels.SHELL.contains(e)).isFalse();
    assertThat(Channels.SESSION.cast(e)).contains((SessionEvent) e);
    assertThat(Channels.SHELL.cast(e)).isEmpty();
  }
}
