package io.github.jchannels.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.jchannels.core.Channel;
import io.github.jchannels.core.Channels;
import io.github.jchannels.core.Codec;
import io.github.jchannels.core.EventRegistry;
import io.github.jchannels.core.Family;
import io.github.jchannels.core.Reply;
import io.github.jchannels.core.SessionEvent;
import io.github.jchannels.core.memory.InMemoryConnection;
import io.github.jchannels.core.memory.InMemoryTransport;
import io.github.jchannels.server.internal.Engine;
import io.github.jchannels.server.internal.Metrics;
import io.github.jchannels.server.internal.Route;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;

/** The protocol engine without sockets, driven by channels-core's in-memory transport. */
class EngineTest {
  static final Duration T = Duration.ofSeconds(1);
  final List<String> heard = new CopyOnWriteArrayList<>();
  final Engine engine = new Engine(
      Codec.forServer(EventRegistry.builder().withDefaults().add(WorkEvent.FAMILY).build()),
      ServerLimits.builder().maxSubscriptionsPerConnection(2).build(),
      List.of(new Route(WorkEvent.FAMILY, WorkEvent.Run.class,
          (EventHandler<WorkEvent, WorkEvent.Run>) r -> r.reply(Reply.ok(r.event().job()))),
          new Route(WorkEvent.FAMILY, WorkEvent.Fail.class,
          (EventHandler<WorkEvent, WorkEvent.Fail>) r -> {
            throw new IllegalStateException("x");
          })),
      Map.of(WorkEvent.FAMILY, (SubscribeAuthorizer<WorkEvent>) (ch, c) -> !ch.name().endsWith(
          "no")),
      Map.<Family<?>, Function<?, ?>>of(Channels.SESSION,
          (Function<Channel<SessionEvent>, SessionEvent>)
              ch -> new SessionEvent.SubscribeSuccess(ch.id().orElseThrow())),
      List.of(new ServerListener() {
        @Override
        public void onSubscribe(ConnectionInfo connection, String channel) {
          heard.add(connection.id() + " " + channel);
        }
      }),
      new Metrics(), Clock.fixed(Instant.ofEpochMilli(1234), ZoneOffset.UTC), "/ws");

  @Test
  void connectedFirstThenRoutingSubscriptionsAndReplies() {
    try (InMemoryTransport transport = new InMemoryTransport(engine)) {
      InMemoryConnection c = transport.open();
      assertThat(c.takeText(T)).isEqualTo("{\"channel\":\"global\",\"type\":\"connected\",\"data\":"
          + "{\"clientId\":\"" + c.id() + "\",\"serverTime\":1234,\"heartbeatIntervalMs\":30000}}");
      c.receive("{\"channel\":\"work:1\",\"type\":\"run\",\"data\":{\"job\":\"j\"},\"ref\":\"1\"}");
      assertThat(c.takeText(T)).contains("not_subscribed", "\"ref\":\"1\"");
      c.receive("{\"channel\":\"global\",\"type\":\"subscribe\",\"data\":{\"channel\":\"work:"
          + "1\"},\"ref\":\"s\"}");
      assertThat(c.takeText(T)).contains("subscription_success");
      assertThat(heard).containsExactly(c.id() + " work:1");
      c.receive("{\"channel\":\"work:1\",\"type\":\"run\",\"data\":{\"job\":\"j\"},\"ref\":\"2\"}");
      assertThat(c.takeText(T)).isEqualTo("{\"channel\":\"work:1\",\"type\":\"reply\","
          + "\"data\":{\"status\":\"ok\",\"response\":\"j\"},\"ref\":\"2\"}");
      c.receive("{\"channel\":\"work:1\",\"type\":\"fail\",\"data\":{\"why\":\"w\"},\"ref\":\""
          + "3\"}");
      assertThat(c.takeText(T)).contains("internal_error", "\"ref\":\"3\"");
      c.receive("{\"channel\":\"global\",\"type\":\"subscribe\",\"data\":{\"channel\":\"work:n"
          + "o\"}}");
      assertThat(c.takeText(T)).contains("subscription_error", "unauthorized");
      c.receive("{\"channel\":\"global\",\"type\":\"subscribe\",\"data\":{\"channel\":\"session"
          + ":a\"}}");
      assertThat(c.takeText(T)).contains("subscription_success");
      assertThat(c.takeText(T)).contains("subscribe_success");
      c.receive("{\"channel\":\"global\",\"type\":\"subscribe\",\"data\":{\"channel\":\"session"
          + ":b\"}}");
      assertThat(c.takeText(T)).contains("limit_exceeded");
      c.assertNoMoreFrames();
    }
  }

  @Test
  void broadcastGoesToSubscribersOnlyAndCloseDropsSubscriptions() {
    try (InMemoryTransport transport = new InMemoryTransport(engine)) {
      InMemoryConnection a = transport.open();
      InMemoryConnection b = transport.open();
      a.takeText(T);
      b.takeText(T);
      a.receive("{\"channel\":\"global\",\"type\":\"subscribe\",\"data\":{\"channel\":\"work:"
          + "x\"}}");
      a.takeText(T);
      assertThat(engine.broadcast(WorkEvent.FAMILY.channel("x"), new WorkEvent.Done("d", 1)))
          .isEqualTo(1);
      assertThat(a.takeText(T)).contains("\"type\":\"done\"");
      b.assertNoMoreFrames();
      a.closeFromPeer(1000, "bye");
      assertThat(engine.subscriberCount("work:x")).isZero();
      assertThat(engine.connection(a.id())).isEmpty();
      assertThat(engine.send(b.id(), WorkEvent.FAMILY.channel("x"), new WorkEvent.Done("d", 2)))
          .isTrue();
      assertThat(b.takeText(T)).contains("\"n\":2");
    }
  }

  @Test
  void replyIsAtMostOnceAndNotAfterTheHandlerReturned() {
    List<Throwable> thrown = new CopyOnWriteArrayList<>();
    List<Request<WorkEvent, WorkEvent.Run>> kept = new CopyOnWriteArrayList<>();
    Engine e = new Engine(
        Codec.forServer(EventRegistry.builder().withDefaults().add(WorkEvent.FAMILY).build()),
        ServerLimits.defaults(),
        List.of(new Route(WorkEvent.FAMILY, WorkEvent.Run.class,
            (EventHandler<WorkEvent, WorkEvent.Run>) r -> {
              r.reply(Reply.ok(1));
              try {
                r.reply(Reply.ok(2));
              } catch (IllegalStateException x) {
                thrown.add(x);
              }
              assertThat(r.replied()).isTrue();
              kept.add(r);
            })),
        Map.of(), Map.of(), List.of(), new Metrics(), Clock.systemUTC(), "/ws");
    try (InMemoryTransport transport = new InMemoryTransport(e)) {
      InMemoryConnection c = transport.open();
      c.takeText(T);
      c.receive("{\"channel\":\"global\",\"type\":\"subscribe\",\"data\":{\"channel\":\"work:"
          + "1\"}}");
      c.takeText(T);
      c.receive("{\"channel\":\"work:1\",\"type\":\"run\",\"data\":{\"job\":\"j\"},\"ref\":\"7\"}");
      assertThat(c.takeText(T)).contains("\"response\":1", "\"ref\":\"7\"");
      c.assertNoMoreFrames();
      assertThat(thrown).hasSize(1);
      Assertions.assertThatThrownBy(() -> kept.get(0).reply(Reply.ok(3)))
          .isInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void answersPingsOnTheFastPathOnlyForValidPingsOfOpenConnections() {
    try (InMemoryTransport transport = new InMemoryTransport(engine)) {
      InMemoryConnection c = transport.open();
      c.takeText(T);
      assertThat(engine.answerIfPing(c,
          "{\"channel\":\"global\",\"type\":\"ping\",\"data\":{\"timestamp\":9},\"ref\":\"p\""
              + "}")).isTrue();
      assertThat(c.takeText(T)).isEqualTo(
          "{\"channel\":\"global\",\"type\":\"pong\",\"data\":{\"timestamp\":9},\"ref\":\"p\"}");
      assertThat(engine.answerIfPing(c,
          "{\"channel\":\"global\",\"type\":\"ping\",\"data\":\"x\"}")).isFalse();
      assertThat(engine.answerIfPing(c,
          "{\"channel\":\"session:1\",\"type\":\"send_message\",\"data\":{\"message\":\"ping\"}"
              + "}")).isFalse();
      c.assertNoMoreFrames();
    }
  }
}
