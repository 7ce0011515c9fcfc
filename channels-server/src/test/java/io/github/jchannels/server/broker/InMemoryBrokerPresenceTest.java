package io.github.jchannels.server.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.jchannels.core.time.FakeScheduler;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The presence part of the broker SPI in memory (unit test of logic). */
class InMemoryBrokerPresenceTest {
  private final FakeScheduler scheduler = new FakeScheduler();
  private final List<String> delivered = new CopyOnWriteArrayList<>();
  private final InMemoryBroker broker = InMemoryBroker.builder().scheduler(scheduler).build();

  InMemoryBrokerPresenceTest() {
    broker.start(new BrokerListener() {
      @Override
      public void onEvent(BrokerEvent event) {}

      @Override
      public void onPresence(String channel, PresenceDiff diff) {
        delivered.add(channel + " +" + diff.joins().stream().map(PresenceEntry::connId).toList()
            + " -" + diff.leaves().stream().map(PresenceEntry::connId).toList());
      }
    });
  }

  @AfterEach
  void close() {
    broker.close();
  }

  private static <T> T get(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  private static PresenceEntry entry(String key, String connId, String meta) {
    return new PresenceEntry(key, connId, 1L, meta);
  }

  @Test
  void changesApplyByConnIdInOrderAndReachTheListenerOnlyWithInterest() throws Exception {
    get(broker.updatePresence("s:1", PresenceDiff.join(entry("alice", "c1", "{}"))));
    assertThat(delivered).isEmpty();
    get(broker.subscribe("s:1", History.NONE));
    get(broker.updatePresence("s:1", PresenceDiff.join(entry("bob", "c2", "{}"))));
    get(broker.updatePresence("s:1", PresenceDiff.update(entry("alice", "c1", "{}"),
        entry("alice", "c1", "{\"t\":1}"))));
    assertThat(get(broker.presence("s:1"))).containsExactly(entry("bob", "c2", "{}"),
        entry("alice", "c1", "{\"t\":1}"));
    get(broker.updatePresence("s:1", PresenceDiff.leave(entry("bob", "c2", "{}"))));
    assertThat(get(broker.presence("s:1"))).containsExactly(entry("alice", "c1", "{\"t\":1}"));
    assertThat(delivered).containsExactly("s:1 +[c2] -[]", "s:1 +[c1] -[c1]", "s:1 +[] -[c2]");
    assertThat(get(broker.presence("s:other"))).isEmpty();
  }

  @Test
  void anEmptyChannelIsForgottenAndAClosedBrokerFails() throws Exception {
    get(broker.updatePresence("s:2", PresenceDiff.join(entry("a", "c1", "{}"))));
    get(broker.updatePresence("s:2", PresenceDiff.leave(entry("a", "c1", "{}"))));
    assertThat(get(broker.presence("s:2"))).isEmpty();
    broker.close();
    assertThatThrownBy(() -> get(broker.presence("s:2")))
        .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(BrokerException.class);
    assertThatThrownBy(() -> get(broker.updatePresence("s:2",
        PresenceDiff.join(entry("a", "c1", "{}")))))
        .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(BrokerException.class);
  }

  @Test
  void entriesRejectAMetaThatIsNoObject() {
    assertThatThrownBy(() -> entry("a", "c", "[1]")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> entry("a", "", "{}")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aBrokerWithoutPresenceFailsTheDefaultMethods() {
    Broker plain = new Broker() {
      @Override
      public String nodeId() {
        return "x";
      }

      @Override
      public void start(BrokerListener listener) {}

      @Override
      public CompletionStage<StreamPosition> publish(String c, String p, History h) {
        throw new UnsupportedOperationException();
      }

      @Override
      public CompletionStage<Void> subscribe(String c, History h) {
        throw new UnsupportedOperationException();
      }

      @Override
      public CompletionStage<Void> unsubscribe(String c) {
        throw new UnsupportedOperationException();
      }

      @Override
      public CompletionStage<StreamPosition> position(String c, History h) {
        throw new UnsupportedOperationException();
      }

      @Override
      public CompletionStage<Recovery> recover(String c, StreamPosition s, History h, int l) {
        throw new UnsupportedOperationException();
      }

      @Override
      public CompletionStage<Set<String>> liveNodes() {
        throw new UnsupportedOperationException();
      }

      @Override
      public void close() {}
    };
    assertThatThrownBy(() -> get(plain.presence("s:1"))).hasCauseInstanceOf(BrokerException.class)
        .hasMessageContaining("does not keep presence");
  }
}
