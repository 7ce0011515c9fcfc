package io.github.jchannels.redis;

import io.github.jchannels.core.time.Cancellable;
import io.github.jchannels.core.time.Scheduler;
import io.github.jchannels.core.time.SystemScheduler;
import io.github.jchannels.redis.internal.ChannelSync;
import io.github.jchannels.redis.internal.Epochs;
import io.github.jchannels.redis.internal.Keys;
import io.github.jchannels.redis.internal.PresenceCodec;
import io.github.jchannels.redis.internal.Scripts;
import io.github.jchannels.redis.internal.WireMessage;
import io.github.jchannels.server.broker.Broker;
import io.github.jchannels.server.broker.BrokerEvent;
import io.github.jchannels.server.broker.BrokerException;
import io.github.jchannels.server.broker.BrokerListener;
import io.github.jchannels.server.broker.History;
import io.github.jchannels.server.broker.PresenceDiff;
import io.github.jchannels.server.broker.PresenceEntry;
import io.github.jchannels.server.broker.Recovery;
import io.github.jchannels.server.broker.StreamPosition;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.Range;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.event.ClusterTopologyChangedEvent;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.pubsub.StatefulRedisClusterPubSubConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.pubsub.api.async.RedisPubSubAsyncCommands;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;

/**
 * A {@link Broker} on Redis (standalone, behind Sentinel through a {@code redis-sentinel://}
 * URI, or a Redis Cluster through {@link Builder#cluster(List)}), on the Lettuce client: several
 * server nodes share channels through it.
 *
 * <ul>
 *   <li>One Lua script per publish, run atomically by Redis: it creates the channel's epoch if
 *       missing, takes the next seq ({@code HINCRBY}), appends the event to a capped stream
 *       ({@code XADD MAXLEN}), sets the time-to-lives and {@code PUBLISH}es the event with its seq
 *       and epoch. Scripts run with {@code EVALSHA}, and again with {@code EVAL} after a
 *       {@code NOSCRIPT} answer (Redis restarted).
 *   <li>A node subscribes (pub/sub) only to the channels it has local subscribers for.
 *   <li>The pub/sub connection reconnects by itself. After each reconnect, and at any jump in
 *       seq, the node reads what it missed from the stream ({@code XRANGE}) before delivering
 *       later events; when the stream cannot vouch for every missed event, the node reports
 *       {@link BrokerListener#onDiscontinuity} and delivers later events under their own seq.
 *   <li>While Redis cannot be reached, commands fail at once (Lettuce's REJECT_COMMANDS), so a
 *       publish fails with a {@link BrokerException} and reaches no one.
 *   <li>The payload travels unchanged: other nodes frame the bytes they receive.
 *   <li>Presence: entries in a hash per channel with an expiry per entry (a sorted set), changed
 *       by one script that publishes the change; each node refreshes its own entries every
 *       third of {@link Builder#presenceTtl(Duration)}, and the entries of a node that stops are
 *       removed, with their leaves published, by the next refresh or read of a surviving node.
 *       A node started with the id of an earlier run removes that run's entries at start.
 *   <li>Redis Cluster (7.0+): every key of a channel is hash-tagged with the channel, so a
 *       channel lives in one slot; its scripts run on that slot's primary and publish with
 *       {@code SPUBLISH}, and nodes {@code SSUBSCRIBE} (sharded pub/sub), so an event travels to
 *       the shard that owns the channel only. Lettuce follows {@code MOVED}/{@code ASK} and
 *       refreshes the topology periodically and on redirects; after a reconnect of a pub/sub
 *       connection, a topology change or a {@code SUNSUBSCRIBE} from the server (the slot moved),
 *       the broker subscribes again to each of its channels, one command per channel, and fills
 *       the gap from the stream.
 * </ul>
 *
 * <p>Threads: Lettuce's I/O threads (two by default) deliver events; this broker's scheduler runs
 * its node heartbeat and retries. {@link #close()} releases them all.
 */
public final class RedisBroker implements Broker {
  private static final Logger log = LoggerFactory.getLogger(RedisBroker.class);

  /** Default prefix of every Redis key and pub/sub channel. */
  public static final String DEFAULT_KEY_PREFIX = "channels";
  /** Default time a command may take before it fails. */
  public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(5);
  /** Default time to open a connection. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
  /** Default longest delay between two reconnect attempts. */
  public static final Duration DEFAULT_RECONNECT_DELAY_MAX = Duration.ofSeconds(2);
  /** Default time a channel's epoch and seq outlive its last use. */
  public static final Duration DEFAULT_META_TTL = Duration.ofDays(1);
  /** Default time after its last heartbeat that a node counts as dead. */
  public static final Duration DEFAULT_NODE_TTL = Duration.ofSeconds(30);
  /** Default delay before a failed subscribe or stream read is tried again. */
  public static final Duration DEFAULT_RETRY_DELAY = Duration.ofSeconds(1);
  /** Default time after which the entries of a node that stopped refreshing them are gone. */
  public static final Duration DEFAULT_PRESENCE_TTL = Duration.ofSeconds(30);
  /** Default most live events buffered per channel while its stream is read. */
  public static final int DEFAULT_MAX_PENDING = 10_000;
  /** Default period of the cluster topology refresh (Redis Cluster only). */
  public static final Duration DEFAULT_TOPOLOGY_REFRESH_PERIOD = Duration.ofSeconds(30);

  private final String nodeId;
  private final String prefix;
  private final Scheduler scheduler;
  private final @Nullable SystemScheduler ownedScheduler;
  private final Duration metaTtl;
  private final Duration nodeTtl;
  private final Duration retryDelay;
  private final int maxPending;
  private final Duration presenceTtl;
  private final Duration commandTimeout;
  /** This node's presence entries: channel → connId → entry. */
  private final ConcurrentHashMap<String, ConcurrentHashMap<String, PresenceEntry>> owned =
      new ConcurrentHashMap<>();
  private final ClientResources resources;
  private final AbstractRedisClient client;
  /** True on a Redis Cluster: sharded pub/sub ({@code SPUBLISH}, {@code SSUBSCRIBE}). */
  private final boolean sharded;
  private final StatefulConnection<String, String> connection;
  private final StatefulRedisPubSubConnection<String, String> pubsubConnection;
  private final RedisClusterAsyncCommands<String, String> redis;
  private final RedisPubSubAsyncCommands<String, String> pubsub;
  private final Scripts scripts;
  /** Cluster only: the pub/sub connections seen connected once (a later connect is a reconnect). */
  private final Set<RedisChannelHandler<?, ?>> seenPubSub =
      Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));
  /** Cluster only: the same connections, typed for the cluster. */
  private final @Nullable StatefulRedisClusterConnection<String, String> clusterCommands;
  private final @Nullable StatefulRedisClusterPubSubConnection<String, String> clusterPubSub;
  /** Cluster only: the subscription to topology changes. */
  private final @Nullable Disposable topologyEvents;
  /** Subscribed channels by pub/sub channel name. */
  private final ConcurrentHashMap<String, Sub> subs = new ConcurrentHashMap<>();
  private final Object lock = new Object();
  /** Null until started. */
  private volatile @Nullable BrokerListener listener;
  private volatile boolean closed;
  /** Guarded by lock. */
  private Cancellable heartbeat = Cancellable.NONE;
  /** Guarded by lock. */
  private Cancellable presenceTimer = Cancellable.NONE;

  private RedisBroker(Builder b, List<RedisURI> uris, boolean cluster) {
    this.nodeId = b.nodeId != null ? b.nodeId : "node-" + Epochs.next();
    this.prefix = b.keyPrefix;
    if (b.scheduler != null) {
      this.scheduler = b.scheduler;
      this.ownedScheduler = null;
    } else {
      SystemScheduler s = Scheduler.system("channels-redis");
      this.scheduler = s;
      this.ownedScheduler = s;
    }
    this.metaTtl = b.metaTtl;
    this.nodeTtl = b.nodeTtl;
    this.retryDelay = b.retryDelay;
    this.maxPending = b.maxPending;
    this.presenceTtl = b.presenceTtl;
    this.commandTimeout = b.commandTimeout;
    this.sharded = cluster;
    this.resources = DefaultClientResources.builder()
        .ioThreadPoolSize(2)
        .computationThreadPoolSize(1)
        .reconnectDelay(Delay.exponential(Duration.ofMillis(10), b.reconnectDelayMax, 2,
            TimeUnit.MILLISECONDS))
        .build();
    TimeoutOptions timeouts = TimeoutOptions.enabled(b.commandTimeout);
    SocketOptions sockets = SocketOptions.builder().connectTimeout(b.connectTimeout).build();
    StatefulConnection<String, String> c = null;
    StatefulRedisPubSubConnection<String, String> ps = null;
    AbstractRedisClient created;
    String where = cluster ? "the Redis Cluster at " + seedList(uris)
        : "Redis at " + uris.get(0).toURI();
    if (cluster) {
      List<RedisURI> seeds = new ArrayList<>();
      for (RedisURI u : uris) {
        seeds.add(named(u, "", b.commandTimeout));
      }
      RedisClusterClient cc = RedisClusterClient.create(resources, seeds);
      cc.setOptions(ClusterClientOptions.builder()
          .autoReconnect(true)
          .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
          .timeoutOptions(timeouts)
          .socketOptions(sockets)
          .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
              // Lettuce 7 enables every adaptive refresh trigger by default.
              .enablePeriodicRefresh(b.topologyRefreshPeriod)
              .build())
          .build());
      created = cc;
      // Before any connection opens, so that each one's first connect is known as such.
      cc.addListener(new RedisConnectionStateListener() {
        @Override
        public void onRedisConnected(RedisChannelHandler<?, ?> handler, SocketAddress address) {
          if (handler instanceof StatefulRedisPubSubConnection<?, ?> && !seenPubSub.add(handler)) {
            log.debug("node {}: a pub/sub connection to {} reconnected; subscribing again",
                nodeId, address);
            resubscribeAll();
          }
        }
      });
      try {
        StatefulRedisClusterConnection<String, String> cmd = cc.connect(StringCodec.UTF8);
        c = cmd;
        this.redis = cmd.async();
        StatefulRedisClusterPubSubConnection<String, String> cps =
            cc.connectPubSub(StringCodec.UTF8);
        ps = cps;
        requireShardedPubSub(cmd);
        for (RedisClusterNode primary : primaries(cc)) {
          cmd.getConnection(primary.getUri().getHost(), primary.getUri().getPort());
          cps.getConnection(primary.getUri().getHost(), primary.getUri().getPort());
        }
        this.clusterCommands = cmd;
        this.clusterPubSub = cps;
      } catch (RuntimeException e) {
        closeQuietly(ps);
        closeQuietly(c);
        this.client = created;
        shutdownClient();
        throw e instanceof BrokerException be ? be
            : new BrokerException("cannot connect to " + where + ": " + e.getMessage(), e);
      }
    } else {
      RedisClient rc = RedisClient.create(resources);
      rc.setOptions(ClientOptions.builder()
          .autoReconnect(true)
          .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
          .timeoutOptions(timeouts)
          .socketOptions(sockets)
          .build());
      created = rc;
      this.clusterCommands = null;
      this.clusterPubSub = null;
      RedisURI uri = uris.get(0);
      try {
        StatefulRedisConnection<String, String> cmd = rc.connect(StringCodec.UTF8,
            named(uri, "-commands", b.commandTimeout));
        c = cmd;
        this.redis = cmd.async();
        ps = rc.connectPubSub(StringCodec.UTF8, named(uri, "-pubsub", b.commandTimeout));
      } catch (RuntimeException e) {
        closeQuietly(c);
        this.client = created;
        shutdownClient();
        throw new BrokerException("cannot connect to " + where + ": " + e.getMessage(), e);
      }
    }
    this.client = created;
    this.connection = c;
    this.pubsubConnection = ps;
    this.pubsub = ps.async();
    this.scripts = new Scripts(redis, sharded);
    if (cluster) {
      this.topologyEvents = resources.eventBus().get()
          .filter(e -> e instanceof ClusterTopologyChangedEvent)
          .subscribe(e -> {
            log.debug("node {}: the cluster topology changed; subscribing again", nodeId);
            connectPrimaries();
            resubscribeAll();
          });
    } else {
      this.topologyEvents = null;
    }
  }

  private static String seedList(List<RedisURI> uris) {
    List<String> out = new ArrayList<>();
    for (RedisURI u : uris) {
      out.add(u.getHost() + ":" + u.getPort());
    }
    return String.join(",", out);
  }

  private static void closeQuietly(@Nullable StatefulConnection<?, ?> c) {
    if (c != null) {
      c.close();
    }
  }

  /**
   * Fails fast on a cluster whose nodes cannot do sharded pub/sub ({@code SPUBLISH} and
   * {@code SSUBSCRIBE} came with Redis 7.0).
   */
  private void requireShardedPubSub(StatefulRedisClusterConnection<String, String> cmd) {
    String info = cmd.sync().info("server");
    String version = "";
    for (String line : info.split("\r?\n", -1)) {
      if (line.startsWith("redis_version:")) {
        version = line.substring("redis_version:".length()).trim();
      }
    }
    int dot = version.indexOf('.');
    int major;
    try {
      major = Integer.parseInt(dot > 0 ? version.substring(0, dot) : version);
    } catch (NumberFormatException e) {
      major = -1;
    }
    if (major < 7) {
      throw new BrokerException("the Redis Cluster broker needs Redis 7.0 or newer (sharded"
          + " pub/sub: SPUBLISH, SSUBSCRIBE); a node answered redis_version '" + version + "'");
    }
  }

  private static List<RedisClusterNode> primaries(RedisClusterClient cc) {
    List<RedisClusterNode> out = new ArrayList<>();
    for (RedisClusterNode n : cc.getPartitions()) {
      if (n.is(RedisClusterNode.NodeFlag.UPSTREAM) && !n.hasNoSlots()) {
        out.add(n);
      }
    }
    return out;
  }

  /**
   * Opens the connections to every primary now (cluster only). Lettuce opens a node's
   * connection on the first command routed to it, and with {@code REJECT_COMMANDS} rejects the
   * commands that arrive while that connection is still being opened; connecting up front (at
   * build, and again after a topology change) keeps that from failing ordinary commands.
   */
  private void connectPrimaries() {
    StatefulRedisClusterConnection<String, String> cmd = clusterCommands;
    StatefulRedisClusterPubSubConnection<String, String> cps = clusterPubSub;
    if (cmd == null || cps == null || closed) {
      return;
    }
    for (RedisClusterNode primary : primaries((RedisClusterClient) client)) {
      String host = primary.getUri().getHost();
      int port = primary.getUri().getPort();
      inBackground(cmd.getConnectionAsync(host, port), "connect to " + host + ":" + port);
      inBackground(cps.getConnectionAsync(host, port), "connect to " + host + ":" + port);
    }
  }

  /** Subscribes again to every channel of this node, one command each (cluster only). */
  private void resubscribeAll() {
    if (closed) {
      return;
    }
    for (Sub sub : subs.values()) {
      sub.resubscribe();
    }
  }

  private RedisURI named(RedisURI uri, String role, Duration timeout) {
    RedisURI copy = RedisURI.builder(uri).build();
    copy.setClientName("channels-" + nodeId + role);
    copy.setTimeout(timeout);
    return copy;
  }

  /** A builder; {@link Builder#uri(String)} or {@link Builder#cluster(List)} is required. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public String nodeId() {
    return nodeId;
  }

  @Override
  public void start(BrokerListener listener) {
    Objects.requireNonNull(listener, "listener");
    synchronized (lock) {
      if (closed) {
        throw new IllegalStateException("broker is closed");
      }
      if (this.listener != null) {
        throw new IllegalStateException("broker already started");
      }
      this.listener = listener;
      pubsubConnection.addListener(new PubSubListener());
      heartbeat = scheduler.schedule(Duration.ZERO, this::beat);
      presenceTimer = scheduler.schedule(presenceTtl.dividedBy(3), this::presenceTick);
    }
    purgePreviousIncarnation();
  }

  @Override
  public CompletionStage<StreamPosition> publish(String channel, String payload,
      History history) {
    Objects.requireNonNull(channel, "channel");
    Objects.requireNonNull(payload, "payload");
    Objects.requireNonNull(history, "history");
    if (closed) {
      return closedStage();
    }
    Keys k = Keys.of(prefix, channel);
    if (!history.enabled()) {
      String message = WireMessage.encode(0, "", payload);
      return wrap(sharded ? redis.spublish(k.pubsub(), message)
          : redis.publish(k.pubsub(), message), "publish")
          .thenApply(n -> StreamPosition.NONE);
    }
    String[] keys = {k.meta(), k.stream(), k.pubsub()};
    CompletionStage<List<Object>> run = scripts.publish(keys, payload,
        Integer.toString(history.size()), Long.toString(history.ttl().toMillis()),
        Long.toString(metaTtlMillis(history)), Epochs.next(),
        Long.toString(scheduler.currentTimeMillis()));
    return wrap(run, "publish").thenApply(r -> new StreamPosition((String) r.get(1),
        (Long) r.get(0)));
  }

  @Override
  public CompletionStage<Void> subscribe(String channel, History history) {
    Objects.requireNonNull(channel, "channel");
    Objects.requireNonNull(history, "history");
    if (closed) {
      return closedStage();
    }
    BrokerListener l = listener;
    if (l == null) {
      throw new IllegalStateException("broker not started");
    }
    Keys k = Keys.of(prefix, channel);
    boolean[] created = {false};
    Sub sub = subs.computeIfAbsent(k.pubsub(), name -> {
      created[0] = true;
      ChannelSync.Reader reader = reader(channel, history);
      ChannelSync sync = new ChannelSync(channel, history, reader, l, scheduler, retryDelay,
          maxPending);
      return new Sub(name, channel, sync, reader);
    });
    if (created[0]) {
      sub.attempt();
    }
    return sub.result;
  }

  @Override
  public CompletionStage<Void> unsubscribe(String channel) {
    Objects.requireNonNull(channel, "channel");
    String name = Keys.of(prefix, channel).pubsub();
    Sub sub = subs.remove(name);
    if (sub == null || closed) {
      return CompletableFuture.completedFuture(null);
    }
    sub.close();
    return wrap(sharded ? pubsub.sunsubscribe(name) : pubsub.unsubscribe(name), "unsubscribe");
  }

  @Override
  public CompletionStage<StreamPosition> position(String channel, History history) {
    Objects.requireNonNull(channel, "channel");
    Objects.requireNonNull(history, "history");
    if (closed) {
      return closedStage();
    }
    if (!history.enabled()) {
      return CompletableFuture.completedFuture(StreamPosition.NONE);
    }
    Keys k = Keys.of(prefix, channel);
    CompletionStage<List<Object>> run = scripts.read(new String[] {k.meta(), k.stream()},
        Epochs.next(), Long.toString(metaTtlMillis(history)), "p", "", "0", "0");
    return wrap(run, "read").thenApply(r -> new StreamPosition((String) r.get(1),
        (Long) r.get(0)));
  }

  @Override
  public CompletionStage<Recovery> recover(String channel, StreamPosition since, History history,
      int limit) {
    Objects.requireNonNull(channel, "channel");
    Objects.requireNonNull(since, "since");
    Objects.requireNonNull(history, "history");
    if (limit < 0) {
      throw new IllegalArgumentException("limit must be >= 0: " + limit);
    }
    if (closed) {
      return closedStage();
    }
    if (!history.enabled()) {
      return CompletableFuture.completedFuture(Recovery.notRecovered(StreamPosition.NONE));
    }
    Keys k = Keys.of(prefix, channel);
    CompletionStage<List<Object>> run = scripts.read(new String[] {k.meta(), k.stream()},
        Epochs.next(), Long.toString(metaTtlMillis(history)), "r", since.epoch(),
        Long.toString(since.seq()), Integer.toString(limit));
    long oldestKept = scheduler.currentTimeMillis() - history.ttl().toMillis();
    return wrap(run, "read").thenApply(r -> toRecovery(channel, since, oldestKept, r));
  }

  @SuppressWarnings("unchecked")
  private static Recovery toRecovery(String channel, StreamPosition since, long oldestKept,
      List<Object> r) {
    StreamPosition top = new StreamPosition((String) r.get(1), (Long) r.get(0));
    if ((Long) r.get(2) != 1L) {
      return Recovery.notRecovered(top);
    }
    List<Object> entries = r.size() > 3 ? (List<Object>) r.get(3) : List.of();
    long missed = top.seq() - since.seq();
    if (entries.size() != missed) {
      return Recovery.notRecovered(top);
    }
    List<BrokerEvent> events = new ArrayList<>(entries.size());
    long expected = since.seq() + 1;
    for (Object o : entries) {
      List<Object> entry = (List<Object>) o;
      String id = (String) entry.get(0);
      List<Object> fields = (List<Object>) entry.get(1);
      long seq = Long.parseLong(id.substring(0, id.indexOf('-')));
      String time = null;
      String payload = null;
      for (int i = 0; i + 1 < fields.size(); i += 2) {
        if ("t".equals(fields.get(i))) {
          time = (String) fields.get(i + 1);
        } else if ("d".equals(fields.get(i))) {
          payload = (String) fields.get(i + 1);
        }
      }
      if (seq != expected || time == null || payload == null
          || Long.parseLong(time) < oldestKept) {
        return Recovery.notRecovered(top);
      }
      events.add(new BrokerEvent(channel, seq, top.epoch(), payload));
      expected++;
    }
    return Recovery.recovered(top, events);
  }

  @Override
  public CompletionStage<Set<String>> liveNodes() {
    if (closed) {
      return closedStage();
    }
    long now = scheduler.currentTimeMillis();
    return wrap(redis.zrangebyscore(Keys.nodes(prefix),
        Range.create((double) (now - nodeTtl.toMillis()), Double.POSITIVE_INFINITY)), "read")
        .thenApply(HashSet::new);
  }

  /**
   * {@inheritDoc} On Redis: one script per change ({@code channels:{ch}:p}, a hash connId →
   * entry, and {@code channels:{ch}:pz}, a sorted set connId → expiry), which publishes the
   * change to every node subscribed to the channel. This node refreshes the expiry of its own
   * entries every third of the presence time-to-live; the entries of a node that stops doing so
   * expire, and the next node that reads or refreshes the channel removes them and publishes
   * their leaves.
   */
  @Override
  public CompletionStage<Void> updatePresence(String channel, PresenceDiff diff) {
    Objects.requireNonNull(channel, "channel");
    Objects.requireNonNull(diff, "diff");
    if (closed) {
      return closedStage();
    }
    owned.compute(channel, (k, mine) -> {
      ConcurrentHashMap<String, PresenceEntry> m = mine != null ? mine : new ConcurrentHashMap<>();
      for (PresenceEntry e : diff.leaves()) {
        m.remove(e.connId());
      }
      for (PresenceEntry e : diff.joins()) {
        m.put(e.connId(), e);
      }
      return m.isEmpty() ? null : m;
    });
    return runPresenceUpdate(channel, diff);
  }

  private CompletionStage<Void> runPresenceUpdate(String channel, PresenceDiff diff) {
    List<String> args = new ArrayList<>();
    long now = scheduler.currentTimeMillis();
    args.add(Long.toString(now + entryTtlMillis()));
    args.add(Long.toString(presenceTtl.toMillis() * 2));
    args.add(Integer.toString(diff.leaves().size()));
    for (PresenceEntry e : diff.leaves()) {
      args.add(e.connId());
    }
    args.add(Integer.toString(diff.joins().size()));
    for (PresenceEntry e : diff.joins()) {
      args.add(e.connId());
      args.add(PresenceCodec.encode(e, nodeId));
    }
    if (!diff.joins().isEmpty()) {
      String index = Keys.presenceIndex(prefix, nodeId);
      inBackground(redis.sadd(index, channel), "presence index update");
      inBackground(redis.pexpire(index, presenceTtl.toMillis() * 2), "presence index update");
    }
    CompletionStage<List<Object>> run = scripts.presenceUpdate(
        Keys.presence(prefix, channel), args.toArray(String[]::new));
    return wrap(run, "presence update").thenApply(r -> null);
  }

  @Override
  public CompletionStage<List<PresenceEntry>> presence(String channel) {
    Objects.requireNonNull(channel, "channel");
    if (closed) {
      return closedStage();
    }
    long now = scheduler.currentTimeMillis();
    CompletionStage<List<Object>> run = scripts.presenceRead(
        Keys.presence(prefix, channel), Long.toString(now), "r", "0", "0");
    return wrap(run, "presence read").thenApply(r -> {
      List<PresenceEntry> out = new ArrayList<>(r.size());
      for (Object o : r) {
        PresenceEntry e = o instanceof String s ? PresenceCodec.decode(s) : null;
        if (e != null) {
          out.add(e);
        }
      }
      out.sort(Comparator.comparingLong(PresenceEntry::joinedAt)
          .thenComparing(PresenceEntry::connId));
      return List.copyOf(out);
    });
  }

  /** The presence time-to-live. */
  public Duration presenceTtl() {
    return presenceTtl;
  }

  /**
   * Removes the presence entries that an earlier process with this node id left behind (it
   * died, or was stopped without its server closing its connections), publishing their leaves,
   * so that a restarted node leaves no ghosts. Waits at most the command timeout; what it could
   * not remove expires within the presence TTL.
   */
  private void purgePreviousIncarnation() {
    String index = Keys.presenceIndex(prefix, nodeId);
    try {
      List<String> channels = new ArrayList<>(redis.smembers(index).get(
          commandTimeout.toMillis(), TimeUnit.MILLISECONDS));
      List<CompletableFuture<List<Object>>> runs = new ArrayList<>();
      for (String channel : channels) {
        runs.add(scripts.<List<Object>>presencePurge(Keys.presence(prefix, channel),
            nodeId).toCompletableFuture());
      }
      CompletableFuture.allOf(runs.toArray(CompletableFuture[]::new))
          .get(commandTimeout.toMillis(), TimeUnit.MILLISECONDS);
      redis.del(index).get(commandTimeout.toMillis(), TimeUnit.MILLISECONDS);
      if (!channels.isEmpty()) {
        log.info("node {}: removed the presence entries of its previous run on {} channels",
            nodeId, channels.size());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      log.warn("node {}: could not remove the presence entries of its previous run ({}); they"
          + " expire within {}", nodeId, e.getMessage(), presenceTtl);
    }
  }

  private long entryTtlMillis() {
    return presenceTtl.toMillis() * 2 / 3;
  }

  /**
   * Every third of the presence TTL: for each channel where this node has entries, removes the
   * expired entries of any node (publishing their leaves), refreshes this node's own, and
   * stores again those of its entries that Redis lost (a Redis restart, or an expiry while this
   * node could not reach it), publishing them as joins.
   */
  private void presenceTick() {
    synchronized (lock) {
      if (closed) {
        return;
      }
      presenceTimer = scheduler.schedule(presenceTtl.dividedBy(3), this::presenceTick);
    }
    long now = scheduler.currentTimeMillis();
    if (!owned.isEmpty()) {
      inBackground(redis.pexpire(Keys.presenceIndex(prefix, nodeId),
          presenceTtl.toMillis() * 2), "presence index refresh");
    }
    for (Map.Entry<String, ConcurrentHashMap<String, PresenceEntry>> c : owned.entrySet()) {
      String channel = c.getKey();
      List<String> args = new ArrayList<>();
      args.add(Long.toString(now));
      args.add("t");
      args.add(Long.toString(now + entryTtlMillis()));
      args.add(Long.toString(presenceTtl.toMillis() * 2));
      args.addAll(c.getValue().keySet());
      CompletionStage<List<Object>> run = scripts.presenceRead(
          Keys.presence(prefix, channel), args.toArray(String[]::new));
      run.whenComplete((missing, e) -> {
        if (e != null) {
          log.debug("presence refresh of {} failed", channel, e);
          return;
        }
        List<PresenceEntry> again = new ArrayList<>();
        Map<String, PresenceEntry> mine = owned.get(channel);
        for (Object id : missing) {
          PresenceEntry entry = mine != null ? mine.get(String.valueOf(id)) : null;
          if (entry != null) {
            again.add(entry);
          }
        }
        if (!again.isEmpty() && !closed) {
          log.info("{} presence entries of this node on {} were gone from Redis; storing them"
              + " again", again.size(), channel);
          runPresenceUpdate(channel, new PresenceDiff(again, List.of()));
        }
      });
    }
  }

  /** True while both connections to Redis are open (they reconnect by themselves). */
  public boolean isConnected() {
    return !closed && connection.isOpen() && pubsubConnection.isOpen();
  }

  @Override
  public void close() {
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      heartbeat.cancel();
      presenceTimer.cancel();
    }
    for (Sub s : subs.values()) {
      s.close();
    }
    subs.clear();
    try {
      redis.zrem(Keys.nodes(prefix), nodeId).get(1, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.debug("could not remove node {} from the live nodes", nodeId, e);
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
    }
    if (topologyEvents != null) {
      topologyEvents.dispose();
    }
    pubsubConnection.close();
    connection.close();
    shutdownClient();
    if (ownedScheduler != null) {
      ownedScheduler.close();
    }
  }

  // ------------------------------------------------------------------ internals

  private void shutdownClient() {
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    try {
      resources.shutdown(0, 2, TimeUnit.SECONDS).get(3, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.debug("Lettuce resources did not shut down cleanly", e);
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private long metaTtlMillis(History history) {
    return Math.max(metaTtl.toMillis(), history.ttl().toMillis());
  }

  private ChannelSync.Reader reader(String channel, History history) {
    return new ChannelSync.Reader() {
      @Override
      public CompletionStage<StreamPosition> position() {
        return RedisBroker.this.position(channel, history);
      }

      @Override
      public CompletionStage<Recovery> recover(StreamPosition since) {
        return RedisBroker.this.recover(channel, since, history, history.size());
      }
    };
  }

  private void beat() {
    synchronized (lock) {
      if (closed) {
        return;
      }
      heartbeat = scheduler.schedule(nodeTtl.dividedBy(3), this::beat);
    }
    long now = scheduler.currentTimeMillis();
    String key = Keys.nodes(prefix);
    inBackground(redis.zadd(key, (double) now, nodeId), "heartbeat");
    inBackground(redis.zremrangebyscore(key, Range.create(Double.NEGATIVE_INFINITY,
        (double) (now - nodeTtl.toMillis() * 10))), "heartbeat");
  }

  private static <T> CompletionStage<T> wrap(CompletionStage<T> stage, String what) {
    return stage.handle((v, e) -> {
      if (e == null) {
        return CompletableFuture.completedFuture(v);
      }
      Throwable cause = e instanceof CompletionException && e.getCause() != null
          ? e.getCause() : e;
      return CompletableFuture.<T>failedFuture(
          new BrokerException("Redis " + what + " failed: " + cause.getMessage(), cause));
    }).thenCompose(s -> s);
  }

  /** A command whose answer no one waits for: a failure is logged (and retried by its timer). */
  private static void inBackground(CompletionStage<?> command, String what) {
    command.whenComplete((v, e) -> {
      if (e != null) {
        log.debug("Redis {} failed", what, e);
      }
    });
  }

  private static <T> CompletionStage<T> closedStage() {
    return CompletableFuture.failedFuture(new BrokerException("broker is closed"));
  }

  /** One subscribed channel: its delivery and its (re)subscription attempts. */
  private final class Sub {
    final String name;
    final String channel;
    final ChannelSync sync;
    final ChannelSync.Reader reader;
    /** The answer given to callers of subscribe: the first attempt's, then a later success. */
    volatile CompletableFuture<Void> result = new CompletableFuture<>();
    volatile boolean confirmed;
    volatile boolean closed;
    /** Guarded by this. */
    Cancellable retry = Cancellable.NONE;

    Sub(String name, String channel, ChannelSync sync, ChannelSync.Reader reader) {
      this.name = name;
      this.channel = channel;
      this.sync = sync;
      this.reader = reader;
    }

    void attempt() {
      if (sync.history().enabled()) {
        // The top before subscribing is where this node's delivery starts.
        reader.position().whenComplete((top, e) -> {
          if (e != null || top == null) {
            failed(e != null ? e : new BrokerException("no stream position"));
            return;
          }
          sync.baseline(top);
          subscribeNow();
        });
      } else {
        subscribeNow();
      }
    }

    private void subscribeNow() {
      (sharded ? pubsub.ssubscribe(name) : pubsub.subscribe(name)).whenComplete((v, e) -> {
        if (e == null) {
          confirm();
        } else {
          failed(e);
        }
      });
    }

    /**
     * Subscribes again (Redis Cluster): the server dropped the subscription (its slot moved), or
     * a pub/sub connection came back, or the topology changed. Lettuce resubscribes a reconnected
     * node connection with one {@code SSUBSCRIBE} of all its channels, which a node refuses
     * ({@code CROSSSLOT}) when they are in different slots, and it does not follow a slot that
     * moved: so the broker sends one {@code SSUBSCRIBE} per channel, routed by slot, and retries
     * every {@code retryDelay} until one succeeds. Each confirmation makes the channel check its
     * stream for what it missed.
     */
    void resubscribe() {
      synchronized (this) {
        if (closed) {
          return;
        }
        retry.cancel();
      }
      pubsub.ssubscribe(name).whenComplete((v, e) -> {
        if (e == null) {
          confirm();
          return;
        }
        log.debug("subscribing again to {} failed; retrying in {}", name, retryDelay, e);
        synchronized (this) {
          if (!closed) {
            // Two attempts may fail at once (a reconnect and a topology change): one retry.
            retry.cancel();
            retry = scheduler.schedule(retryDelay, this::resubscribe);
          }
        }
      });
    }

    private void failed(Throwable e) {
      log.debug("subscribing to {} failed; retrying in {}", name, retryDelay, e);
      Throwable cause = e instanceof CompletionException && e.getCause() != null
          ? e.getCause() : e;
      result.completeExceptionally(new BrokerException(
          "Redis subscribe failed: " + cause.getMessage(), cause));
      synchronized (this) {
        if (!closed && !confirmed) {
          retry = scheduler.schedule(retryDelay, this::attempt);
        }
      }
    }

    void confirm() {
      confirmed = true;
      if (!result.complete(null) && result.isCompletedExceptionally()) {
        result = CompletableFuture.completedFuture(null);
      }
    }

    void close() {
      synchronized (this) {
        closed = true;
        retry.cancel();
      }
      sync.close();
    }
  }

  private final class PubSubListener extends RedisPubSubAdapter<String, String> {
    @Override
    public void message(String channel, String message) {
      Sub sub = subs.get(channel);
      if (sub == null) {
        return;
      }
      if (message.startsWith(PresenceCodec.PREFIX)) {
        PresenceDiff diff = PresenceCodec.parseMessage(message);
        BrokerListener l = listener;
        if (diff == null) {
          log.warn("ignoring a presence message on {} that is not in the broker's format",
              channel);
        } else if (l != null && !sub.closed) {
          try {
            l.onPresence(sub.channel, diff);
          } catch (RuntimeException e) {
            log.warn("broker listener failed on a presence change of {}", sub.channel, e);
          }
        }
        return;
      }
      WireMessage m = WireMessage.parse(message);
      if (m == null) {
        log.warn("ignoring a message on {} that is not in the broker's format", channel);
        return;
      }
      sub.sync.onMessage(m);
    }

    @Override
    public void smessage(String shardChannel, String message) {
      message(shardChannel, message);
    }

    @Override
    public void subscribed(String channel, long count) {
      Sub sub = subs.get(channel);
      if (sub == null) {
        if (!closed) {
          if (sharded) {
            inBackground(pubsub.sunsubscribe(channel), "unsubscribe");
          } else {
            inBackground(pubsub.unsubscribe(channel), "unsubscribe");
          }
        }
        return;
      }
      sub.confirm();
      sub.sync.onSubscribed();
    }

    @Override
    public void ssubscribed(String shardChannel, long count) {
      subscribed(shardChannel, count);
    }

    /**
     * The server ends sharded subscriptions of a slot it no longer owns (resharding, failover):
     * a channel this node still wants is subscribed again, on the slot's new owner.
     */
    @Override
    public void sunsubscribed(String shardChannel, long count) {
      Sub sub = subs.get(shardChannel);
      if (sub != null && !closed) {
        log.debug("node {}: Redis ended the subscription to {}; subscribing again", nodeId,
            shardChannel);
        sub.resubscribe();
      }
    }
  }

  /** Builds a {@link RedisBroker}. Setters reject values out of their limits. */
  public static final class Builder {
    private @Nullable String uri;
    private @Nullable List<String> seeds;
    private Duration topologyRefreshPeriod = DEFAULT_TOPOLOGY_REFRESH_PERIOD;
    private @Nullable String nodeId;
    private @Nullable Scheduler scheduler;
    private String keyPrefix = DEFAULT_KEY_PREFIX;
    private Duration commandTimeout = DEFAULT_COMMAND_TIMEOUT;
    private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
    private Duration reconnectDelayMax = DEFAULT_RECONNECT_DELAY_MAX;
    private Duration metaTtl = DEFAULT_META_TTL;
    private Duration nodeTtl = DEFAULT_NODE_TTL;
    private Duration retryDelay = DEFAULT_RETRY_DELAY;
    private int maxPending = DEFAULT_MAX_PENDING;
    private Duration presenceTtl = DEFAULT_PRESENCE_TTL;

    private Builder() {}

    /**
     * The Redis to use (required), for example {@code redis://127.0.0.1:6379},
     * {@code rediss://host:6380} (TLS) or {@code redis-sentinel://host:26379#mymaster}.
     */
    public Builder uri(String uri) {
      this.uri = Objects.requireNonNull(uri, "uri");
      return this;
    }

    /**
     * A Redis Cluster (7.0 or newer) instead of {@link #uri(String)}: one or more of its nodes
     * ({@code redis://host:port}, {@code rediss://} for TLS; user and password as in
     * {@link #uri(String)}), from which the broker learns the whole topology. Events then go by
     * sharded pub/sub ({@code SPUBLISH}/{@code SSUBSCRIBE}) to the shard that owns the
     * channel's slot; see docs/scale-out.md, "Redis Cluster".
     *
     * @throws IllegalArgumentException if {@code seeds} is empty
     */
    public Builder cluster(List<String> seeds) {
      Objects.requireNonNull(seeds, "seeds");
      if (seeds.isEmpty()) {
        throw new IllegalArgumentException("a Redis Cluster needs at least one seed node");
      }
      for (String seed : seeds) {
        Objects.requireNonNull(seed, "seed");
      }
      this.seeds = List.copyOf(seeds);
      return this;
    }

    /**
     * Redis Cluster only: how often the broker asks the cluster for its topology (default 30 s,
     * 1 s to 1 hour). It also refreshes at once on a {@code MOVED} or {@code ASK} redirect and on
     * repeated reconnects (Lettuce's adaptive refresh).
     */
    public Builder topologyRefreshPeriod(Duration topologyRefreshPeriod) {
      this.topologyRefreshPeriod = check("topologyRefreshPeriod", topologyRefreshPeriod,
          Duration.ofSeconds(1), Duration.ofHours(1));
      return this;
    }

    /** This node's id, 1-64 characters (default: {@code node-} and a random suffix). */
    public Builder nodeId(String nodeId) {
      Objects.requireNonNull(nodeId, "nodeId");
      if (nodeId.isEmpty() || nodeId.length() > 64) {
        throw new IllegalArgumentException("nodeId must be 1-64 characters: '" + nodeId + "'");
      }
      this.nodeId = nodeId;
      return this;
    }

    /**
     * The clock and timers (default: a system scheduler of the broker's own, closed with it; a
     * scheduler given here stays its owner's). Its wall clock stamps history entries, so the
     * nodes' clocks should agree to well within the history's time-to-live.
     */
    public Builder scheduler(Scheduler scheduler) {
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    /** Prefix of every key and pub/sub channel, 1-64 characters (default {@code channels}). */
    public Builder keyPrefix(String keyPrefix) {
      Objects.requireNonNull(keyPrefix, "keyPrefix");
      if (keyPrefix.isEmpty() || keyPrefix.length() > 64) {
        throw new IllegalArgumentException("keyPrefix must be 1-64 characters: '" + keyPrefix
            + "'");
      }
      this.keyPrefix = keyPrefix;
      return this;
    }

    /** How long a command may take before it fails (default 5 s, 10 ms to 5 min). */
    public Builder commandTimeout(Duration commandTimeout) {
      this.commandTimeout = check("commandTimeout", commandTimeout, Duration.ofMillis(10),
          Duration.ofMinutes(5));
      return this;
    }

    /** How long opening a connection may take (default 5 s, 10 ms to 5 min). */
    public Builder connectTimeout(Duration connectTimeout) {
      this.connectTimeout = check("connectTimeout", connectTimeout, Duration.ofMillis(10),
          Duration.ofMinutes(5));
      return this;
    }

    /** Longest delay between reconnect attempts (default 2 s, 10 ms to 5 min). */
    public Builder reconnectDelayMax(Duration reconnectDelayMax) {
      this.reconnectDelayMax = check("reconnectDelayMax", reconnectDelayMax,
          Duration.ofMillis(10), Duration.ofMinutes(5));
      return this;
    }

    /**
     * How long a channel's epoch and seq outlive its last publish or read (default 1 day, 1 s to
     * 365 days; never less than the channel's history time-to-live). After it the channel starts
     * again under a new epoch.
     */
    public Builder metaTtl(Duration metaTtl) {
      this.metaTtl = check("metaTtl", metaTtl, Duration.ofSeconds(1), Duration.ofDays(365));
      return this;
    }

    /**
     * How long after its last heartbeat a node counts as dead (default 30 s, 3 s to 1 hour); the
     * node beats every third of it.
     */
    public Builder nodeTtl(Duration nodeTtl) {
      this.nodeTtl = check("nodeTtl", nodeTtl, Duration.ofSeconds(3), Duration.ofHours(1));
      return this;
    }

    /** Delay before a failed subscribe or stream read is tried again (default 1 s). */
    public Builder retryDelay(Duration retryDelay) {
      this.retryDelay = check("retryDelay", retryDelay, Duration.ofMillis(1),
          Duration.ofMinutes(5));
      return this;
    }

    /**
     * Most live events buffered per channel while the node reads its stream (default 10,000,
     * at least 1). Beyond it the oldest buffered event is dropped; it is still in the stream and
     * is read from there, or reported as a discontinuity.
     */
    public Builder maxPending(int maxPending) {
      if (maxPending < 1) {
        throw new IllegalArgumentException("maxPending must be >= 1: " + maxPending);
      }
      this.maxPending = maxPending;
      return this;
    }

    /**
     * How long the presence entries of a node outlive its last refresh at most (default 30 s,
     * 3 s to 1 hour): the entries of a node that dies are gone, and their leaves sent by a
     * surviving node, within this time. A node refreshes its entries every third of it, each
     * for two thirds of it.
     */
    public Builder presenceTtl(Duration presenceTtl) {
      this.presenceTtl = check("presenceTtl", presenceTtl, Duration.ofSeconds(3),
          Duration.ofHours(1));
      return this;
    }

    private static Duration check(String name, Duration value, Duration min, Duration max) {
      Objects.requireNonNull(value, name);
      if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
        throw new IllegalArgumentException(
            name + " must be in range [" + min + "," + max + "]: " + value);
      }
      return value;
    }

    /**
     * Connects to Redis and returns the broker; call {@link RedisBroker#start} next.
     *
     * @throws IllegalStateException if neither a URI nor cluster seeds were given, or both
     * @throws IllegalArgumentException if the URI is malformed
     * @throws BrokerException if Redis cannot be reached now
     */
    public RedisBroker build() {
      List<String> cluster = seeds;
      if (uri != null && cluster != null) {
        throw new IllegalStateException("RedisBroker takes a uri or cluster seeds, not both");
      }
      if (cluster != null) {
        List<RedisURI> parsed = new ArrayList<>();
        for (String seed : cluster) {
          parsed.add(parse(seed));
        }
        return new RedisBroker(this, parsed, true);
      }
      if (uri == null) {
        throw new IllegalStateException("RedisBroker needs a uri (or cluster seeds)");
      }
      return new RedisBroker(this, List.of(parse(uri)), false);
    }

    private static RedisURI parse(String uri) {
      try {
        return RedisURI.create(uri);
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("malformed Redis URI: " + uri, e);
      }
    }
  }
}
