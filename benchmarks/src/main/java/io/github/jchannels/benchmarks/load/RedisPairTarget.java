package io.github.jchannels.benchmarks.load;

import io.github.jchannels.core.Channels;
import io.github.jchannels.redis.RedisBroker;
import io.github.jchannels.server.ChannelServer;
import io.github.jchannels.server.broker.History;
import java.time.Duration;
import java.util.List;

/**
 * Two channels nodes in this process, each its own {@link ChannelServer} (default transport, its
 * own port) with its own {@link RedisBroker} on one Redis ({@link RedisServer}: started here on a
 * free port, or {@code REDIS_URI}). The {@code session} family keeps history (100 events, 5 min,
 * as the demo's), which recovery needs. The harness splits the subscribers across the two ports;
 * every broadcast is published on node A and reaches node B's subscribers through Redis.
 */
public final class RedisPairTarget implements Target {
  /** The history of the benchmark's family on both nodes. */
  static final History HISTORY = History.of(100, Duration.ofMinutes(5));

  private final RedisServer redis;
  private final RedisBroker brokerA;
  private final RedisBroker brokerB;
  private final ChannelServer a;
  private final ChannelServer b;

  /** Starts Redis (unless {@code REDIS_URI}), then both nodes. */
  public RedisPairTarget() {
    try {
      redis = RedisServer.start();
    } catch (Exception e) {
      throw new IllegalStateException("cannot start redis-server", e);
    }
    brokerA = RedisBroker.builder().uri(redis.uri()).nodeId("bench-a").build();
    brokerB = RedisBroker.builder().uri(redis.uri()).nodeId("bench-b").build();
    a = node(brokerA);
    b = node(brokerB);
  }

  static ChannelServer node(RedisBroker broker) {
    return ChannelServer.builder().host("127.0.0.1").port(0)
        .history(Channels.SESSION, HISTORY).broker(broker).build().start();
  }

  /** Node A (publishes) and node B. */
  public List<ChannelServer> nodes() {
    return List.of(a, b);
  }

  @Override
  public String name() {
    return "redis2";
  }

  @Override
  public LoadClient.Protocol protocol() {
    return LoadClient.Protocol.CHANNELS;
  }

  @Override
  public String path() {
    return a.path();
  }

  @Override
  public int port() {
    return a.port();
  }

  @Override
  public List<Integer> ports() {
    return List.of(a.port(), b.port());
  }

  @Override
  public int receivers() {
    return a.subscriberCount(Payload.CHANNEL) + b.subscriberCount(Payload.CHANNEL);
  }

  @Override
  public void broadcast(long seq, long sentNanos) {
    a.broadcast(Payload.CHANNEL, Payload.event(seq, sentNanos));
  }

  /** Serialisations on the publishing node A. */
  @Override
  public long serialisations() {
    return a.metrics().encodedFrames();
  }

  /** Serialisations on node B, which only frames what Redis hands it (0 expected). */
  @Override
  public long otherSerialisations() {
    return b.metrics().encodedFrames();
  }

  @Override
  public void close() {
    try {
      a.close();
      b.close();
      brokerA.close();
      brokerB.close();
    } finally {
      redis.close();
    }
  }
}
