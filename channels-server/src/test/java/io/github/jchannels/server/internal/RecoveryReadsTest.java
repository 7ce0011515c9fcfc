package io.github.jchannels.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.jchannels.core.Frame;
import io.github.jchannels.core.time.FakeScheduler;
import io.github.jchannels.server.broker.BrokerException;
import io.github.jchannels.server.broker.History;
import io.github.jchannels.server.broker.InMemoryBroker;
import io.github.jchannels.server.broker.StreamPosition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Single-flight recovery reads (PROTOCOL.md section 11), on a held in-memory broker. */
class RecoveryReadsTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final String CH = "session:storm";
  private static final History HISTORY = History.of(1000, Duration.ofMinutes(5));

  private final FakeScheduler time = new FakeScheduler();
  private final HeldBroker broker = new HeldBroker(time);

  @AfterEach
  void close() {
    broker.close();
  }

  private static String payload(long i) {
    return "{\"channel\":\"" + CH + "\",\"type\":\"stream_output\",\"data\":{\"sessionId\":"
        + "\"storm\",\"message\":\"m" + i + "\",\"timestamp\":" + i + "}}";
  }

  /** Publishes {@code n} events on {@code channel}; returns the epoch. */
  private String publish(String channel, History history, int n) {
    String epoch = "";
    for (int i = 1; i <= n; i++) {
      epoch = broker.publish(channel, payload(i), history).toCompletableFuture().join().epoch();
    }
    return epoch;
  }

  private static RecoveryReads.Answer get(CompletableFuture<RecoveryReads.Answer> f)
      throws Exception {
    return f.get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  private static List<Long> seqs(RecoveryReads.Answer a) {
    List<Long> out = new ArrayList<>();
    for (Frame f : a.replay()) {
      String t = f.text();
      int i = t.indexOf("\"seq\":") + 6;
      out.add(Long.parseLong(t.substring(i, t.indexOf(',', i))));
    }
    return out;
  }

  private static List<Long> range(long fromExclusive, long toInclusive) {
    List<Long> out = new ArrayList<>();
    for (long s = fromExclusive + 1; s <= toInclusive; s++) {
      out.add(s);
    }
    return out;
  }

  @Test
  void aStormOnOneChannelCostsTwoReadsAndEachRequestGetsItsOwnSuffix() throws Exception {
    broker.start(e -> {});
    String epoch = publish(CH, HISTORY, 30);
    RecoveryReads reads = new RecoveryReads(broker, 100);

    CompletableFuture<RecoveryReads.Answer> first =
        reads.recover(CH, HISTORY, StreamPosition.of(epoch, 10));
    List<CompletableFuture<RecoveryReads.Answer>> storm = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      storm.add(reads.recover(CH, HISTORY, StreamPosition.of(epoch, 5 + i % 26)));
    }
    CompletableFuture<RecoveryReads.Answer> top = reads.position(CH, HISTORY);
    assertThat(broker.reads()).as("one read in flight; the others wait for the next")
        .containsExactly(StreamPosition.of(epoch, 10));

    broker.release(WAIT);
    assertThat(seqs(get(first))).isEqualTo(range(10, 30));
    assertThat(broker.reads()).as("one read for every request that waited, from the oldest")
        .containsExactly(StreamPosition.of(epoch, 10), StreamPosition.of(epoch, 5));
    assertThat(storm).noneMatch(CompletableFuture::isDone);

    broker.release(WAIT);
    for (int i = 0; i < storm.size(); i++) {
      RecoveryReads.Answer a = get(storm.get(i));
      long since = 5L + i % 26;
      assertThat(a.recovered()).isTrue();
      assertThat(a.top()).isEqualTo(StreamPosition.of(epoch, 30));
      assertThat(seqs(a)).as("since " + since).isEqualTo(range(since, 30));
    }
    assertThat(get(top).top()).isEqualTo(StreamPosition.of(epoch, 30));
    assertThat(get(storm.get(0)).replay().get(24))
        .as("the frames of one read are made once and shared")
        .isSameAs(get(storm.get(1)).replay().get(23));
    assertThat(broker.reads()).hasSize(2);
    assertThat(broker.maxInFlight()).isEqualTo(1);
    assertThat(reads.busyChannels()).as("an idle channel is forgotten").isZero();
  }

  @Test
  void everyAnswerIsTheOneItsOwnReadWouldGive() throws Exception {
    broker.start(e -> {});
    String epoch = publish(CH, HISTORY, 30);
    RecoveryReads reads = new RecoveryReads(broker, 10);
    CompletableFuture<RecoveryReads.Answer> blocker = reads.position(CH, HISTORY);
    CompletableFuture<RecoveryReads.Answer> otherEpoch =
        reads.recover(CH, HISTORY, StreamPosition.of("another", 25));
    CompletableFuture<RecoveryReads.Answer> beyondTop =
        reads.recover(CH, HISTORY, StreamPosition.of(epoch, 31));
    CompletableFuture<RecoveryReads.Answer> atTop =
        reads.recover(CH, HISTORY, StreamPosition.of(epoch, 30));
    CompletableFuture<RecoveryReads.Answer> overLimit =
        reads.recover(CH, HISTORY, StreamPosition.of(epoch, 19));
    CompletableFuture<RecoveryReads.Answer> atLimit =
        reads.recover(CH, HISTORY, StreamPosition.of(epoch, 20));
    CompletableFuture<RecoveryReads.Answer> inside =
        reads.recover(CH, HISTORY, StreamPosition.of(epoch, 27));
    broker.release(WAIT);
    assertThat(get(blocker).top()).isEqualTo(StreamPosition.of(epoch, 30));
    broker.release(WAIT); // from 19, the oldest: over the limit, so not recovered

    StreamPosition top = StreamPosition.of(epoch, 30);
    assertThat(get(otherEpoch)).isEqualTo(new RecoveryReads.Answer(top, false, List.of()));
    assertThat(get(beyondTop)).isEqualTo(new RecoveryReads.Answer(top, false, List.of()));
    assertThat(get(atTop)).isEqualTo(new RecoveryReads.Answer(top, true, List.of()));
    assertThat(get(overLimit)).as("11 missed, limit 10")
        .isEqualTo(new RecoveryReads.Answer(top, false, List.of()));
    assertThat(atLimit).as("may still be recoverable: read again").isNotDone();
    assertThat(inside).isNotDone();
    broker.release(WAIT);
    assertThat(get(atLimit).recovered()).as("10 missed, limit 10").isTrue();
    assertThat(seqs(get(atLimit))).isEqualTo(range(20, 30));
    assertThat(seqs(get(inside))).isEqualTo(range(27, 30));
    assertThat(broker.reads()).containsExactly(null, StreamPosition.of(epoch, 19),
        StreamPosition.of(epoch, 20));
  }

  @Test
  void whenTheOldestPositionCannotBeRecoveredTheOthersAreReadAgain() throws Exception {
    History small = History.of(10, Duration.ofMinutes(5)); // keeps 21..30 of 30
    broker.start(e -> {});
    String epoch = publish(CH, small, 30);
    RecoveryReads reads = new RecoveryReads(broker, 100);
    CompletableFuture<RecoveryReads.Answer> blocker = reads.position(CH, small);
    CompletableFuture<RecoveryReads.Answer> evicted =
        reads.recover(CH, small, StreamPosition.of(epoch, 5));
    CompletableFuture<RecoveryReads.Answer> alsoEvicted =
        reads.recover(CH, small, StreamPosition.of(epoch, 15));
    CompletableFuture<RecoveryReads.Answer> kept =
        reads.recover(CH, small, StreamPosition.of(epoch, 25));
    broker.release(WAIT);
    get(blocker);

    broker.release(WAIT);
    assertThat(get(evicted).recovered()).isFalse();
    assertThat(alsoEvicted).isNotDone();
    broker.release(WAIT);
    assertThat(get(alsoEvicted).recovered()).isFalse();
    broker.release(WAIT);
    assertThat(get(kept).recovered()).isTrue();
    assertThat(seqs(get(kept))).isEqualTo(range(25, 30));
    assertThat(broker.reads()).containsExactly(null, StreamPosition.of(epoch, 5),
        StreamPosition.of(epoch, 15), StreamPosition.of(epoch, 25));
  }

  @Test
  void expiredEventsAreNotRecoveredByAnyRequestOfTheRead() throws Exception {
    History brief = History.of(100, Duration.ofSeconds(10));
    broker.start(e -> {});
    String epoch = publish(CH, brief, 5);
    time.advance(Duration.ofSeconds(11));
    publish(CH, brief, 1); // seq 6, fresh
    RecoveryReads reads = new RecoveryReads(broker, 100);
    CompletableFuture<RecoveryReads.Answer> blocker = reads.position(CH, brief);
    CompletableFuture<RecoveryReads.Answer> old =
        reads.recover(CH, brief, StreamPosition.of(epoch, 2));
    CompletableFuture<RecoveryReads.Answer> recent =
        reads.recover(CH, brief, StreamPosition.of(epoch, 5));
    broker.release(WAIT);
    get(blocker);
    broker.release(WAIT);
    assertThat(get(old).recovered()).as("events 3..5 expired").isFalse();
    broker.release(WAIT);
    assertThat(get(recent).recovered()).isTrue();
    assertThat(seqs(get(recent))).containsExactly(6L);
  }

  @Test
  void aFailedReadFailsItsOwnRequestsOnlyAndTheNextReadIsSent() throws Exception {
    broker.start(e -> {});
    String epoch = publish(CH, HISTORY, 3);
    RecoveryReads reads = new RecoveryReads(broker, 100);
    CompletableFuture<RecoveryReads.Answer> a =
        reads.recover(CH, HISTORY, StreamPosition.of(epoch, 1));
    CompletableFuture<RecoveryReads.Answer> b =
        reads.recover(CH, HISTORY, StreamPosition.of(epoch, 2));
    broker.fail(WAIT);
    assertThat(a).failsWithin(WAIT).withThrowableThat()
        .havingCause().isInstanceOf(BrokerException.class);
    assertThat(b).isNotDone();
    broker.release(WAIT);
    assertThat(seqs(get(b))).containsExactly(3L);
    assertThat(reads.busyChannels()).isZero();
  }

  @Test
  void channelsAreReadIndependently() throws Exception {
    broker.start(e -> {});
    String e1 = publish("session:one", HISTORY, 2);
    String e2 = publish("session:two", HISTORY, 4);
    RecoveryReads reads = new RecoveryReads(broker, 100);
    CompletableFuture<RecoveryReads.Answer> one =
        reads.recover("session:one", HISTORY, StreamPosition.of(e1, 1));
    CompletableFuture<RecoveryReads.Answer> two =
        reads.recover("session:two", HISTORY, StreamPosition.of(e2, 1));
    assertThat(broker.waiting()).as("one read per channel, in parallel").isEqualTo(2);
    assertThat(reads.busyChannels()).isEqualTo(2);
    broker.release(WAIT);
    broker.release(WAIT);
    assertThat(seqs(get(one))).containsExactly(2L);
    assertThat(seqs(get(two))).containsExactly(2L, 3L, 4L);
    assertThat(reads.busyChannels()).isZero();
  }

  @Test
  void aBrokerThatAnswersAtOnceIsReadOncePerRequest() throws Exception {
    try (InMemoryBroker direct = InMemoryBroker.builder().scheduler(time).build()) {
      direct.start(e -> {});
      String epoch = "";
      for (int i = 1; i <= 3; i++) {
        epoch = direct.publish(CH, payload(i), HISTORY).toCompletableFuture().join().epoch();
      }
      RecoveryReads reads = new RecoveryReads(direct, 100);
      for (int i = 0; i < 10_000; i++) {
        RecoveryReads.Answer a = get(reads.recover(CH, HISTORY, StreamPosition.of(epoch, 1)));
        assertThat(a.replay()).hasSize(2);
      }
      assertThat(reads.busyChannels()).isZero();
    }
  }
}
