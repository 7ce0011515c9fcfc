package io.github.jchannels.server.broker;

import io.github.jchannels.core.time.Cancellable;
import io.github.jchannels.core.time.Scheduler;
import io.github.jchannels.core.time.SystemScheduler;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one-node broker, and the default: channels, their {@code seq}, epochs and history live in
 * this process's memory, and nothing leaves it. History is a bounded ring per channel (at most
 * {@link History#size()} events, each dropped once older than {@link History#ttl()}); a restart
 * loses it, and every stream then starts again under a new epoch.
 *
 * <p>{@link #publish} delivers the event to the listener on the calling thread before its stage
 * completes, under a per-channel lock, so events of one channel are delivered in {@code seq}
 * order whatever the number of publishing threads.
 *
 * <p>Memory is bounded: at most {@link Builder#maxChannels(int)} channels are tracked (beyond it
 * the least recently used channel without interest is forgotten, and a later use starts it under
 * a new epoch), and a channel unused for {@link Builder#metaTtl(Duration)} is forgotten by a
 * sweep that runs every {@link Builder#sweepInterval(Duration)} on the scheduler.
 */
public final class InMemoryBroker implements Broker {
  private static final Logger log = LoggerFactory.getLogger(InMemoryBroker.class);

  /** Default time a channel's epoch and top outlive its last use. */
  public static final Duration DEFAULT_META_TTL = Duration.ofDays(1);
  /** Default interval of the sweep that forgets unused channels and expired events. */
  public static final Duration DEFAULT_SWEEP_INTERVAL = Duration.ofMinutes(1);
  /** Default most channels tracked at once. */
  public static final int DEFAULT_MAX_CHANNELS = 100_000;

  private final String nodeId;
  private final Scheduler scheduler;
  private final @Nullable SystemScheduler ownedScheduler;
  private final Duration metaTtl;
  private final Duration sweepInterval;
  private final int maxChannels;
  /** Access-ordered (least recently used first). Guarded by itself. */
  private final LinkedHashMap<String, Stream> streams = new LinkedHashMap<>(16, 0.75f, true);
  private final Set<String> interest = ConcurrentHashMap.newKeySet();
  /** Channel → connId → entry, in join order. Each map guarded by itself; never empty. */
  private final ConcurrentHashMap<String, LinkedHashMap<String, PresenceEntry>> presence =
      new ConcurrentHashMap<>();
  /** Null until started. */
  private volatile @Nullable BrokerListener listener;
  private volatile boolean closed;
  /** Guarded by streams. */
  private Cancellable sweep = Cancellable.NONE;

  private InMemoryBroker(Builder b) {
    this.nodeId = b.nodeId != null ? b.nodeId : "node-" + Epochs.next();
    if (b.scheduler != null) {
      this.scheduler = b.scheduler;
      this.ownedScheduler = null;
    } else {
      SystemScheduler s = Scheduler.system("channels-broker");
      this.scheduler = s;
      this.ownedScheduler = s;
    }
    this.metaTtl = b.metaTtl;
    this.sweepInterval = b.sweepInterval;
    this.maxChannels = b.maxChannels;
  }

  /** An in-memory broker with the defaults. */
  public static InMemoryBroker create() {
    return builder().build();
  }

  /** A builder with the defaults. */
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
    synchronized (streams) {
      if (closed) {
        throw new IllegalStateException("broker is closed");
      }
      if (this.listener != null) {
        throw new IllegalStateException("broker already started");
      }
      this.listener = listener;
      sweep = scheduler.schedule(sweepInterval, this::sweepAndReschedule);
    }
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
    if (!history.enabled()) {
      BrokerListener l = listener;
      if (l != null && interest.contains(channel)) {
        deliver(l, new BrokerEvent(channel, 0, "", payload));
      }
      return CompletableFuture.completedFuture(StreamPosition.NONE);
    }
    Stream s = stream(channel);
    synchronized (s) {
      long now = scheduler.currentTimeMillis();
      s.lastUse = now;
      s.ttlMillis = history.ttl().toMillis();
      s.top++;
      s.expire(now - s.ttlMillis);
      s.append(new Entry(s.top, now, payload), history.size());
      // Deliver under the stream's lock: concurrent publishers deliver in seq order.
      BrokerListener l = listener;
      if (l != null && interest.contains(channel)) {
        deliver(l, new BrokerEvent(channel, s.top, s.epoch, payload));
      }
      return CompletableFuture.completedFuture(new StreamPosition(s.epoch, s.top));
    }
  }

  @Override
  public CompletionStage<Void> subscribe(String channel, History history) {
    Objects.requireNonNull(channel, "channel");
    Objects.requireNonNull(history, "history");
    if (closed) {
      return closedStage();
    }
    interest.add(channel);
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public CompletionStage<Void> unsubscribe(String channel) {
    Objects.requireNonNull(channel, "channel");
    interest.remove(channel);
    return CompletableFuture.completedFuture(null);
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
    Stream s = stream(channel);
    synchronized (s) {
      s.lastUse = scheduler.currentTimeMillis();
      return CompletableFuture.completedFuture(new StreamPosition(s.epoch, s.top));
    }
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
    Stream s = stream(channel);
    synchronized (s) {
      long now = scheduler.currentTimeMillis();
      s.lastUse = now;
      s.expire(now - history.ttl().toMillis());
      return CompletableFuture.completedFuture(s.recover(channel, since, limit));
    }
  }

  @Override
  public CompletionStage<Set<String>> liveNodes() {
    if (closed) {
      return closedStage();
    }
    return CompletableFuture.completedFuture(Set.of(nodeId));
  }

  /**
   * {@inheritDoc} In memory: the entries live in this process (one node, so no entry ever
   * outlives its node), and the diff is delivered on the calling thread before the stage
   * completes, in the order the changes were applied.
   */
  @Override
  public CompletionStage<Void> updatePresence(String channel, PresenceDiff diff) {
    Objects.requireNonNull(channel, "channel");
    Objects.requireNonNull(diff, "diff");
    if (closed) {
      return closedStage();
    }
    presence.compute(channel, (k, entries) -> {
      LinkedHashMap<String, PresenceEntry> m = entries != null ? entries : new LinkedHashMap<>();
      for (PresenceEntry e : diff.leaves()) {
        m.remove(e.connId());
      }
      for (PresenceEntry e : diff.joins()) {
        m.put(e.connId(), e);
      }
      // Deliver inside compute: changes of one channel reach the listener in their order.
      BrokerListener l = listener;
      if (l != null && interest.contains(channel) && !diff.isEmpty()) {
        try {
          l.onPresence(channel, diff);
        } catch (RuntimeException ex) {
          log.warn("broker listener failed on a presence change of {}", channel, ex);
        }
      }
      return m.isEmpty() ? null : m;
    });
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public CompletionStage<List<PresenceEntry>> presence(String channel) {
    Objects.requireNonNull(channel, "channel");
    if (closed) {
      return closedStage();
    }
    List<PresenceEntry> out = new ArrayList<>();
    presence.computeIfPresent(channel, (k, entries) -> {
      out.addAll(entries.values());
      return entries;
    });
    return CompletableFuture.completedFuture(List.copyOf(out));
  }

  /** How many channels this broker tracks now (for tests and metrics). */
  public int channelCount() {
    synchronized (streams) {
      return streams.size();
    }
  }

  @Override
  public void close() {
    synchronized (streams) {
      if (closed) {
        return;
      }
      closed = true;
      sweep.cancel();
      streams.clear();
    }
    interest.clear();
    presence.clear();
    if (ownedScheduler != null) {
      ownedScheduler.close();
    }
  }

  // ------------------------------------------------------------------ internals

  private Stream stream(String channel) {
    synchronized (streams) {
      Stream s = streams.get(channel);
      if (s == null) {
        if (streams.size() >= maxChannels) {
          evictOne();
        }
        s = new Stream(Epochs.next(), scheduler.currentTimeMillis());
        streams.put(channel, s);
      }
      return s;
    }
  }

  /** Guarded by streams. Forgets the least recently used channel without interest. */
  private void evictOne() {
    Iterator<Map.Entry<String, Stream>> it = streams.entrySet().iterator();
    while (it.hasNext()) {
      if (!interest.contains(it.next().getKey())) {
        it.remove();
        return;
      }
    }
    // Every tracked channel has interest: forget the least recently used one anyway.
    it = streams.entrySet().iterator();
    if (it.hasNext()) {
      it.next();
      it.remove();
    }
  }

  private void sweepAndReschedule() {
    long now = scheduler.currentTimeMillis();
    List<Stream> alive = new ArrayList<>();
    synchronized (streams) {
      if (closed) {
        return;
      }
      Iterator<Map.Entry<String, Stream>> it = streams.entrySet().iterator();
      while (it.hasNext()) {
        Map.Entry<String, Stream> e = it.next();
        Stream s = e.getValue();
        // lastUse is volatile: no stream lock under the map's lock (a listener running under a
        // stream's lock may publish to another channel, which takes the map's lock).
        if (now - s.lastUse >= metaTtl.toMillis() && !interest.contains(e.getKey())) {
          it.remove();
        } else {
          alive.add(s);
        }
      }
      sweep = scheduler.schedule(sweepInterval, this::sweepAndReschedule);
    }
    for (Stream s : alive) {
      synchronized (s) {
        s.expire(now - s.ttlMillis);
      }
    }
  }

  private static void deliver(BrokerListener l, BrokerEvent event) {
    try {
      l.onEvent(event);
    } catch (RuntimeException e) {
      log.warn("broker listener failed on an event of {}", event.channel(), e);
    }
  }

  private static <T> CompletionStage<T> closedStage() {
    return CompletableFuture.failedFuture(new BrokerException("broker is closed"));
  }

  private record Entry(long seq, long timeMillis, String payload) {}

  /** One channel's stream. Guarded by itself. */
  private static final class Stream {
    final String epoch;
    long top;
    volatile long lastUse;
    volatile long ttlMillis = History.DEFAULT_TTL.toMillis();
    final ArrayDeque<Entry> ring = new ArrayDeque<>();

    Stream(String epoch, long now) {
      this.epoch = epoch;
      this.lastUse = now;
    }

    void append(Entry e, int size) {
      ring.addLast(e);
      while (ring.size() > size) {
        ring.removeFirst();
      }
    }

    void expire(long oldestKept) {
      while (!ring.isEmpty() && ring.peekFirst().timeMillis() < oldestKept) {
        ring.removeFirst();
      }
    }

    Recovery recover(String channel, StreamPosition since, int limit) {
      StreamPosition topPos = new StreamPosition(epoch, top);
      if (!since.epoch().equals(epoch) || since.seq() > top) {
        return Recovery.notRecovered(topPos);
      }
      long missed = top - since.seq();
      if (missed == 0) {
        return Recovery.recovered(topPos, List.of());
      }
      if (missed > limit) {
        return Recovery.notRecovered(topPos);
      }
      Entry first = ring.peekFirst();
      if (first == null || first.seq() > since.seq() + 1) {
        return Recovery.notRecovered(topPos);
      }
      List<BrokerEvent> events = new ArrayList<>((int) missed);
      for (Entry e : ring) {
        if (e.seq() > since.seq()) {
          events.add(new BrokerEvent(channel, e.seq(), epoch, e.payload()));
        }
      }
      return Recovery.recovered(topPos, events);
    }
  }

  /** Builds an {@link InMemoryBroker}. */
  public static final class Builder {
    private @Nullable String nodeId;
    private @Nullable Scheduler scheduler;
    private Duration metaTtl = DEFAULT_META_TTL;
    private Duration sweepInterval = DEFAULT_SWEEP_INTERVAL;
    private int maxChannels = DEFAULT_MAX_CHANNELS;

    private Builder() {}

    /** This node's id (default: {@code node-} and a random suffix). */
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
     * scheduler given here stays its owner's).
     */
    public Builder scheduler(Scheduler scheduler) {
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    /**
     * How long a channel's epoch and top outlive its last publish or read (default 1 day, at
     * least 1 second). After it the channel starts again under a new epoch.
     */
    public Builder metaTtl(Duration metaTtl) {
      Objects.requireNonNull(metaTtl, "metaTtl");
      if (metaTtl.compareTo(Duration.ofSeconds(1)) < 0) {
        throw new IllegalArgumentException("metaTtl must be at least 1s: " + metaTtl);
      }
      this.metaTtl = metaTtl;
      return this;
    }

    /** How often unused channels and expired events are swept (default 1 minute, >= 1 s). */
    public Builder sweepInterval(Duration sweepInterval) {
      Objects.requireNonNull(sweepInterval, "sweepInterval");
      if (sweepInterval.compareTo(Duration.ofSeconds(1)) < 0) {
        throw new IllegalArgumentException("sweepInterval must be at least 1s: " + sweepInterval);
      }
      this.sweepInterval = sweepInterval;
      return this;
    }

    /** Most channels tracked at once, at least 1 (default 100,000). */
    public Builder maxChannels(int maxChannels) {
      if (maxChannels < 1) {
        throw new IllegalArgumentException("maxChannels must be >= 1: " + maxChannels);
      }
      this.maxChannels = maxChannels;
      return this;
    }

    /** The broker; call {@link InMemoryBroker#start(BrokerListener)} next. */
    public InMemoryBroker build() {
      return new InMemoryBroker(this);
    }
  }
}
