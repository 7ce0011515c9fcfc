package io.github.jchannels.client.internal;

import io.github.jchannels.client.StreamPosition;
import io.github.jchannels.client.Subscribed;
import io.github.jchannels.core.Channel;
import io.github.jchannels.core.GlobalEvent;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client side of history and recovery (PROTOCOL.md section 11). Per channel with handlers
 * it keeps the last {@code (epoch, seq)} delivered (it outlives connections and is forgotten
 * with the channel's last handler); {@link Joins} sends it as {@code since}, and every event
 * with a position passes {@link #check} before it reaches the handlers: a seq at or below the
 * last one of the same epoch is a duplicate, the next one is delivered, anything else is a gap
 * (the caller resubscribes). The tracks are confined to the loop; the observers (open handles)
 * and the latest confirmations are read from any thread.
 */
final class Recovery {
  private static final Logger log = LoggerFactory.getLogger(Recovery.class);

  /** What to do with an event that carries a position. */
  enum Verdict { DELIVER, DUPLICATE, GAP }

  /** An open handle that hears of its channel's confirmations. Called on the callback thread. */
  interface Observer {
    void subscribed(Subscribed s);
  }

  private final Callbacks callbacks;
  /** The last position delivered per channel. Loop only. */
  private final Map<String, GlobalEvent.Since> positions = new HashMap<>();
  private final Map<String, Subscribed> latest = new ConcurrentHashMap<>();
  private final Map<String, Set<Observer>> observers = new ConcurrentHashMap<>();

  Recovery(Callbacks callbacks) {
    this.callbacks = callbacks;
  }

  /** The {@code since} of the next subscribe to {@code channel}: null when nothing was seen. */
  GlobalEvent.@Nullable Since since(String channel) {
    return positions.get(channel);
  }

  /** The channel lost its last handler: a later subscribe starts afresh. */
  void forget(String channel) {
    positions.remove(channel);
    latest.remove(channel);
  }

  /**
   * {@code subscription_success} answering a subscribe that carried {@code sent}: updates the
   * channel's position and tells the observers (on the callback thread, so before the replayed
   * events reach the handlers).
   */
  void subscribed(Channel<?> channel, GlobalEvent.@Nullable Since sent,
      GlobalEvent.SubscriptionSuccess ok) {
    String name = channel.name();
    boolean recoverable = Boolean.TRUE.equals(ok.recoverable());
    boolean recovering = sent != null;
    boolean recovered = recovering && recoverable && Boolean.TRUE.equals(ok.recovered());
    GlobalEvent.Since top = recoverable ? top(ok) : null;
    if (!recoverable || top == null) {
      positions.remove(name);
    } else if (!recovered) {
      positions.put(name, top); // fresh, or lost: start at the top; later events follow it
    }
    // recovered: the position stays; the missed events follow and advance it
    Subscribed s = new Subscribed(channel, recoverable, recovering, recovered,
        top == null ? null : new StreamPosition(top.epoch(), top.seq()));
    if (s.stale()) {
      log.warn("{}: could not recover the events after {} (top now {}); its state is stale",
          name, sent, top);
    } else if (recovered) {
      log.debug("{}: recovering the events after {} (top {})", name, sent, top);
    }
    latest.put(name, s);
    Set<Observer> os = observers.get(name);
    if (os != null && !os.isEmpty()) {
      callbacks.run(() -> os.forEach(o -> o.subscribed(s)));
    }
  }

  /**
   * Checks an event of {@code channel} at {@code at}. {@code current} is false for a connection
   * the client already gave up on: its late events are delivered only when they are exactly
   * the next ones.
   */
  Verdict check(String channel, GlobalEvent.Since at, boolean current) {
    GlobalEvent.Since last = positions.get(channel);
    if (last == null) {
      positions.put(channel, at);
      return Verdict.DELIVER;
    }
    if (last.epoch().equals(at.epoch())) {
      if (at.seq() <= last.seq()) {
        log.debug("{}: dropped a duplicate at {} (delivered up to {})", channel, at, last);
        return Verdict.DUPLICATE;
      }
      if (at.seq() == last.seq() + 1) {
        positions.put(channel, at);
        return Verdict.DELIVER;
      }
    }
    if (current) {
      log.info("{}: expected seq {} of epoch {}, got {}; resubscribing with since", channel,
          last.seq() + 1, last.epoch(), at);
    }
    return Verdict.GAP;
  }

  /** The channel's latest confirmation, or null. Any thread. */
  @Nullable Subscribed latest(String channel) {
    return latest.get(channel);
  }

  /** Adds an observer of {@code channel}'s confirmations; returns what removes it. */
  Runnable observe(String channel, Observer o) {
    observers.compute(channel, (k, v) -> {
      Set<Observer> set = v != null ? v : new CopyOnWriteArraySet<>();
      set.add(o);
      return set;
    });
    return () -> observers.computeIfPresent(channel, (k, v) -> {
      v.remove(o);
      return v.isEmpty() ? null : v;
    });
  }

  private static GlobalEvent.@Nullable Since top(GlobalEvent.SubscriptionSuccess ok) {
    String epoch = ok.epoch();
    Long seq = ok.seq();
    if (epoch == null || seq == null || epoch.isEmpty() || epoch.length() > 64 || seq < 0) {
      return null;
    }
    return new GlobalEvent.Since(epoch, seq);
  }

  /** Calls each listener, contained. */
  static void fire(Iterable<Consumer<? super Subscribed>> listeners, Subscribed s,
      Metrics metrics, String what) {
    for (Consumer<? super Subscribed> l : listeners) {
      try {
        l.accept(s);
      } catch (RuntimeException e) {
        metrics.listenerError();
        log.error("{} listener failed on {}", what, s, e);
      }
    }
  }
}
