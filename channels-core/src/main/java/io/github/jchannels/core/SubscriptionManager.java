package io.github.jchannels.core;

import io.github.jchannels.core.transport.Connection;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server-side {@code Map<channel, Set<connection>>} with its reverse index.
 *
 * <p>Connections are {@link #register registered} when they open and {@link #remove removed}
 * when they close; removal drops every subscription of the connection. Subscribing is
 * idempotent and bounded per connection. {@link #broadcast} hands one frame to every
 * subscriber: the event is serialised once, whatever the number of subscribers.
 *
 * <p>Thread-safe: subscribe, unsubscribe, remove and broadcast may run concurrently from any
 * threads. Changes to one connection are serialised on that connection's entry, so a removed
 * connection never reappears in the index. A broadcast reaches the connections subscribed when
 * it reads the channel's set (weakly consistent with concurrent changes).
 */
public final class SubscriptionManager {
  private static final Logger log = LoggerFactory.getLogger(SubscriptionManager.class);

  /** Outcome of {@link #subscribe}. */
  public enum Outcome {
    /** Newly subscribed. */
    SUBSCRIBED,
    /** Was already subscribed (still a success on the wire). */
    ALREADY_SUBSCRIBED,
    /** The connection has as many subscriptions as allowed. */
    LIMIT_EXCEEDED,
    /** The connection is not registered (never was, or was removed). */
    UNKNOWN_CONNECTION;

    /** Whether the connection is subscribed after the call. */
    public boolean isSuccess() {
      return this == SUBSCRIBED || this == ALREADY_SUBSCRIBED;
    }
  }

  private final int maxPerConnection;
  /** channel name → subscribers; a key is present only while its set is non-empty. */
  private final ConcurrentHashMap<String, Set<Connection>> byChannel = new ConcurrentHashMap<>();
  /** Subscriptions in all (so that counting is O(1)). */
  private final AtomicInteger subscriptionCount = new AtomicInteger();
  /** connection → its channels; present from register to remove. */
  private final ConcurrentHashMap<Connection, Subs> byConnection = new ConcurrentHashMap<>();

  /** Per-connection state. Guarded by itself. */
  private static final class Subs {
    final Set<String> channels = new HashSet<>();
    boolean removed;
  }

  /** A manager allowing at most {@code maxPerConnection} subscriptions per connection. */
  public SubscriptionManager(int maxPerConnection) {
    if (maxPerConnection < 1) {
      throw new IllegalArgumentException("maxPerConnection must be >= 1: " + maxPerConnection);
    }
    this.maxPerConnection = maxPerConnection;
  }

  /** The per-connection subscription limit. */
  public int maxPerConnection() {
    return maxPerConnection;
  }

  /** Starts tracking {@code connection}; idempotent. */
  public void register(Connection connection) {
    byConnection.putIfAbsent(connection, new Subs());
  }

  /** Subscribes {@code connection} to {@code channel}. */
  public Outcome subscribe(Connection connection, String channel) {
    Subs s = byConnection.get(connection);
    if (s == null) {
      return Outcome.UNKNOWN_CONNECTION;
    }
    synchronized (s) {
      if (s.removed) {
        return Outcome.UNKNOWN_CONNECTION;
      }
      if (s.channels.contains(channel)) {
        return Outcome.ALREADY_SUBSCRIBED;
      }
      if (s.channels.size() >= maxPerConnection) {
        return Outcome.LIMIT_EXCEEDED;
      }
      s.channels.add(channel);
      subscriptionCount.incrementAndGet();
      byChannel.compute(channel, (k, set) -> {
        Set<Connection> out = set == null ? ConcurrentHashMap.newKeySet() : set;
        out.add(connection);
        return out;
      });
      return Outcome.SUBSCRIBED;
    }
  }

  /** Unsubscribes; returns whether the connection was subscribed. */
  public boolean unsubscribe(Connection connection, String channel) {
    Subs s = byConnection.get(connection);
    if (s == null) {
      return false;
    }
    synchronized (s) {
      if (!s.channels.remove(channel)) {
        return false;
      }
      detach(connection, channel);
      return true;
    }
  }

  private void detach(Connection connection, String channel) {
    subscriptionCount.decrementAndGet();
    byChannel.computeIfPresent(channel, (k, set) -> {
      set.remove(connection);
      return set.isEmpty() ? null : set;
    });
  }

  /** Stops tracking {@code connection} and drops all its subscriptions; returns them. */
  public Set<String> remove(Connection connection) {
    Subs s = byConnection.remove(connection);
    if (s == null) {
      return Set.of();
    }
    synchronized (s) {
      s.removed = true;
      for (String channel : s.channels) {
        detach(connection, channel);
      }
      Set<String> was = Set.copyOf(s.channels);
      s.channels.clear();
      return was;
    }
  }

  /** Whether {@code connection} is subscribed to {@code channel}. */
  public boolean isSubscribed(Connection connection, String channel) {
    Subs s = byConnection.get(connection);
    if (s == null) {
      return false;
    }
    synchronized (s) {
      return s.channels.contains(channel);
    }
  }

  /** The channels {@code connection} is subscribed to. */
  public Set<String> channelsOf(Connection connection) {
    Subs s = byConnection.get(connection);
    if (s == null) {
      return Set.of();
    }
    synchronized (s) {
      return Set.copyOf(s.channels);
    }
  }

  /** How many connections are subscribed to {@code channel}. */
  public int subscriberCount(String channel) {
    Set<Connection> set = byChannel.get(channel);
    return set == null ? 0 : set.size();
  }

  /** The subscribers of {@code channel} (a snapshot). */
  public List<Connection> subscribers(String channel) {
    Set<Connection> set = byChannel.get(channel);
    return set == null ? List.of() : List.copyOf(set);
  }

  /** Every channel with at least one subscriber, with its subscriber count (a snapshot). */
  public Map<String, Integer> channels() {
    Map<String, Integer> out = new TreeMap<>();
    byChannel.forEach((k, v) -> out.put(k, v.size()));
    return out;
  }

  /** The registered connections (a snapshot). */
  public Collection<Connection> connections() {
    return List.copyOf(byConnection.keySet());
  }

  /** How many subscriptions exist in all; O(1). */
  public int subscriptionCount() {
    return subscriptionCount.get();
  }

  /** How many channels have at least one subscriber; O(1) (unlike {@link #channels()}). */
  public int channelCount() {
    return byChannel.size();
  }

  /**
   * Hands {@code frame} to every subscriber of {@code channel}; returns how many it was handed
   * to. A connection whose {@code send} throws is logged and skipped.
   */
  public int broadcast(String channel, Frame frame) {
    Set<Connection> set = byChannel.get(channel);
    if (set == null) {
      return 0;
    }
    int n = 0;
    for (Connection c : set) {
      try {
        c.send(frame);
        n++;
      } catch (RuntimeException e) {
        log.warn("Send to connection {} on {} failed", c.id(), channel, e);
      }
    }
    return n;
  }

  /** Encodes {@code event} once with {@code codec} and broadcasts it; returns the receivers. */
  public <E extends Event> int broadcast(Codec codec, Channel<E> channel, E event) {
    if (subscriberCount(channel.name()) == 0) {
      return 0;
    }
    return broadcast(channel.name(), codec.encode(channel, event));
  }
}
