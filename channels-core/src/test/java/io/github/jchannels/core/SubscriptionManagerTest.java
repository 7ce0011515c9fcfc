package io.github.jchannels.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.jchannels.core.memory.InMemoryConnection;
import io.github.jchannels.core.transport.Connection;
import java.security.Principal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SubscriptionManagerTest {
  private final Codec codec = Codec.forServer(EventRegistry.defaults());

  private static InMemoryConnection conn(SubscriptionManager m, String id) {
    InMemoryConnection c = InMemoryConnection.recording(id);
    m.register(c);
    return c;
  }

  @Test
  void subscribeIsIdempotent() {
    SubscriptionManager m = new SubscriptionManager(10);
    InMemoryConnection a = conn(m, "a");
    assertThat(m.subscribe(a, "session:1")).isEqualTo(SubscriptionManager.Outcome.SUBSCRIBED);
    assertThat(m.subscribe(a, "session:1"))
        .isEqualTo(SubscriptionManager.Outcome.ALREADY_SUBSCRIBED);
    assertThat(m.subscriberCount("session:1")).isEqualTo(1);
    m.broadcast(codec, Channels.session("1"), new SessionEvent.SubscribeSuccess("1"));
    assertThat(a.texts()).hasSize(1);
  }

  @Test
  void limitPerConnectionIsEnforcedAtTheLimit() {
    SubscriptionManager m = new SubscriptionManager(2);
    InMemoryConnection a = conn(m, "a");
    assertThat(m.subscribe(a, "session:1").isSuccess()).isTrue();
    assertThat(m.subscribe(a, "session:2").isSuccess()).isTrue();
    assertThat(m.subscribe(a, "session:3")).isEqualTo(SubscriptionManager.Outcome.LIMIT_EXCEEDED);
    assertThat(m.subscribe(a, "session:2"))
        .isEqualTo(SubscriptionManager.Outcome.ALREADY_SUBSCRIBED);
    m.unsubscribe(a, "session:1");
    assertThat(m.subscribe(a, "session:3")).isEqualTo(SubscriptionManager.Outcome.SUBSCRIBED);
    assertThatThrownBy(() -> new SubscriptionManager(0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void unknownConnectionsCannotSubscribe() {
    SubscriptionManager m = new SubscriptionManager(2);
    InMemoryConnection a = InMemoryConnection.recording("a");
    assertThat(m.subscribe(a, "session:1"))
        .isEqualTo(SubscriptionManager.Outcome.UNKNOWN_CONNECTION);
    m.register(a);
    m.remove(a);
    assertThat(m.subscribe(a, "session:1"))
        .isEqualTo(SubscriptionManager.Outcome.UNKNOWN_CONNECTION);
    assertThat(m.subscriberCount("session:1")).isZero();
  }

  @Test
  void removeCleansTheReverseIndex() {
    SubscriptionManager m = new SubscriptionManager(10);
    InMemoryConnection a = conn(m, "a");
    InMemoryConnection b = conn(m, "b");
    m.subscribe(a, "session:1");
    m.subscribe(a, "session:2");
    m.subscribe(b, "session:1");
    assertThat(m.remove(a)).containsExactlyInAnyOrder("session:1", "session:2");
    assertThat(m.channels()).containsExactly(Map.entry("session:1", 1));
    assertThat(m.channelsOf(a)).isEmpty();
    assertThat(m.connections()).containsExactly(b);
    assertThat(m.subscriptionCount()).isEqualTo(1);
  }

  @Test
  void unsubscribeIsIdempotentAndDropsEmptyChannels() {
    SubscriptionManager m = new SubscriptionManager(10);
    InMemoryConnection a = conn(m, "a");
    m.subscribe(a, "session:1");
    assertThat(m.unsubscribe(a, "session:1")).isTrue();
    assertThat(m.unsubscribe(a, "session:1")).isFalse();
    assertThat(m.channels()).isEmpty();
    assertThat(m.isSubscribed(a, "session:1")).isFalse();
  }

  @Test
  void broadcastReachesExactlyTheSubscribersAndEncodesOnce() {
    SubscriptionManager m = new SubscriptionManager(10);
    List<InMemoryConnection> subs = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      InMemoryConnection c = conn(m, "s" + i);
      m.subscribe(c, "session:1");
      subs.add(c);
    }
    InMemoryConnection other = conn(m, "other");
    m.subscribe(other, "session:2");
    long before = codec.encodedFrames();

    int n = m.broadcast(codec, Channels.session("1"), new SessionEvent.StreamOutput("1", "hi", 1));

    assertThat(n).isEqualTo(50);
    assertThat(codec.encodedFrames() - before).isEqualTo(1);
    Frame first = subs.get(0).frames().get(0);
    for (InMemoryConnection c : subs) {
      assertThat(c.frames()).hasSize(1);
      assertThat(c.frames().get(0)).isSameAs(first);
    }
    assertThat(other.frames()).isEmpty();
  }

  @Test
  void broadcastToAChannelWithoutSubscribersDoesNotEncode() {
    SubscriptionManager m = new SubscriptionManager(10);
    long before = codec.encodedFrames();
    assertThat(
        m.broadcast(codec, Channels.session("none"), new SessionEvent.SubscribeSuccess("none")))
        .isZero();
    assertThat(codec.encodedFrames()).isEqualTo(before);
  }

  @Test
  void aFailingConnectionDoesNotStopTheBroadcast() {
    SubscriptionManager m = new SubscriptionManager(10);
    Connection broken = new FailingConnection();
    m.register(broken);
    m.subscribe(broken, "session:1");
    InMemoryConnection ok = conn(m, "ok");
    m.subscribe(ok, "session:1");
    assertThat(m.broadcast("session:1", new Frame("{}"))).isEqualTo(1);
    assertThat(ok.texts()).containsExactly("{}");
  }

  @Test
  void concurrentChurnLeavesNoStaleEntryAndLosesNoDelivery() throws Exception {
    SubscriptionManager m = new SubscriptionManager(100);
    String channel = "session:hot";
    int stableCount = 20;
    List<CountingConnection> stable = new ArrayList<>();
    for (int i = 0; i < stableCount; i++) {
      CountingConnection c = new CountingConnection("stable-" + i);
      m.register(c);
      m.subscribe(c, channel);
      stable.add(c);
    }
    int broadcasters = 2;
    int broadcasts = 5_000;
    int churners = 4;
    ExecutorService pool = Executors.newFixedThreadPool(broadcasters + churners);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> futures = new ArrayList<>();
    List<CountingConnection> churned = Collections.synchronizedList(new ArrayList<>());
    Frame frame = new Frame("{}");
    for (int b = 0; b < broadcasters; b++) {
      futures.add(pool.submit(() -> {
        start.await();
        for (int i = 0; i < broadcasts; i++) {
          m.broadcast(channel, frame);
        }
        return null;
      }));
    }
    for (int t = 0; t < churners; t++) {
      int id = t;
      futures.add(pool.submit(() -> {
        start.await();
        for (int i = 0; i < 2_000; i++) {
          CountingConnection c = new CountingConnection("churn-" + id + "-" + i);
          churned.add(c);
          m.register(c);
          m.subscribe(c, channel);
          m.subscribe(c, "session:c" + (i % 7));
          switch (i % 3) {
            case 0 -> m.unsubscribe(c, channel);
            case 1 -> m.remove(c);
            default -> {
              m.unsubscribe(c, channel);
              m.remove(c);
            }
          }
          m.remove(c);
        }
        return null;
      }));
    }
    start.countDown();
    for (Future<?> f : futures) {
      f.get(60, TimeUnit.SECONDS);
    }
    pool.shutdown();

    for (CountingConnection c : stable) {
      assertThat(c.received.get()).as(c.id()).isEqualTo((long) broadcasters * broadcasts);
    }
    assertThat(m.subscriberCount(channel)).isEqualTo(stableCount);
    assertThat(m.channels()).containsOnlyKeys(channel);
    assertThat(m.connections()).hasSize(stableCount);
    assertThat(m.subscriptionCount()).isEqualTo(stableCount);
    for (CountingConnection c : churned) {
      assertThat(m.channelsOf(c)).isEmpty();
    }
    assertThat(m.subscribers(channel)).containsExactlyInAnyOrderElementsOf(stable);
  }

  @Test
  void inMemoryConnectionsRecordAndAwaitFrames() {
    InMemoryConnection c = InMemoryConnection.recording("x");
    c.send(new Frame("{\"a\":1}"));
    assertThat(c.takeText(Duration.ofSeconds(1))).isEqualTo("{\"a\":1}");
    c.assertNoMoreFrames();
    assertThatThrownBy(() -> c.takeText(Duration.ofMillis(20))).isInstanceOf(AssertionError.class);
    c.close(1000, "bye");
    c.send(new Frame("{}"));
    assertThat(c.awaitClose(Duration.ofSeconds(1))).isEqualTo(1000);
    assertThat(c.texts()).containsExactly("{\"a\":1}");
  }

  private static class CountingConnection implements Connection {
    private final String id;
    final AtomicLong received = new AtomicLong();
    private final ConcurrentHashMap<String, Object> attributes =
        new ConcurrentHashMap<>();

    CountingConnection(String id) {
      this.id = id;
    }

    @Override
    public String id() {
      return id;
    }

    @Override
    public void send(Frame frame) {
      received.incrementAndGet();
    }

    @Override
    public void close(int code, String reason) {}

    @Override
    public boolean isOpen() {
      return true;
    }

    @Override
    public long bufferedBytes() {
      return 0;
    }

    @Override
    public Principal principal() {
      return null;
    }

    @Override
    public ConcurrentMap<String, Object> attributes() {
      return attributes;
    }
  }

  private static final class FailingConnection extends CountingConnection {
    FailingConnection() {
      super("broken");
    }

    @Override
    public void send(Frame frame) {
      throw new IllegalStateException("socket gone");
    }
  }

  @Test
  void channelsOfReturnsASnapshot() {
    SubscriptionManager m = new SubscriptionManager(10);
    InMemoryConnection a = conn(m, "a");
    m.subscribe(a, "session:1");
    Set<String> snapshot = m.channelsOf(a);
    m.subscribe(a, "session:2");
    assertThat(snapshot).containsExactly("session:1");
  }
}
