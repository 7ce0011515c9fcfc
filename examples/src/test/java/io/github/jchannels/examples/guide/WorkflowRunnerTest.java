package io.github.jchannels.examples.guide;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.jchannels.core.Channel;
import io.github.jchannels.core.Codec;
import io.github.jchannels.core.Decoded;
import io.github.jchannels.core.Event;
import io.github.jchannels.core.EventRegistry;
import io.github.jchannels.core.SubscriptionManager;
import io.github.jchannels.core.memory.InMemoryConnection;
import io.github.jchannels.server.Publisher;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

// tag::testing[]
/** Tests domain code that publishes events, with no socket and no port: core in memory. */
class WorkflowRunnerTest {
  private static final Duration WAIT = Duration.ofSeconds(1);
  private final EventRegistry registry =
      EventRegistry.builder().withDefaults().add(WorkflowEvent.FAMILY).build();
  private final Codec serverCodec = Codec.forServer(registry);
  private final Codec clientCodec = Codec.forClient(registry);
  private final SubscriptionManager subscriptions = new SubscriptionManager(16);

  /** A Publisher made of core's subscription manager and codec: the server minus sockets. */
  private final Publisher publisher = new Publisher() {
    @Override
    public <E extends Event> int broadcast(Channel<E> channel, E event) {
      return subscriptions.broadcast(serverCodec, channel, event);
    }

    @Override
    public <E extends Event> boolean send(String connectionId, Channel<E> channel, E event) {
      throw new UnsupportedOperationException();
    }

    @Override
    public <E extends Event> int notice(Channel<E> channel, E event) {
      throw new UnsupportedOperationException();
    }
  };

  @Test
  void runSendsEveryStepToSubscribersOfTheRunOnly() {
    InMemoryConnection watcher = InMemoryConnection.recording("watcher");
    InMemoryConnection bystander = InMemoryConnection.recording("bystander");
    subscriptions.register(watcher);
    subscriptions.register(bystander);
    subscriptions.subscribe(watcher, "workflow:run:1");
    subscriptions.subscribe(bystander, "workflow:run:2");

    new GuideSamples.WorkflowRunner(publisher).run("run:1", List.of("build", "test"));

    assertThat(next(watcher)).isEqualTo(new WorkflowEvent.StepStarted("run:1", "build", 0, 2));
    assertThat(next(watcher)).isEqualTo(new WorkflowEvent.StepCompleted("run:1", "build", true,
        null));
    assertThat(next(watcher)).isInstanceOf(WorkflowEvent.StepStarted.class);
    assertThat(next(watcher)).isInstanceOf(WorkflowEvent.StepCompleted.class);
    assertThat(next(watcher)).isEqualTo(new WorkflowEvent.RunFinished("run:1", "succeeded"));
    watcher.assertNoMoreFrames();
    bystander.assertNoMoreFrames();
    assertThat(serverCodec.encodedFrames()).isEqualTo(5);   // once per event, not per receiver
  }

  /** Decodes the next frame the connection received, as a client would. */
  private Event next(InMemoryConnection connection) {
    Decoded decoded = clientCodec.decode(connection.takeText(WAIT));
    assertThat(decoded).isInstanceOf(Decoded.Message.class);
    return ((Decoded.Message) decoded).event();
  }
}
// end::testing[]
