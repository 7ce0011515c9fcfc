package io.github.jchannels.client.internal;

import io.github.jchannels.client.ChannelPresence;
import io.github.jchannels.client.ListenerHandle;
import io.github.jchannels.client.PresenceEntry;
import io.github.jchannels.client.PresenceListener;
import io.github.jchannels.core.Channel;
import io.github.jchannels.core.Reply;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One channel's presence view. Written on the callback thread only (so its changes keep their
 * order with the channel's handlers and listeners see the view already changed); read from any
 * thread through volatile immutable snapshots.
 */
final class PresenceView implements ChannelPresence {
  private static final Logger log = LoggerFactory.getLogger(PresenceView.class);

  /** Sends a {@code presence_update} on a channel (the client's request path). */
  interface Updater {
    CompletableFuture<Reply> update(Channel<?> channel, Object meta, Duration timeout);
  }

  private final Channel<?> channel;
  private final Updater updater;
  private final Duration defaultTimeout;
  private final Metrics metrics;
  private final CopyOnWriteArrayList<PresenceListener> listeners = new CopyOnWriteArrayList<>();
  /** The entries now; replaced whole, on the callback thread. */
  private volatile Map<String, List<PresenceEntry>> entries = Map.of();
  /** True once the current connection's presence_state arrived. */
  private volatile boolean synced;
  /** Whether the application asked for this view (it then outlives the channel's join). */
  volatile boolean requested;

  PresenceView(Channel<?> channel, Updater updater, Duration defaultTimeout, Metrics metrics) {
    this.channel = channel;
    this.updater = updater;
    this.defaultTimeout = defaultTimeout;
    this.metrics = metrics;
  }

  @Override
  public Channel<?> channel() {
    return channel;
  }

  @Override
  public Map<String, List<PresenceEntry>> list() {
    return entries;
  }

  @Override
  public List<PresenceEntry> get(String key) {
    return entries.getOrDefault(key, List.of());
  }

  @Override
  public boolean synced() {
    return synced;
  }

  @Override
  public ListenerHandle addListener(PresenceListener listener) {
    Objects.requireNonNull(listener, "listener");
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  @Override
  public CompletableFuture<Reply> updateMeta(Object meta) {
    return updateMeta(meta, defaultTimeout);
  }

  @Override
  public CompletableFuture<Reply> updateMeta(Object meta, Duration timeout) {
    Objects.requireNonNull(meta, "meta");
    return updater.update(channel, meta, timeout);
  }

  // ------------------------------------------------------------ callback thread

  /** A {@code presence_state} of the current connection. */
  void state(Map<String, List<PresenceEntry>> next) {
    synced = true;
    publish(PresenceSync.syncState(entries, next));
  }

  /** A {@code presence_diff} of the current connection. */
  void diff(Map<String, List<PresenceEntry>> joins, Map<String, List<PresenceEntry>> leaves) {
    publish(PresenceSync.syncDiff(entries, joins, leaves));
  }

  /** The connection dropped: keep the last entries, until the next state. */
  void unsync() {
    synced = false;
  }

  /** The channel was left: every entry leaves. */
  void clear() {
    synced = false;
    if (!entries.isEmpty()) {
      publish(PresenceSync.syncState(entries, Map.of()));
    }
  }

  private void publish(PresenceSync.Result r) {
    entries = r.state();
    if (listeners.isEmpty()) {
      return;
    }
    for (PresenceSync.Change c : r.changes()) {
      for (PresenceListener l : listeners) {
        try {
          switch (c) {
            case PresenceSync.Change.Join j -> l.onJoin(j.key(), j.before(), j.joined());
            case PresenceSync.Change.Leave v -> l.onLeave(v.key(), v.remaining(), v.left());
          }
        } catch (RuntimeException e) {
          metrics.listenerError();
          log.error("Presence listener on {} failed", channel.name(), e);
        }
      }
    }
    for (PresenceListener l : listeners) {
      try {
        l.onSync(r.state());
      } catch (RuntimeException e) {
        metrics.listenerError();
        log.error("Presence listener on {} failed", channel.name(), e);
      }
    }
  }
}
