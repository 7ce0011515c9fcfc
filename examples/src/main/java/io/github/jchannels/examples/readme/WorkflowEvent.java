package io.github.jchannels.examples.readme;

import io.github.jchannels.core.ClientEvent;
import io.github.jchannels.core.Event;
import io.github.jchannels.core.Family;
import io.github.jchannels.core.ServerEvent;
import io.github.jchannels.core.WireType;

/** The README's quick-start family (checked against README.md by GuideSnippetsTest). */
// tag::family[]
public sealed interface WorkflowEvent extends Event {
  Family<WorkflowEvent> FAMILY = Family.builder("workflow", WorkflowEvent.class).build();

  @WireType("step_done") record StepDone(String step) implements WorkflowEvent, ServerEvent {}
  @WireType("cancel")    record Cancel() implements WorkflowEvent, ClientEvent {}
}
// end::family[]
