package io.github.jchannels.core;

import org.jspecify.annotations.Nullable;

/** An application-defined family, registered like the built-in ones (used across tests). */
public sealed interface WorkflowEvent extends Event {
  Family<WorkflowEvent> FAMILY = Family.builder("workflow", WorkflowEvent.class).build();

  @WireType("step_done")
  record StepDone(String step, int index) implements WorkflowEvent, ServerEvent {}

  @WireType("cancel")
  record Cancel(@Nullable String reason) implements WorkflowEvent, ClientEvent {}
}
