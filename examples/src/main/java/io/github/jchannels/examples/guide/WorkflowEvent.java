package io.github.jchannels.examples.guide;

import io.github.jchannels.core.ClientEvent;
import io.github.jchannels.core.Event;
import io.github.jchannels.core.Family;
import io.github.jchannels.core.ServerEvent;
import io.github.jchannels.core.WireType;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

// tag::family[]
/**
 * An application's own family, {@code workflow:<runId>}: what the guide's "Adding a new event
 * family" section builds step by step.
 */
public sealed interface WorkflowEvent extends Event {

  /** The family: channels {@code workflow:<id>}, ids of up to two segments (run:456). */
  Family<WorkflowEvent> FAMILY =
      Family.builder("workflow", WorkflowEvent.class).maxIdSegments(2).build();

  /** What the server sends: a client switches exhaustively over these. */
  sealed interface ToClient extends WorkflowEvent, ServerEvent
      permits StepStarted, StepCompleted, RunFinished {}

  /** What a client may send: a server handler switches over these. */
  sealed interface ToServer extends WorkflowEvent, ClientEvent permits CancelRun {}

  /** A step began. */
  @WireType("step_started")
  record StepStarted(String runId, String step, int index, int total) implements ToClient {
    public StepStarted {
      Objects.requireNonNull(runId, "runId");
      Objects.requireNonNull(step, "step");
    }
  }

  /** A step ended, successfully or not. */
  @WireType("step_completed")
  record StepCompleted(String runId, String step, boolean ok, @Nullable String output)
      implements ToClient {
    public StepCompleted {
      Objects.requireNonNull(runId, "runId");
      Objects.requireNonNull(step, "step");
    }
  }

  /** The whole run ended. */
  @WireType("run_finished")
  record RunFinished(String runId, String status) implements ToClient {
    public RunFinished {
      Objects.requireNonNull(runId, "runId");
      Objects.requireNonNull(status, "status");
    }
  }

  /** The user asks to stop the run. */
  @WireType("cancel_run")
  record CancelRun(@Nullable String reason) implements ToServer {}
}
// end::family[]
