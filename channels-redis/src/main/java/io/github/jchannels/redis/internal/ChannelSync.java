package io.github.jchannels.redis.internal;

import io.github.jchannels.core.time.Cancellable;
import io.github.jchannels.core.time.Scheduler;
import io.github.jchannels.server.broker.BrokerEvent;
import io.github.jchannels.server.broker.BrokerListener;
import io.github.jchannels.server.broker.History;
import io.github.jchannels.server.broker.Recovery;
import io.github.jchannels.server.broker.StreamPosition;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One subscribed channel's delivery on this node: in seq order, at most once, and never with a
 * silent gap.
 *
 * <p>Pub/sub is at most once: messages published while the connection was down are lost. So
 * the starting point is the stream's top read just before the first {@code SUBSCRIBE}
 * ({@link #baseline}); then on every later subscribe confirmation (after a reconnect) and on
 * every jump in seq, this object stops delivering, buffers live messages, and asks the stream for
 * every event after the last one it delivered. When the stream has them all they are delivered,
 * then the buffered live messages (duplicates dropped); when it does not, it reports a
 * discontinuity and carries on with later events under their own seq.
 *
 * <p>Thread-safe; deliveries happen under this object's lock, so they are ordered whichever
 * thread (the pub/sub I/O thread or a command completion) makes them. Broker reads are started
 * outside the lock.
 */
public final class ChannelSync {
  private static final Logger log = LoggerFactory.getLogger(ChannelSync.class);

  /** Reads the channel's stream. */
  public interface Reader {
    /** The channel's top (creating its epoch if missing). */
    CompletionStage<StreamPosition> position();

    /** Every event after {@code since}, or none. */
    CompletionStage<Recovery> recover(StreamPosition since);
  }

  private final String channel;
  private final History history;
  private final Reader reader;
  private final BrokerListener listener;
  private final Scheduler scheduler;
  private final Duration retryDelay;
  private final int maxPending;

  /** Guarded by this. */
  private boolean closed;
  /** True while a read of the stream is pending: live messages are buffered. Guarded by this. */
  private boolean syncing;
  /** True once the starting point is known. Guarded by this. */
  private boolean synced;
  /** True after the first subscribe confirmation. Guarded by this. */
  private boolean confirmedOnce;
  /** Epoch and seq of the last event delivered (or the starting point). Guarded by this. */
  private String epoch = "";
  private long last;
  /** Bumped by each new read; answers of older reads are ignored. Guarded by this. */
  private long generation;
  /** Live messages received while syncing, in arrival order. Guarded by this. */
  private final ArrayDeque<WireMessage> pending = new ArrayDeque<>();
  /** The first message buffered since the last drain, even if dropped. Guarded by this. */
  private @Nullable WireMessage firstBuffered;
  /** Guarded by this. */
  private Cancellable retry = Cancellable.NONE;

  /** A channel's delivery; {@code maxPending} bounds the messages buffered while syncing. */
  public ChannelSync(String channel, History history, Reader reader, BrokerListener listener,
      Scheduler scheduler, Duration retryDelay, int maxPending) {
    this.channel = channel;
    this.history = history;
    this.reader = reader;
    this.listener = listener;
    this.scheduler = scheduler;
    this.retryDelay = retryDelay;
    this.maxPending = maxPending;
  }

  /** The channel's history configuration. */
  public History history() {
    return history;
  }

  /**
   * The stream's top read before subscribing: events after it are owed to this node (those
   * before it were published before this node's interest began). Ignored once known.
   */
  public synchronized void baseline(StreamPosition top) {
    if (!synced && !closed) {
      epoch = top.epoch();
      last = top.seq();
      synced = true;
    }
  }

  /** The subscription is (again) confirmed by Redis: check the stream for what was missed. */
  public void onSubscribed() {
    if (!history.enabled()) {
      return;
    }
    long gen;
    synchronized (this) {
      if (closed) {
        return;
      }
      boolean first = !confirmedOnce;
      confirmedOnce = true;
      if (first && synced) {
        // Nothing can have been missed yet: a later jump in seq is filled when it shows.
        return;
      }
      syncing = true;
      retry.cancel();
      gen = ++generation;
    }
    read(gen);
  }

  /** A live message of this channel. */
  public void onMessage(WireMessage m) {
    long gen = 0;
    synchronized (this) {
      if (closed) {
        return;
      }
      if (m.seq() == 0 || !history.enabled()) {
        deliver(m.seq(), m.epoch(), m.payload());
        return;
      }
      if (syncing || !synced) {
        buffer(m);
        return;
      }
      if (process(m)) {
        gen = ++generation;
      }
    }
    if (gen != 0) {
      read(gen);
    }
  }

  /** Stops delivering. */
  public void close() {
    synchronized (this) {
      closed = true;
      retry.cancel();
      pending.clear();
    }
  }

  // --------------------------------------------------------------------- internals

  /** Guarded by this. Delivers {@code m} or starts a catch-up (returns true, m kept first). */
  private boolean process(WireMessage m) {
    if (!m.epoch().equals(epoch)) {
      // The stream was reset (Redis lost it): whatever followed `last` in the old epoch is gone.
      discontinuity(new StreamPosition(epoch, last), new StreamPosition(m.epoch(), 0));
      epoch = m.epoch();
      last = 0;
    }
    if (m.seq() <= last) {
      return false;
    }
    if (m.seq() == last + 1) {
      deliver(m.seq(), m.epoch(), m.payload());
      last = m.seq();
      return false;
    }
    syncing = true;
    pending.addFirst(m);
    return true;
  }

  private void read(long gen) {
    boolean first;
    StreamPosition since;
    synchronized (this) {
      if (closed || gen != generation) {
        return;
      }
      first = !synced;
      since = new StreamPosition(epoch, last);
    }
    if (first) {
      reader.position().whenComplete((top, err) -> onPosition(gen, top, err));
    } else {
      reader.recover(since).whenComplete((r, err) -> onRecovery(gen, since, r, err));
    }
  }

  private void onPosition(long gen, @Nullable StreamPosition top, @Nullable Throwable err) {
    long next = 0;
    synchronized (this) {
      if (closed || gen != generation) {
        return;
      }
      if (err != null || top == null) {
        scheduleRetry(gen, err);
        return;
      }
      // Only reached without a baseline: start just before the first message received, if any.
      epoch = top.epoch();
      last = top.seq();
      WireMessage f = firstBuffered != null ? firstBuffered : pending.peekFirst();
      if (f != null && f.epoch().equals(epoch) && f.seq() <= last) {
        last = f.seq() - 1;
      }
      synced = true;
      next = drain();
    }
    if (next != 0) {
      read(next);
    }
  }

  private void onRecovery(long gen, StreamPosition since, @Nullable Recovery r,
      @Nullable Throwable err) {
    long next = 0;
    synchronized (this) {
      if (closed || gen != generation) {
        return;
      }
      if (err != null || r == null) {
        scheduleRetry(gen, err);
        return;
      }
      if (r.recovered()) {
        for (BrokerEvent e : r.events()) {
          if (e.seq() > last) {
            deliver(e.seq(), e.epoch(), e.payload());
            last = e.seq();
          }
        }
      } else if (!r.top().epoch().equals(since.epoch()) && r.top().seq() > 0) {
        // The stream was reset (Redis lost it): the old epoch's tail is gone, but the new epoch
        // is owed from its start, as when a live message shows the new epoch first (process).
        // Still syncing: the next read asks for every event of the new epoch.
        discontinuity(since, new StreamPosition(r.top().epoch(), 0));
        epoch = r.top().epoch();
        last = 0;
        next = ++generation;
      } else {
        StreamPosition top = r.top();
        long resume = top.seq();
        WireMessage f = firstBuffered != null ? firstBuffered : pending.peekFirst();
        if (f != null && f.epoch().equals(top.epoch()) && f.seq() <= resume) {
          // Keep the live messages we hold: only what precedes them is lost.
          resume = f.seq() - 1;
        }
        discontinuity(since, new StreamPosition(top.epoch(), resume));
        epoch = top.epoch();
        last = resume;
      }
      if (next == 0) {
        next = drain();
      }
    }
    if (next != 0) {
      read(next);
    }
  }

  /** Guarded by this. Processes the buffered messages; returns a new generation to read. */
  private long drain() {
    syncing = false;
    firstBuffered = null;
    WireMessage m;
    while ((m = pending.pollFirst()) != null) {
      if (process(m)) {
        return ++generation;
      }
    }
    return 0;
  }

  /** Guarded by this. */
  private void buffer(WireMessage m) {
    if (firstBuffered == null) {
      firstBuffered = m;
    }
    if (pending.size() >= maxPending) {
      // The dropped message is in the stream: the seq jump it leaves is filled from there.
      pending.removeFirst();
    }
    pending.addLast(m);
  }

  /** Guarded by this. */
  private void scheduleRetry(long gen, @Nullable Throwable err) {
    log.debug("reading the stream of {} failed; retrying in {}", channel, retryDelay, err);
    retry.cancel();
    retry = scheduler.schedule(retryDelay, () -> read(gen));
  }

  private void deliver(long seq, String ep, String payload) {
    try {
      listener.onEvent(new BrokerEvent(channel, seq, ep, payload));
    } catch (RuntimeException e) {
      log.warn("broker listener failed on an event of {}", channel, e);
    }
  }

  private void discontinuity(StreamPosition before, StreamPosition resumedAt) {
    log.info("{}: events after {} up to {} could not be recovered on this node", channel,
        before, resumedAt);
    try {
      listener.onDiscontinuity(channel, before, resumedAt);
    } catch (RuntimeException e) {
      log.warn("broker listener failed on a discontinuity of {}", channel, e);
    }
  }
}
