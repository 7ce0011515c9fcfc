package io.github.jchannels.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.jchannels.core.time.FakeScheduler;
import io.github.jchannels.server.broker.BrokerEvent;
import io.github.jchannels.server.broker.BrokerListener;
import io.github.jchannels.server.broker.History;
import io.github.jchannels.server.broker.Recovery;
import io.github.jchannels.server.broker.StreamPosition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The delivery logic of one channel on one node, on a stream kept in memory (the Redis side is
 * tested in {@code RedisBrokerTest}): what is delivered, and which gap is reported, when the
 * subscription is confirmed again after a reconnection.
 */
class ChannelSyncTest {
  private static final String CH = "session:1";

  /** A channel's stream: one epoch, the events it still holds, answered at once. */
  private static final class Stream implements ChannelSync.Reader {
    String epoch;
    final List<BrokerEvent> events = new ArrayList<>();
    final List<String> reads = new ArrayList<>();

    Stream(String epoch) {
      this.epoch = epoch;
    }

    void add(long seq, String payload) {
      events.add(new BrokerEvent(CH, seq, epoch, payload));
    }

    /** Redis restarted without persistence: a new epoch, nothing kept. */
    void reset(String newEpoch) {
      epoch = newEpoch;
      events.clear();
    }

    StreamPosition top() {
      return new StreamPosition(epoch, events.isEmpty() ? 0 : events.getLast().seq());
    }

    @Override
    public CompletionStage<StreamPosition> position() {
      reads.add("position");
      return CompletableFuture.completedFuture(top());
    }

    @Override
    public CompletionStage<Recovery> recover(StreamPosition since) {
      reads.add("recover " + since.epoch() + ":" + since.seq());
      long first = events.isEmpty() ? top().seq() + 1 : events.getFirst().seq();
      if (!since.epoch().equals(epoch) || since.seq() + 1 < first) {
        return CompletableFuture.completedFuture(Recovery.notRecovered(top()));
      }
      return CompletableFuture.completedFuture(Recovery.recovered(top(),
          events.stream().filter(e -> e.seq() > since.seq()).toList()));
    }
  }

  private final List<String> seen = new CopyOnWriteArrayList<>();
  private final BrokerListener listener = new BrokerListener() {
    @Override
    public void onEvent(BrokerEvent e) {
      seen.add(e.epoch() + ":" + e.seq() + " " + e.payload());
    }

    @Override
    public void onDiscontinuity(String channel, StreamPosition lastDelivered,
        StreamPosition resumedAt) {
      seen.add("gap " + lastDelivered.epoch() + ":" + lastDelivered.seq() + " -> "
          + resumedAt.epoch() + ":" + resumedAt.seq());
    }
  };

  private ChannelSync subscribed(Stream stream) {
    ChannelSync sync = new ChannelSync(CH, History.of(100, Duration.ofMinutes(5)), stream,
        listener, new FakeScheduler(), Duration.ofSeconds(1), 100);
    sync.baseline(stream.top());
    sync.onSubscribed(); // the first confirmation: nothing can have been missed
    return sync;
  }

  private static WireMessage live(Stream s, long seq, String payload) {
    s.add(seq, payload);
    return new WireMessage(seq, s.epoch, payload);
  }

  @Test
  void eventsMissedWhileDisconnectedAreReadFromTheStream() {
    Stream s = new Stream("e1");
    ChannelSync sync = subscribed(s);
    sync.onMessage(live(s, 1, "a"));
    live(s, 2, "b"); // published while the pub/sub connection was down
    sync.onSubscribed();
    sync.onMessage(live(s, 3, "c"));
    assertThat(seen).containsExactly("e1:1 a", "e1:2 b", "e1:3 c");
    assertThat(s.reads).containsExactly("recover e1:1");
  }

  @Test
  void afterAStreamResetSeenOnResubscribeTheNewEpochIsDeliveredFromItsStart() {
    Stream s = new Stream("e1");
    ChannelSync sync = subscribed(s);
    sync.onMessage(live(s, 1, "old1"));
    s.reset("e2");
    live(s, 1, "new1"); // the new epoch's first event, published before this node was back
    sync.onSubscribed();
    sync.onMessage(live(s, 2, "new2"));
    assertThat(seen).containsExactly("e1:1 old1", "gap e1:1 -> e2:0", "e2:1 new1", "e2:2 new2");
    assertThat(s.reads).containsExactly("recover e1:1", "recover e2:0");
  }

  @Test
  void afterAStreamResetSeenInALiveMessageTheNewEpochIsDeliveredFromItsStart() {
    Stream s = new Stream("e1");
    ChannelSync sync = subscribed(s);
    sync.onMessage(live(s, 1, "old1"));
    s.reset("e2");
    live(s, 1, "new1"); // lost on pub/sub, kept in the stream
    sync.onMessage(live(s, 2, "new2"));
    assertThat(seen).containsExactly("e1:1 old1", "gap e1:1 -> e2:0", "e2:1 new1", "e2:2 new2");
  }

  @Test
  void afterAResetWithAnEmptyNewStreamLiveEventsFollowTheGap() {
    Stream s = new Stream("e1");
    ChannelSync sync = subscribed(s);
    sync.onMessage(live(s, 1, "old1"));
    s.reset("e2");
    sync.onSubscribed();
    sync.onMessage(live(s, 1, "new1"));
    assertThat(seen).containsExactly("e1:1 old1", "gap e1:1 -> e2:0", "e2:1 new1");
    assertThat(s.reads).containsExactly("recover e1:1");
  }

  @Test
  void eventsTrimmedFromTheSameEpochAreAGapAndDeliveryResumesAtTheTop() {
    Stream s = new Stream("e1");
    ChannelSync sync = subscribed(s);
    sync.onMessage(live(s, 1, "a"));
    for (int seq = 2; seq <= 5; seq++) {
      live(s, seq, "x" + seq);
    }
    s.events.subList(0, 3).clear(); // trimmed: the stream holds 4 and 5 only
    sync.onSubscribed();
    sync.onMessage(live(s, 6, "f"));
    assertThat(seen).containsExactly("e1:1 a", "gap e1:1 -> e1:5", "e1:6 f");
  }
}
