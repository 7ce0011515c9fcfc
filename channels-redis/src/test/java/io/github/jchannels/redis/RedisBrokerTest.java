package io.github.jchannels.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.jchannels.core.time.FakeScheduler;
import io.github.jchannels.server.broker.BrokerEvent;
import io.github.jchannels.server.broker.BrokerException;
import io.github.jchannels.server.broker.History;
import io.github.jchannels.server.broker.Recovery;
import io.github.jchannels.server.broker.StreamPosition;
import io.lettuce.core.KillArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Redis broker against a real redis-server started by the test. */
class RedisBrokerTest {
  private static final History HISTORY = History.of(10_000, Duration.ofMinutes(5));
  private static final Duration WAIT = Duration.ofSeconds(30);

  private RedisProcess redis;
  private RedisClient adminClient;
  private StatefulRedisConnection<String, String> adminConnection;
  private RedisCommands<String, String> admin;
  private final List<RedisBroker> brokers = new ArrayList<>();

  @BeforeEach
  void startRedis() throws Exception {
    redis = RedisProcess.start();
    connectAdmin();
  }

  private void connectAdmin() {
    adminClient = RedisClient.create(redis.uri());
    adminConnection = adminClient.connect();
    admin = adminConnection.sync();
  }

  private void closeAdmin() {
    adminConnection.close();
    adminClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
  }

  @AfterEach
  void stopAll() throws Exception {
    for (RedisBroker b : brokers) {
      b.close();
    }
    closeAdmin();
    redis.stop();
  }

  private RedisBroker broker(String nodeId, Recorder recorder) {
    RedisBroker b = RedisBroker.builder().uri(redis.uri()).nodeId(nodeId)
        .reconnectDelayMax(Duration.ofMillis(200)).retryDelay(Duration.ofMillis(100)).build();
    brokers.add(b);
    b.start(recorder);
    return b;
  }

  /** Kills the pub/sub connection of node {@code nodeId} (CLIENT KILL ID). */
  private void killPubSub(String nodeId) {
    String line = admin.clientList().lines()
        .filter(l -> l.contains(" name=channels-" + nodeId + "-pubsub "))
        .findFirst().orElseThrow();
    long id = Long.parseLong(line.substring(3, line.indexOf(' ')));
    assertThat(admin.clientKill(KillArgs.Builder.id(id))).isEqualTo(1L);
  }

  private static <T> T get(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void eventsPublishedOnEveryNodeReachEveryNodeInOneSeqOrder() throws Exception {
    Recorder[] rec = {new Recorder(), new Recorder(), new Recorder()};
    RedisBroker[] nodes = new RedisBroker[3];
    for (int i = 0; i < 3; i++) {
      nodes[i] = broker("n" + i, rec[i]);
      get(nodes[i].subscribe("session:1", HISTORY));
    }
    int each = 200;
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> publishers = new ArrayList<>();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    for (int i = 0; i < 3; i++) {
      RedisBroker node = nodes[i];
      String name = "n" + i;
      Thread t = new Thread(() -> {
        try {
          go.await();
          for (int k = 0; k < each; k++) {
            get(node.publish("session:1", "{\"from\":\"" + name + "\",\"k\":" + k + "}",
                HISTORY));
          }
        } catch (Exception e) {
          failure.set(e);
        }
      });
      t.start();
      publishers.add(t);
    }
    go.countDown();
    for (Thread t : publishers) {
      t.join();
    }
    assertThat(failure.get()).isNull();
    for (Recorder r : rec) {
      await().atMost(WAIT).until(() -> r.events().size() == 3 * each);
    }
    List<BrokerEvent> first = rec[0].events();
    for (int s = 0; s < first.size(); s++) {
      assertThat(first.get(s).seq()).isEqualTo(s + 1L);
    }
    assertThat(rec[1].events()).isEqualTo(first);
    assertThat(rec[2].events()).isEqualTo(first);
    assertThat(first).extracting(BrokerEvent::epoch).containsOnly(first.get(0).epoch());
    for (Recorder r : rec) {
      assertThat(r.gaps()).isEmpty();
    }
  }

  @Test
  void aNodeReceivesOnlyTheChannelsItSubscribedTo() throws Exception {
    Recorder ra = new Recorder();
    Recorder rb = new Recorder();
    RedisBroker a = broker("a", ra);
    RedisBroker b = broker("b", rb);
    get(a.subscribe("session:1", HISTORY));
    assertThat(admin.pubsubNumsub("channels:{session:1}")).containsEntry(
        "channels:{session:1}", 1L);
    get(b.publish("session:1", "x", HISTORY));
    get(b.publish("session:2", "y", HISTORY));
    await().atMost(WAIT).until(() -> ra.events().size() == 1);
    assertThat(rb.events()).isEmpty();
    get(a.unsubscribe("session:1"));
    assertThat(admin.pubsubNumsub("channels:{session:1}")).containsEntry(
        "channels:{session:1}", 0L);
  }

  @Test
  void historyIsReadAcrossNodesAllOrNothing() throws Exception {
    RedisBroker a = broker("a", new Recorder());
    RedisBroker b = broker("b", new Recorder());
    History small = History.of(5, Duration.ofMinutes(5));
    StreamPosition top = get(b.position("session:1", small));
    assertThat(top.seq()).isZero();
    for (int i = 1; i <= 7; i++) {
      StreamPosition p = get(a.publish("session:1", "e" + i, small));
      assertThat(p).isEqualTo(StreamPosition.of(top.epoch(), i));
    }
    Recovery r = get(b.recover("session:1", StreamPosition.of(top.epoch(), 2), small, 100));
    assertThat(r.recovered()).isTrue();
    assertThat(r.top()).isEqualTo(StreamPosition.of(top.epoch(), 7));
    assertThat(r.events()).extracting(BrokerEvent::payload)
        .containsExactly("e3", "e4", "e5", "e6", "e7");
    // Evicted (size 5), over the limit, beyond the top, other epoch: none at all.
    assertThat(get(b.recover("session:1", StreamPosition.of(top.epoch(), 1), small, 100)))
        .isEqualTo(Recovery.notRecovered(StreamPosition.of(top.epoch(), 7)));
    assertThat(get(b.recover("session:1", StreamPosition.of(top.epoch(), 3), small, 3))
        .recovered()).isFalse();
    assertThat(get(b.recover("session:1", StreamPosition.of(top.epoch(), 4), small, 3))
        .recovered()).isTrue();
    assertThat(get(b.recover("session:1", StreamPosition.of(top.epoch(), 8), small, 100))
        .recovered()).isFalse();
    assertThat(get(b.recover("session:1", StreamPosition.of("other", 2), small, 100))
        .recovered()).isFalse();
    Recovery none = get(b.recover("session:1", StreamPosition.of(top.epoch(), 7), small, 0));
    assertThat(none.recovered()).isTrue();
    assertThat(none.events()).isEmpty();
    assertThat(admin.xlen("channels:{session:1}:s")).isEqualTo(5);
  }

  @Test
  void eventsOlderThanTheTtlAreNotRecovered() throws Exception {
    FakeScheduler clock = new FakeScheduler();
    RedisBroker b = RedisBroker.builder().uri(redis.uri()).scheduler(clock).build();
    brokers.add(b);
    b.start(new Recorder());
    History h = History.of(100, Duration.ofSeconds(60));
    String epoch = get(b.publish("c:1", "e1", h)).epoch();
    clock.advance(Duration.ofSeconds(30));
    get(b.publish("c:1", "e2", h));
    clock.advance(Duration.ofSeconds(30));
    assertThat(get(b.recover("c:1", StreamPosition.of(epoch, 0), h, 10)).recovered()).isTrue();
    clock.advance(Duration.ofMillis(1));
    assertThat(get(b.recover("c:1", StreamPosition.of(epoch, 0), h, 10)).recovered()).isFalse();
    assertThat(get(b.recover("c:1", StreamPosition.of(epoch, 1), h, 10)).events())
        .extracting(BrokerEvent::payload).containsExactly("e2");
  }

  @Test
  void channelWithoutHistoryIsLiveOnly() throws Exception {
    Recorder ra = new Recorder();
    RedisBroker a = broker("a", ra);
    get(a.subscribe("global:x", History.NONE));
    assertThat(get(a.publish("global:x", "p", History.NONE))).isEqualTo(StreamPosition.NONE);
    await().atMost(WAIT).until(() -> ra.events().size() == 1);
    assertThat(ra.events()).containsExactly(new BrokerEvent("global:x", 0, "", "p"));
    assertThat(admin.keys("*")).doesNotContain("channels:{global:x}:m");
  }

  @Test
  void scriptsAreLoadedAgainAfterTheScriptCacheIsEmptied() throws Exception {
    RedisBroker a = broker("a", new Recorder());
    StreamPosition p1 = get(a.publish("c:1", "e1", HISTORY));
    admin.scriptFlush();
    StreamPosition p2 = get(a.publish("c:1", "e2", HISTORY));
    assertThat(p2).isEqualTo(StreamPosition.of(p1.epoch(), 2));
  }

  @Test
  void redisRestartedWithoutPersistenceChangesTheEpochAndIsReported() throws Exception {
    Recorder ra = new Recorder();
    RedisBroker a = broker("a", ra);
    RedisBroker b = broker("b", new Recorder());
    get(a.subscribe("session:1", HISTORY));
    String before = "";
    for (int i = 1; i <= 3; i++) {
      before = get(b.publish("session:1", "old" + i, HISTORY)).epoch();
    }
    await().atMost(WAIT).until(() -> ra.events().size() == 3);

    closeAdmin();
    redis.stop();
    redis.startAgain();
    connectAdmin();

    // The nodes reconnect by themselves; the first publish that succeeds starts a new stream.
    AtomicReference<StreamPosition> first = new AtomicReference<>();
    await().atMost(WAIT).ignoreExceptions()
        .until(() -> {
          first.set(get(b.publish("session:1", "new1", HISTORY)));
          return true;
        });
    String epochBefore = before;
    assertThat(first.get().epoch()).isNotEqualTo(epochBefore);
    assertThat(first.get().seq()).isEqualTo(1);
    StreamPosition second = get(b.publish("session:1", "new2", HISTORY));
    assertThat(second).isEqualTo(StreamPosition.of(first.get().epoch(), 2));

    await().atMost(WAIT).until(() -> ra.events().stream()
        .anyMatch(e -> e.payload().equals("new2")));
    assertThat(ra.gaps()).hasSize(1);
    Recorder.Gap gap = ra.gaps().get(0);
    assertThat(gap.before()).isEqualTo(StreamPosition.of(epochBefore, 3));
    assertThat(gap.resumedAt().epoch()).isEqualTo(first.get().epoch());
    List<BrokerEvent> after = ra.events().subList(3, ra.events().size());
    assertThat(after).extracting(BrokerEvent::payload).containsExactly("new1", "new2");
    ra.assertNoSilentSkip();
  }

  @Test
  void unreachableRedisFailsPublishesWhichReachNoOneAndNodesResumeByThemselves()
      throws Exception {
    Recorder ra = new Recorder();
    RedisBroker a = broker("a", ra);
    RedisBroker b = broker("b", new Recorder());
    get(a.subscribe("session:1", HISTORY));
    get(b.publish("session:1", "before", HISTORY));
    await().atMost(WAIT).until(() -> ra.events().size() == 1);

    closeAdmin();
    redis.stop();
    await().atMost(WAIT).until(() -> !b.isConnected());
    assertThatThrownBy(() -> get(b.publish("session:1", "lost", HISTORY)))
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(BrokerException.class)
        .cause().hasMessageContaining("Redis publish failed");
    assertThatThrownBy(() -> get(b.publish("global:x", "lost", History.NONE)))
        .cause().isInstanceOf(BrokerException.class);

    redis.startAgain();
    connectAdmin();
    await().atMost(WAIT).until(() -> a.isConnected() && b.isConnected());
    // a's subscription is back by itself: wait until Redis knows it, then publish.
    await().atMost(WAIT).until(() -> admin.pubsubNumsub("channels:{session:1}")
        .get("channels:{session:1}") == 1L);
    StreamPosition p = get(b.publish("session:1", "after", HISTORY));
    assertThat(p.seq()).isEqualTo(1);
    await().atMost(WAIT).until(() -> ra.events().stream()
        .anyMatch(e -> e.payload().equals("after")));
    assertThat(ra.events()).extracting(BrokerEvent::payload).containsExactly("before", "after");
    ra.assertNoSilentSkip();
  }

  @Test
  void killedPubSubConnectionWhilePublishingIsFilledFromTheStream() throws Exception {
    Recorder ra = new Recorder();
    RedisBroker a = broker("a", ra);
    RedisBroker b = broker("b", new Recorder());
    get(a.subscribe("session:1", HISTORY));
    int total = 600;
    AtomicBoolean killed = new AtomicBoolean();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread publisher = new Thread(() -> {
      try {
        for (int i = 1; i <= total; i++) {
          get(b.publish("session:1", "e" + i, HISTORY));
          if (i == 100) {
            // Keep a's reconnect out while events go on, so that some are surely missed.
            long clients = admin.clientList().lines().count();
            admin.configSet("maxclients", Long.toString(clients - 1));
            killPubSub("a");
            killed.set(true);
          }
          if (i == 300) {
            admin.configSet("maxclients", "10000");
          }
        }
      } catch (Exception e) {
        failure.set(e);
      }
    });
    publisher.start();
    publisher.join();
    assertThat(failure.get()).isNull();
    assertThat(killed).isTrue();
    await().atMost(WAIT).until(() -> ra.events().size() >= total);
    List<BrokerEvent> events = ra.events();
    for (int i = 0; i < total; i++) {
      assertThat(events.get(i).payload()).isEqualTo("e" + (i + 1));
      assertThat(events.get(i).seq()).isEqualTo(i + 1L);
    }
    assertThat(ra.gaps()).isEmpty();
    assertThat(admin.clientList()).contains("name=channels-a-pubsub");
  }

  @Test
  void killedPubSubConnectionWithTheGapEvictedIsReportedNeverSilent() throws Exception {
    Recorder ra = new Recorder();
    RedisBroker a = broker("a", ra);
    RedisBroker b = broker("b", new Recorder());
    History small = History.of(5, Duration.ofMinutes(5));
    get(a.subscribe("session:1", small));
    for (int i = 1; i <= 10; i++) {
      get(b.publish("session:1", "e" + i, small));
    }
    await().atMost(WAIT).until(() -> ra.events().size() == 10);
    long clients = admin.clientList().lines().count();
    admin.configSet("maxclients", Long.toString(clients - 1));
    killPubSub("a");
    for (int i = 11; i <= 30; i++) {
      get(b.publish("session:1", "e" + i, small));
    }
    admin.configSet("maxclients", "10000");
    await().atMost(WAIT).until(() -> admin.pubsubNumsub("channels:{session:1}")
        .get("channels:{session:1}") == 1L);
    for (int i = 31; i <= 32; i++) {
      get(b.publish("session:1", "e" + i, small));
    }
    await().atMost(WAIT).until(() -> ra.events().stream()
        .anyMatch(e -> e.payload().equals("e32")));
    ra.assertNoSilentSkip();
    assertThat(ra.gaps()).hasSize(1);
    assertThat(ra.gaps().get(0).before().seq()).isEqualTo(10);
    List<BrokerEvent> events = ra.events();
    assertThat(events.subList(0, 10)).extracting(BrokerEvent::seq)
        .containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
    assertThat(events.get(events.size() - 1).seq()).isEqualTo(32);
  }

  @Test
  void liveNodesListsEveryNodeUntilItCloses() throws Exception {
    RedisBroker a = broker("a", new Recorder());
    RedisBroker b = broker("b", new Recorder());
    await().atMost(WAIT).until(() -> get(a.liveNodes()).containsAll(List.of("a", "b")));
    b.close();
    assertThat(get(a.liveNodes())).containsExactly("a");
  }

  @Test
  void unreachableRedisAtBuildIsAClearError() throws Exception {
    redis.stop();
    assertThatThrownBy(() -> RedisBroker.builder().uri(redis.uri())
        .connectTimeout(Duration.ofSeconds(2)).build())
        .isInstanceOf(BrokerException.class).hasMessageContaining("cannot connect to Redis");
    redis.startAgain();
  }

  @Test
  void closeReleasesTheLettuceThreads() throws Exception {
    RedisBroker a = RedisBroker.builder().uri(redis.uri()).build();
    a.start(new Recorder());
    get(a.subscribe("c:1", HISTORY));
    a.close();
    await().atMost(WAIT).until(() -> Thread.getAllStackTraces().keySet().stream()
        .noneMatch(t -> t.isAlive() && t.getName().equals("channels-redis")));
    assertThatThrownBy(() -> get(a.publish("c:1", "x", HISTORY))).cause()
        .isInstanceOf(BrokerException.class).hasMessage("broker is closed");
  }

  @Test
  void defaultsAreAssertedAsValues() {
    assertThat(RedisBroker.DEFAULT_KEY_PREFIX).isEqualTo("channels");
    assertThat(RedisBroker.DEFAULT_COMMAND_TIMEOUT).isEqualTo(Duration.ofSeconds(5));
    assertThat(RedisBroker.DEFAULT_CONNECT_TIMEOUT).isEqualTo(Duration.ofSeconds(5));
    assertThat(RedisBroker.DEFAULT_RECONNECT_DELAY_MAX).isEqualTo(Duration.ofSeconds(2));
    assertThat(RedisBroker.DEFAULT_META_TTL).isEqualTo(Duration.ofDays(1));
    assertThat(RedisBroker.DEFAULT_NODE_TTL).isEqualTo(Duration.ofSeconds(30));
    assertThat(RedisBroker.DEFAULT_RETRY_DELAY).isEqualTo(Duration.ofSeconds(1));
    assertThat(RedisBroker.DEFAULT_MAX_PENDING).isEqualTo(10_000);
    assertThatThrownBy(() -> RedisBroker.builder().build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("uri");
    assertThatThrownBy(() -> RedisBroker.builder().nodeTtl(Duration.ofSeconds(2)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nodeTtl");
    assertThatThrownBy(() -> RedisBroker.builder().maxPending(0))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
