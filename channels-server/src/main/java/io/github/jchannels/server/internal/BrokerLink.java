package io.github.jchannels.server.internal;

import io.github.jchannels.core.Family;
import io.github.jchannels.core.Frame;
import io.github.jchannels.core.SubscriptionManager;
import io.github.jchannels.core.transport.Connection;
import io.github.jchannels.server.broker.Broker;
import io.github.jchannels.server.broker.BrokerEvent;
import io.github.jchannels.server.broker.BrokerException;
import io.github.jchannels.server.broker.BrokerListener;
import io.github.jchannels.server.broker.History;
import io.github.jchannels.server.broker.PresenceDiff;
import io.github.jchannels.server.broker.StreamPosition;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's side of a {@link Broker}: node interest per channel (first local subscriber,
 * after the last), local fan-out of the events the broker delivers, and, on channels with
 * history, one cursor per (connection, channel) that holds live events back while a subscribe
 * is answered (success, welcome, replayed history) and drops the ones the connection already
 * has, so that it gets every event once, in seq order (PROTOCOL.md section 11).
 *
 * <p>The reads of a subscribe (the channel's top, or the recovery of {@code since}) go through
 * {@link RecoveryReads}: at most one broker read per channel is in flight, and the subscribes
 * that arrive meanwhile share the next one, so that a recovery storm (every client of a killed
 * node resubscribing at once) costs the broker a few reads, not one per client.
 *
 * <p>Thread-safe. Broker deliveries may run on the broker's threads; the subscribe flow runs on
 * the subscribing connection's thread (a virtual thread of its own, so a wait delays only that
 * connection) and waits for the broker (at most {@code timeout}).
 */
public final class BrokerLink implements BrokerListener {
  private static final Logger log = LoggerFactory.getLogger(BrokerLink.class);

  private final Broker broker;
  private final boolean owned;
  private final boolean routesAll;
  private final Map<Family<?>, History> histories;
  private final Set<Family<?>> presenceFamilies;
  private final int recoveryLimit;
  private final Duration timeout;
  private final SubscriptionManager subscriptions;
  /** Channel name → local interest. Changed only inside compute. */
  private final ConcurrentHashMap<String, Interest> interests = new ConcurrentHashMap<>();
  /** (connection, channel) → cursor, for channels with history. */
  private final ConcurrentHashMap<Key, Cursor> cursors = new ConcurrentHashMap<>();
  private volatile @Nullable PresenceHub presenceHub;
  /** Single-flight reads of tops and recoveries, per channel. */
  private final RecoveryReads reads;

  private record Key(Connection connection, String channel) {}

  private static final class Interest {
    int count;
    CompletionStage<Void> ready = CompletableFuture.completedFuture(null);
  }

  /**
   * What one connection has of one channel. Guarded by itself: live events and the subscribe
   * answer are sent under its lock, so they reach the connection in order.
   */
  private static final class Cursor {
    /** True while a subscribe is being answered: live events are held back. */
    boolean gated = true;
    /** Epoch and seq of the last event the connection was given (or its start). */
    String epoch = "";
    long seq;
    /** Events held back while gated, bounded by the recovery limit. */
    final ArrayDeque<BrokerEvent> held = new ArrayDeque<>();
  }

  /**
   * The subscribe answer computed by {@link #open}: what to tell the client, and the frames of
   * the events to replay (made once per broker read, shared by every connection it serves).
   */
  public record Opened(StreamPosition top, @Nullable Boolean recovered, List<Frame> replay,
      Object lock, Runnable finish) {}

  /**
   * A link to {@code broker}. With {@code routesAll} every family goes through the broker
   * (several nodes); otherwise only the families with history do (the one-node default).
   */
  public BrokerLink(Broker broker, boolean owned, boolean routesAll,
      Map<Family<?>, History> histories, int recoveryLimit, Duration timeout,
      SubscriptionManager subscriptions) {
    this(broker, owned, routesAll, histories, Set.of(), recoveryLimit, timeout, subscriptions);
  }

  /**
   * A link that also routes the families of {@code presenceFamilies} through the broker (their
   * presence lives there).
   */
  public BrokerLink(Broker broker, boolean owned, boolean routesAll,
      Map<Family<?>, History> histories, Set<Family<?>> presenceFamilies, int recoveryLimit,
      Duration timeout, SubscriptionManager subscriptions) {
    this.presenceFamilies = Set.copyOf(presenceFamilies);
    this.broker = Objects.requireNonNull(broker, "broker");
    this.owned = owned;
    this.routesAll = routesAll;
    this.histories = Map.copyOf(histories);
    this.recoveryLimit = recoveryLimit;
    this.timeout = timeout;
    this.subscriptions = subscriptions;
    this.reads = new RecoveryReads(broker, recoveryLimit);
  }

  /** Attaches this link to the broker. */
  public void start() {
    broker.start(this);
  }

  /** The broker. */
  public Broker broker() {
    return broker;
  }

  /** Where presence changes delivered by the broker go (null: nowhere). */
  public void presence(@Nullable PresenceHub hub) {
    this.presenceHub = hub;
  }

  @Override
  public void onPresence(String channel, PresenceDiff diff) {
    PresenceHub hub = presenceHub;
    if (hub != null) {
      hub.onPresence(channel, diff);
    }
  }

  /** Closes the broker if the server owns it. */
  public void close() {
    if (owned) {
      broker.close();
    }
  }

  /** Whether events of {@code family} travel through the broker. */
  public boolean routes(Family<?> family) {
    return routesAll || history(family).enabled() || presenceFamilies.contains(family);
  }

  /** The history of {@code family} ({@link History#NONE} unless configured). */
  public History history(Family<?> family) {
    return histories.getOrDefault(family, History.NONE);
  }

  // ---------------------------------------------------------------- publishing

  /**
   * Publishes an encoded event and waits for the broker's answer.
   *
   * @throws BrokerException if the broker failed or did not answer in time (no node got it)
   */
  public StreamPosition publish(String channel, Frame frame, History history) {
    return await(broker.publish(channel, frame.text(), history), "publish");
  }

  @Override
  public void onEvent(BrokerEvent event) {
    List<Connection> subs = subscriptions.subscribers(event.channel());
    if (subs.isEmpty()) {
      return;
    }
    Frame frame = frame(event);
    if (event.seq() == 0) {
      for (Connection c : subs) {
        send(c, frame);
      }
      return;
    }
    for (Connection c : subs) {
      Cursor cur = cursors.get(new Key(c, event.channel()));
      if (cur == null) {
        // Subscribed but not yet opened: the top it will read includes this event.
        continue;
      }
      synchronized (cur) {
        if (cur.gated) {
          if (cur.held.size() >= Math.max(1, recoveryLimit)) {
            // The connection will see the jump in seq and resubscribe with since.
            cur.held.removeFirst();
          }
          cur.held.addLast(event);
        } else {
          deliver(c, cur, event, frame);
        }
      }
    }
  }

  @Override
  public void onDiscontinuity(String channel, StreamPosition lastDelivered,
      StreamPosition resumedAt) {
    log.warn("{}: this node missed the events after {} (resumed at {}); clients will see the jump"
        + " in seq and recover or learn that they cannot", channel, lastDelivered, resumedAt);
  }

  /** Guarded by cur. */
  private static void deliver(Connection c, Cursor cur, BrokerEvent e, @Nullable Frame frame) {
    if (cur.epoch.equals(e.epoch()) && e.seq() <= cur.seq) {
      return;
    }
    cur.epoch = e.epoch();
    cur.seq = e.seq();
    send(c, frame != null ? frame : frame(e));
  }

  private static void send(Connection c, Frame frame) {
    try {
      c.send(frame);
    } catch (RuntimeException e) {
      log.warn("Send to connection {} failed", c.id(), e);
    }
  }

  /**
   * The frame of a broker event: its payload as published, with {@code seq} and {@code epoch}
   * spliced in before the closing brace when it has them. Never re-serialised.
   */
  public static Frame frame(BrokerEvent e) {
    String p = e.payload();
    if (e.seq() == 0) {
      return new Frame(p);
    }
    int end = p.lastIndexOf('}');
    if (end < 0) {
      return new Frame(p);
    }
    StringBuilder b = new StringBuilder(p.length() + 40 + e.epoch().length());
    b.append(p, 0, end).append(",\"seq\":").append(e.seq()).append(",\"epoch\":\"");
    escape(e.epoch(), b);
    b.append("\"}");
    return new Frame(b.toString());
  }

  private static void escape(String s, StringBuilder b) {
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      if (ch == '"' || ch == '\\') {
        b.append('\\').append(ch);
      } else if (ch < 0x20) {
        b.append(String.format("\\u%04x", (int) ch));
      } else {
        b.append(ch);
      }
    }
  }

  // ---------------------------------------------------------------- interest

  /**
   * Counts one more local subscriber of {@code channel} and waits until the broker delivers it.
   *
   * @throws BrokerException if the broker cannot confirm the interest in time
   */
  public void acquire(String channel, History history) {
    Interest i = interests.compute(channel, (k, v) -> {
      Interest n = v != null ? v : new Interest();
      if (n.count++ == 0 || n.ready.toCompletableFuture().isCompletedExceptionally()) {
        n.ready = broker.subscribe(channel, history);
      }
      return n;
    });
    await(i.ready, "subscribe");
  }

  /** Counts one local subscriber of {@code channel} less. */
  public void release(String channel) {
    interests.compute(channel, (k, v) -> {
      if (v == null) {
        return null;
      }
      if (--v.count <= 0) {
        broker.unsubscribe(channel);
        return null;
      }
      return v;
    });
  }

  // ---------------------------------------------------------------- subscribe flow

  /**
   * Prepares the answer to a subscribe of {@code connection} (already in the subscription
   * manager) to a channel with history: holds live events back, reads the top or recovers
   * {@code since}, and returns what to send. The caller sends {@code subscription_success}, the
   * welcome and {@link Opened#replay()} while holding {@link Opened#lock()}, then runs
   * {@link Opened#finish()} (still under it) to release the held live events.
   *
   * @throws BrokerException if the broker failed; the cursor is then dropped
   */
  public Opened open(Connection connection, String channel, History history,
      @Nullable StreamPosition since) {
    Key key = new Key(connection, channel);
    boolean[] created = {false};
    Cursor cur = cursors.computeIfAbsent(key, k -> {
      created[0] = true;
      return new Cursor();
    });
    synchronized (cur) {
      cur.gated = true;
    }
    try {
      StreamPosition top;
      Boolean recovered = null;
      List<Frame> replay = List.of();
      if (since != null) {
        RecoveryReads.Answer a = await(reads.recover(channel, history, since), "recover");
        top = a.top();
        recovered = a.recovered();
        replay = a.replay();
      } else {
        top = await(reads.position(channel, history), "read").top();
      }
      StreamPosition start = top;
      Runnable finish = () -> {
        cur.epoch = start.epoch();
        cur.seq = start.seq();
        cur.gated = false;
        BrokerEvent e;
        while ((e = cur.held.pollFirst()) != null) {
          deliver(connection, cur, e, null);
        }
      };
      return new Opened(top, recovered, replay, cur, finish);
    } catch (BrokerException e) {
      if (created[0]) {
        cursors.remove(key, cur);
      } else {
        // Still subscribed from before: carry on from where it was.
        synchronized (cur) {
          cur.gated = false;
          BrokerEvent held;
          while ((held = cur.held.pollFirst()) != null) {
            deliver(connection, cur, held, null);
          }
        }
      }
      throw e;
    }
  }

  /** The single-flight reads (for tests). */
  RecoveryReads recoveryReads() {
    return reads;
  }

  /** Forgets the cursor of {@code connection} on {@code channel} (unsubscribe, close). */
  public void forget(Connection connection, String channel) {
    cursors.remove(new Key(connection, channel));
  }

  private <T> T await(CompletionStage<T> stage, String what) {
    try {
      return stage.toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      if (cause instanceof BrokerException be) {
        throw be;
      }
      throw new BrokerException("broker " + what + " failed: " + cause.getMessage(), cause);
    } catch (TimeoutException e) {
      throw new BrokerException("broker " + what + " did not answer within " + timeout, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BrokerException("interrupted while waiting for the broker", e);
    }
  }
}
