package io.github.jchannels.server.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.jchannels.core.time.FakeScheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class InMemoryBrokerTest {
  private static final History HISTORY = History.of(5, Duration.ofSeconds(60));

  private final FakeScheduler scheduler = new FakeScheduler();
  private final List<BrokerEvent> delivered = new CopyOnWriteArrayList<>();
  private final InMemoryBroker broker = InMemoryBroker.builder().scheduler(scheduler)
      .nodeId("n1").build();

  InMemoryBrokerTest() {
    broker.start(delivered::add);
  }

  @AfterEach
  void close() {
    broker.close();
  }

  private static <T> T get(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  @Test
  void publishAssignsConsecutiveSeqInOneEpoch() throws Exception {
    StreamPosition top = get(broker.position("session:1", HISTORY));
    assertThat(top.seq()).isZero();
    StreamPosition p1 = get(broker.publish("session:1", "{\"a\":1}", HISTORY));
    StreamPosition p2 = get(broker.publish("session:1", "{\"a\":2}", HISTORY));
    assertThat(p1).isEqualTo(StreamPosition.of(top.epoch(), 1));
    assertThat(p2).isEqualTo(StreamPosition.of(top.epoch(), 2));
    assertThat(top.epoch()).hasSizeBetween(1, StreamPosition.MAX_EPOCH_LENGTH);
    assertThat(get(broker.position("session:2", HISTORY)).epoch()).isNotEqualTo(top.epoch());
  }

  @Test
  void deliversOnlyChannelsWithInterest() throws Exception {
    get(broker.publish("session:1", "x", HISTORY));
    get(broker.subscribe("session:1", HISTORY));
    StreamPosition p = get(broker.publish("session:1", "y", HISTORY));
    get(broker.publish("session:2", "z", HISTORY));
    assertThat(delivered).containsExactly(new BrokerEvent("session:1", 2, p.epoch(), "y"));
    get(broker.unsubscribe("session:1"));
    get(broker.publish("session:1", "w", HISTORY));
    assertThat(delivered).hasSize(1);
  }

  @Test
  void channelWithoutHistoryHasNoSeqAndNoRecovery() throws Exception {
    get(broker.subscribe("global:x", History.NONE));
    assertThat(get(broker.publish("global:x", "p", History.NONE))).isEqualTo(StreamPosition.NONE);
    assertThat(delivered).containsExactly(new BrokerEvent("global:x", 0, "", "p"));
    assertThat(get(broker.position("global:x", History.NONE))).isEqualTo(StreamPosition.NONE);
    assertThat(get(broker.recover("global:x", StreamPosition.of("e", 0), History.NONE, 10))
        .recovered()).isFalse();
    assertThat(broker.channelCount()).isZero();
  }

  @Test
  void recoversEveryMissedEventInOrder() throws Exception {
    String epoch = get(broker.position("c:1", HISTORY)).epoch();
    for (int i = 1; i <= 4; i++) {
      get(broker.publish("c:1", "e" + i, HISTORY));
    }
    Recovery r = get(broker.recover("c:1", StreamPosition.of(epoch, 1), HISTORY, 100));
    assertThat(r.recovered()).isTrue();
    assertThat(r.top()).isEqualTo(StreamPosition.of(epoch, 4));
    assertThat(r.events()).extracting(BrokerEvent::seq).containsExactly(2L, 3L, 4L);
    assertThat(r.events()).extracting(BrokerEvent::payload).containsExactly("e2", "e3", "e4");
  }

  @Test
  void recoveryAtTheTopIsRecoveredWithNothingToSend() throws Exception {
    StreamPosition p = get(broker.publish("c:1", "e1", HISTORY));
    Recovery r = get(broker.recover("c:1", p, HISTORY, 0));
    assertThat(r.recovered()).isTrue();
    assertThat(r.events()).isEmpty();
  }

  @Test
  void otherEpochOrPositionBeyondTopIsNotRecovered() throws Exception {
    StreamPosition p = get(broker.publish("c:1", "e1", HISTORY));
    Recovery other = get(broker.recover("c:1", StreamPosition.of("old", 0), HISTORY, 10));
    assertThat(other.recovered()).isFalse();
    assertThat(other.events()).isEmpty();
    assertThat(other.top()).isEqualTo(p);
    assertThat(get(broker.recover("c:1", StreamPosition.of(p.epoch(), 2), HISTORY, 10))
        .recovered()).isFalse();
  }

  @Test
  void evictedEventsAreNotRecoveredNeverPartially() throws Exception {
    String epoch = get(broker.position("c:1", HISTORY)).epoch();
    for (int i = 1; i <= 7; i++) {
      get(broker.publish("c:1", "e" + i, HISTORY));
    }
    // Size 5 keeps 3..7: since 2 needs 3..7 (recovered), since 1 needs 2..7 (not).
    assertThat(get(broker.recover("c:1", StreamPosition.of(epoch, 2), HISTORY, 100)).events())
        .extracting(BrokerEvent::seq).containsExactly(3L, 4L, 5L, 6L, 7L);
    Recovery r = get(broker.recover("c:1", StreamPosition.of(epoch, 1), HISTORY, 100));
    assertThat(r.recovered()).isFalse();
    assertThat(r.events()).isEmpty();
  }

  @Test
  void recoveryLimitIsExactAtTheLimit() throws Exception {
    String epoch = get(broker.position("c:1", HISTORY)).epoch();
    for (int i = 1; i <= 4; i++) {
      get(broker.publish("c:1", "e" + i, HISTORY));
    }
    assertThat(get(broker.recover("c:1", StreamPosition.of(epoch, 1), HISTORY, 3)).recovered())
        .isTrue();
    assertThat(get(broker.recover("c:1", StreamPosition.of(epoch, 0), HISTORY, 3)).recovered())
        .isFalse();
  }

  @Test
  void eventsOlderThanTheTtlAreNotRecovered() throws Exception {
    String epoch = get(broker.position("c:1", HISTORY)).epoch();
    get(broker.publish("c:1", "e1", HISTORY));
    scheduler.advance(Duration.ofSeconds(30));
    get(broker.publish("c:1", "e2", HISTORY));
    scheduler.advance(Duration.ofSeconds(30));
    // e1 is now exactly 60 s old: still kept; 1 ms later it expires.
    assertThat(get(broker.recover("c:1", StreamPosition.of(epoch, 0), HISTORY, 10)).recovered())
        .isTrue();
    scheduler.advance(Duration.ofMillis(1));
    assertThat(get(broker.recover("c:1", StreamPosition.of(epoch, 0), HISTORY, 10)).recovered())
        .isFalse();
    assertThat(get(broker.recover("c:1", StreamPosition.of(epoch, 1), HISTORY, 10)).events())
        .extracting(BrokerEvent::payload).containsExactly("e2");
  }

  @Test
  void unusedChannelsAreForgottenAfterTheMetaTtlAndComeBackUnderANewEpoch() throws Exception {
    try (InMemoryBroker b = InMemoryBroker.builder().scheduler(scheduler)
        .metaTtl(Duration.ofMinutes(10)).sweepInterval(Duration.ofMinutes(1)).build()) {
      b.start(e -> { });
      String epoch = get(b.publish("c:1", "e1", HISTORY)).epoch();
      scheduler.advance(Duration.ofMinutes(9));
      assertThat(b.channelCount()).isEqualTo(1);
      scheduler.advance(Duration.ofMinutes(1));
      assertThat(b.channelCount()).isZero();
      StreamPosition again = get(b.position("c:1", HISTORY));
      assertThat(again.epoch()).isNotEqualTo(epoch);
      assertThat(again.seq()).isZero();
    }
  }

  @Test
  void channelCountIsBoundedAndEvictsLeastRecentlyUsedWithoutInterest() throws Exception {
    try (InMemoryBroker b = InMemoryBroker.builder().scheduler(scheduler).maxChannels(2)
        .build()) {
      b.start(e -> { });
      get(b.subscribe("c:1", HISTORY));
      String e1 = get(b.publish("c:1", "x", HISTORY)).epoch();
      String e2 = get(b.publish("c:2", "x", HISTORY)).epoch();
      get(b.publish("c:3", "x", HISTORY));
      assertThat(b.channelCount()).isEqualTo(2);
      assertThat(get(b.position("c:1", HISTORY)).epoch()).isEqualTo(e1);
      assertThat(get(b.position("c:2", HISTORY)).epoch()).isNotEqualTo(e2);
    }
  }

  @Test
  void concurrentPublishersDeliverInSeqOrder() throws Exception {
    get(broker.subscribe("c:1", HISTORY));
    int threads = 4;
    int each = 500;
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> ts = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread th = new Thread(() -> {
        try {
          start.await();
          for (int i = 0; i < each; i++) {
            broker.publish("c:1", "p", HISTORY);
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      th.start();
      ts.add(th);
    }
    start.countDown();
    for (Thread th : ts) {
      th.join();
    }
    assertThat(delivered).hasSize(threads * each);
    for (int i = 0; i < delivered.size(); i++) {
      assertThat(delivered.get(i).seq()).isEqualTo(i + 1L);
    }
  }

  @Test
  void closedBrokerFailsEveryOperation() {
    broker.close();
    assertThatThrownBy(() -> get(broker.publish("c:1", "x", HISTORY)))
        .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(BrokerException.class);
    assertThatThrownBy(() -> broker.start(e -> { })).isInstanceOf(IllegalStateException.class);
    broker.close();
  }

  @Test
  void closeCancelsTheSweepAndAnOwnedSchedulerStops() {
    assertThat(scheduler.pending()).isEqualTo(1);
    broker.close();
    assertThat(scheduler.pending()).isZero();
    InMemoryBroker own = InMemoryBroker.create();
    own.start(e -> { });
    own.close();
    // its executor has terminated; the thread itself may still be leaving its run method
    await().atMost(Duration.ofSeconds(10)).until(() -> Thread.getAllStackTraces().keySet()
        .stream().noneMatch(t -> t.getName().equals("channels-broker") && t.isAlive()));
  }

  @Test
  void startTwiceIsRefused() {
    assertThatThrownBy(() -> broker.start(e -> { })).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("already started");
  }

  @Test
  void defaultsAreAssertedAsValues() {
    assertThat(History.builder().build()).isEqualTo(History.of(100, Duration.ofMinutes(5)));
    assertThat(InMemoryBroker.DEFAULT_META_TTL).isEqualTo(Duration.ofDays(1));
    assertThat(InMemoryBroker.DEFAULT_SWEEP_INTERVAL).isEqualTo(Duration.ofMinutes(1));
    assertThat(InMemoryBroker.DEFAULT_MAX_CHANNELS).isEqualTo(100_000);
    assertThat(History.NONE.enabled()).isFalse();
  }

  @Test
  void historyLimitsAreCheckedAtTheLimit() {
    assertThat(History.of(History.MAX_SIZE, History.MAX_TTL).size()).isEqualTo(1_000_000);
    assertThat(History.of(1, Duration.ofSeconds(1)).ttl()).isEqualTo(Duration.ofSeconds(1));
    assertThatThrownBy(() -> History.of(0, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(": 0");
    assertThatThrownBy(() -> History.of(History.MAX_SIZE + 1, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> History.of(1, Duration.ofMillis(999)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> History.of(1, History.MAX_TTL.plusSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> StreamPosition.of("x".repeat(65), 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(StreamPosition.of("x".repeat(64), 0).epoch()).hasSize(64);
  }
}
