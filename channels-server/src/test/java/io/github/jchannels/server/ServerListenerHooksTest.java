package io.github.jchannels.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.jchannels.core.Channel;
import io.github.jchannels.core.Codec;
import io.github.jchannels.core.Event;
import io.github.jchannels.core.EventRegistry;
import io.github.jchannels.core.Reply;
import io.github.jchannels.core.memory.InMemoryConnection;
import io.github.jchannels.core.memory.InMemoryTransport;
import io.github.jchannels.server.internal.Engine;
import io.github.jchannels.server.internal.Metrics;
import io.github.jchannels.server.internal.Route;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** {@link ServerListener#onHandled} and {@link ServerListener#onBroadcast}, on the engine. */
class ServerListenerHooksTest {
  private static final Duration T = Duration.ofSeconds(5);
  private static final Channel<WorkEvent> W1 = WorkEvent.FAMILY.channel("1");

  private final List<String> heard = new CopyOnWriteArrayList<>();
  private final Engine engine = new Engine(
      Codec.forServer(EventRegistry.builder().withDefaults().add(WorkEvent.FAMILY).build()),
      ServerLimits.defaults(),
      List.of(new Route(WorkEvent.FAMILY, WorkEvent.Run.class,
              (EventHandler<WorkEvent, WorkEvent.Run>) r -> r.reply(Reply.ok(null))),
          new Route(WorkEvent.FAMILY, WorkEvent.Fail.class,
              (EventHandler<WorkEvent, WorkEvent.Fail>) r -> {
                throw new IllegalStateException("handler failure (expected)");
              })),
      Map.of(), Map.of(), List.of(new ServerListener() {
        @Override
        public void onHandled(Channel<?> channel, Event event, long nanos, boolean failed) {
          assertThat(nanos).isNotNegative();
          heard.add("handled " + channel.name() + " " + event + " failed=" + failed);
        }

        @Override
        public void onBroadcast(Channel<?> channel, Event event, int receivers, long nanos) {
          assertThat(nanos).isNotNegative();
          heard.add("broadcast " + channel.name() + " " + event + " to " + receivers);
        }
      }), new Metrics(), Clock.systemUTC(), "/ws");

  @Test
  void everyHandlerRunIsHeardWithItsOutcomeBeforeTheReply() {
    try (InMemoryTransport transport = new InMemoryTransport(engine)) {
      InMemoryConnection c = transport.open();
      c.takeText(T);
      c.receive("{\"channel\":\"global\",\"type\":\"subscribe\",\"data\":{\"channel\":\"work:"
          + "1\"}}");
      c.takeText(T);

      c.receive("{\"channel\":\"work:1\",\"type\":\"run\",\"data\":{\"job\":\"j\"},\"ref\":\"1\"}");
      assertThat(c.takeText(T)).contains("\"type\":\"reply\"", "\"ref\":\"1\"");
      c.receive("{\"channel\":\"work:1\",\"type\":\"fail\",\"data\":{\"why\":\"w\"},\"ref\":\""
          + "2\"}");
      assertThat(c.takeText(T)).contains("internal_error", "\"ref\":\"2\"");
      c.receive("{\"channel\":\"work:1\",\"type\":\"note\",\"data\":{\"text\":\"t\"}}");
      c.receive("{\"channel\":\"global\",\"type\":\"ping\",\"data\":{\"timestamp\":1},\"ref\""
          + ":\"p\"}");
      assertThat(c.takeText(T)).contains("\"type\":\"pong\"");

      // no handler for note: not heard; the ping is not an event of a family
      assertThat(heard).containsExactly(
          "handled work:1 " + new WorkEvent.Run("j") + " failed=false",
          "handled work:1 " + new WorkEvent.Fail("w") + " failed=true");
    }
  }

  @Test
  void everyBroadcastIsHeardWithItsReceiversAlsoWhenNobodyListens() {
    try (InMemoryTransport transport = new InMemoryTransport(engine)) {
      InMemoryConnection a = transport.open();
      a.takeText(T);
      a.receive("{\"channel\":\"global\",\"type\":\"subscribe\",\"data\":{\"channel\":\"work:"
          + "1\"}}");
      a.takeText(T);
      WorkEvent.Done done = new WorkEvent.Done("d", 1);

      assertThat(engine.broadcast(W1, done)).isEqualTo(1);
      assertThat(engine.broadcast(WorkEvent.FAMILY.channel("2"), done)).isZero();
      assertThatThrownBy(() -> engine.broadcast(W1, new WorkEvent.Run("client event")))
          .isInstanceOf(IllegalArgumentException.class);

      assertThat(heard).containsExactly(
          "broadcast work:1 " + done + " to 1",
          "broadcast work:2 " + done + " to 0");   // not the broadcast that threw
    }
  }
}
