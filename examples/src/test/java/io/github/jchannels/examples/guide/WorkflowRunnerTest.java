package io.github.jchannels.examples.guide;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.jchannels.core.Channel;
import io.github.jchannels.core.EventRegistry;
import io.github.jchannels.server.ChannelServer;
import io.github.jchannels.test.memory.InMemoryServer;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

// tag::testing[]
/** Domain code that publishes events: assert what it broadcast on which channel. */
class WorkflowRunnerTest {
  private final InMemoryServer server = InMemoryServer.start(ChannelServer.builder()
      .registry(EventRegistry.builder().withDefaults().add(WorkflowEvent.FAMILY).build()));

  @AfterEach
  void close() {
    server.close();
  }

  @Test
  void runBroadcastsEveryStepOnTheRunsChannelOnly() {
    Channel<WorkflowEvent> run1 = WorkflowEvent.FAMILY.channel("run:1");

    new GuideSamples.WorkflowRunner(server.server()).run("run:1", List.of("build", "test"));

    server.assertBroadcastOn(run1, new WorkflowEvent.StepStarted("run:1", "build", 0, 2));
    server.assertBroadcastOn(run1, new WorkflowEvent.RunFinished("run:1", "succeeded"));
    assertThat(server.broadcasts(run1)).hasSize(5)
        .first().isEqualTo(new WorkflowEvent.StepStarted("run:1", "build", 0, 2));
    server.assertNoBroadcastOn(WorkflowEvent.FAMILY.channel("run:2"));
  }
}
// end::testing[]
