package io.github.jchannels.server.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.jchannels.core.Channel;
import io.github.jchannels.core.Channels;
import io.github.jchannels.core.Codec;
import io.github.jchannels.core.EventRegistry;
import io.github.jchannels.core.Family;
import io.github.jchannels.core.SessionEvent;
import io.github.jchannels.core.memory.InMemoryConnection;
import io.github.jchannels.core.memory.InMemoryTransport;
import io.github.jchannels.core.time.FakeScheduler;
import io.github.jchannels.server.ServerLimits;
import io.github.jchannels.server.broker.History;
import io.github.jchannels.server.broker.StreamPosition;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A recovery storm through the engine (PROTOCOL.md section 11): N connections of one channel
 * resubscribing with {@code since} at once, on a broker whose reads answer only when the test
 * says so. They cost two broker reads, not N, and each connection still gets exactly its own
 * missed events, then the live ones, once each and in order.
 */
class BrokerLinkStormTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Channel<SessionEvent> CH = Channels.session("storm");
  private static final History HISTORY = History.of(1000, Duration.ofMinutes(5));
  private static final int N = 50;

  private final FakeScheduler time = new FakeScheduler();
  private final HeldBroker broker = new HeldBroker(time);
  private final Engine engine = new Engine(Codec.forServer(EventRegistry.defaults()),
      ServerLimits.defaults(), List.of(), Map.of(),
      Map.<Family<?>, Function<?, ?>>of(Channels.SESSION,
          (Function<Channel<SessionEvent>, SessionEvent>)
              ch -> new SessionEvent.SubscribeSuccess(ch.id().orElseThrow())),
      List.of(), new Metrics(), Clock.systemUTC(), "/ws");
  private final BrokerLink link = new BrokerLink(broker, true, true, Map.of(Channels.SESSION,
      HISTORY), 100, WAIT, engine.subscriptions());
  private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

  @AfterEach
  void close() {
    threads.shutdownNow();
    link.close();
  }

  private static String subscribe(String epoch, long seq) {
    return "{\"channel\":\"global\",\"type\":\"subscribe\",\"data\":{\"channel\":\""
        + CH.name() + "\",\"since\":{\"epoch\":\"" + epoch + "\",\"seq\":" + seq
        + "}},\"ref\":\"s\"}";
  }

  private static JsonNode take(InMemoryConnection c) throws Exception {
    return JSON.readTree(c.takeText(WAIT));
  }

  @Test
  void aStormCostsTwoReadsAndEveryConnectionGetsExactlyWhatItMissed() throws Exception {
    link.start();
    engine.broker(link);
    for (int i = 1; i <= 20; i++) {
      engine.broadcast(CH, new SessionEvent.StreamOutput("storm", "m" + i, i));
    }
    String epoch = broker.top(CH.name(), HISTORY).epoch();
    try (InMemoryTransport transport = new InMemoryTransport(engine)) {
      List<InMemoryConnection> conns = new ArrayList<>();
      for (int i = 0; i < N; i++) {
        InMemoryConnection c = transport.open();
        assertThat(take(c).get("type").asText()).isEqualTo("connected");
        conns.add(c);
      }
      // the first resubscribe sends its read; the other N - 1 arrive while it is in flight
      threads.execute(() -> conns.get(0).receive(subscribe(epoch, 1)));
      broker.awaitWaiting(1, WAIT);
      for (int i = 1; i < N; i++) {
        InMemoryConnection c = conns.get(i);
        long since = 1L + i % 20;
        threads.execute(() -> c.receive(subscribe(epoch, since)));
      }
      await().atMost(WAIT).until(() -> link.recoveryReads().waiting(CH.name()) == N - 1);
      // live events while every connection is held back
      for (int i = 21; i <= 23; i++) {
        engine.broadcast(CH, new SessionEvent.StreamOutput("storm", "m" + i, i));
      }
      broker.release(WAIT);
      broker.release(WAIT);
      assertThat(broker.reads()).as("the first, then one for the other N - 1, from the oldest")
          .containsExactly(StreamPosition.of(epoch, 1), StreamPosition.of(epoch, 1));

      for (int i = 0; i < N; i++) {
        InMemoryConnection c = conns.get(i);
        long since = i == 0 ? 1 : 1L + i % 20;
        JsonNode ok = take(c);
        assertThat(ok.get("type").asText()).isEqualTo("subscription_success");
        assertThat(ok.get("data").get("recovered").asBoolean()).isTrue();
        assertThat(take(c).get("type").asText()).isEqualTo("subscribe_success");
        List<Long> seqs = new ArrayList<>();
        while (seqs.isEmpty() || seqs.get(seqs.size() - 1) < 23) {
          JsonNode e = take(c);
          assertThat(e.get("type").asText()).isEqualTo("stream_output");
          seqs.add(e.get("seq").asLong());
        }
        List<Long> expected = new ArrayList<>();
        for (long s = since + 1; s <= 23; s++) {
          expected.add(s);
        }
        assertThat(seqs).as("connection " + i + " since " + since).isEqualTo(expected);
        c.assertNoMoreFrames();
      }
      assertThat(broker.maxInFlight()).isEqualTo(1);
    }
  }
}
