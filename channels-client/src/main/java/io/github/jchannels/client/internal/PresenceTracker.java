package io.github.jchannels.client.internal;

import io.github.jchannels.client.ClientError;
import io.github.jchannels.core.Channel;
import io.github.jchannels.core.Decoded;
import io.github.jchannels.core.ErrorCode;
import io.github.jchannels.core.EventBus;
import io.github.jchannels.core.EventRegistry;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's presence views (PROTOCOL.md section 12), one per channel: the dispatcher hands
 * it the presence frames of the current connection (on the loop), and it forwards each to its
 * view on the callback thread, in order with the channel's events. Frames of channels without
 * handlers are dropped (late frames of a channel just left). Views are made when the
 * application asks ({@link #view}) or when a presence frame arrives; a view nobody asked for
 * goes when its channel is left.
 */
final class PresenceTracker {
  private static final Logger log = LoggerFactory.getLogger(PresenceTracker.class);

  private final EventRegistry registry;
  private final EventBus bus;
  private final Callbacks callbacks;
  private final Metrics metrics;
  private final Listeners listeners;
  private final PresenceView.Updater updater;
  private final Duration requestTimeout;
  private final PresenceFrames frames;
  private final ConcurrentHashMap<String, PresenceView> views = new ConcurrentHashMap<>();

  PresenceTracker(EventRegistry registry, EventBus bus, Callbacks callbacks, Metrics metrics,
      Listeners listeners, PresenceFrames frames, PresenceView.Updater updater,
      Duration requestTimeout) {
    this.registry = registry;
    this.bus = bus;
    this.callbacks = callbacks;
    this.metrics = metrics;
    this.listeners = listeners;
    this.frames = frames;
    this.updater = updater;
    this.requestTimeout = requestTimeout;
  }

  /** The application's view of {@code channel} (any thread). */
  PresenceView view(Channel<?> channel) {
    return views.compute(channel.name(), (k, v) -> {
      PresenceView view = v != null ? v : newView(channel);
      view.requested = true;
      return view;
    });
  }

  /**
   * Loop: a frame of the current connection that the codec refused. Returns the presence frame
   * it is (already handed over), or null when it is none and is really invalid.
   */
  PresenceFrames.@Nullable Read offer(Decoded.Failure failure, String text) {
    String name = failure.channel();
    if (failure.code() != ErrorCode.UNKNOWN_TYPE || name == null) {
      return null;
    }
    PresenceFrames.Read read = frames.read(name, text);
    if (read == null) {
      return null;
    }
    switch (read) {
      case PresenceFrames.Read.Malformed m -> {
        metrics.invalidFrame();
        log.warn("Ignored a malformed {} on {}: {}", m.type(), name, m.problem());
        listeners.error(new ClientError(ClientError.INVALID_FRAME, "invalid_data: "
            + m.problem(), name, failure.ref()));
      }
      case PresenceFrames.Read.State s -> deliver(name, v -> v.state(s.entries()));
      case PresenceFrames.Read.Diff d -> deliver(name, v -> v.diff(d.joins(), d.leaves()));
    }
    return read;
  }

  /** Loop: the last handler of {@code channel} went: its entries leave the view. */
  void left(Channel<?> channel) {
    PresenceView view = views.computeIfPresent(channel.name(),
        (k, v) -> v.requested ? v : null);
    if (view != null) {
      callbacks.run(view::clear);
    }
  }

  /** Loop: the channel is no longer joined (server-side end): its view is stale until rejoined. */
  void unsubscribed(String channel) {
    PresenceView view = views.get(channel);
    if (view != null) {
      callbacks.run(view::unsync);
    }
  }

  /** Callback thread: the connection is not ready any more; views keep their last entries. */
  void connectionLost() {
    views.values().forEach(PresenceView::unsync);
  }

  private void deliver(String name, Consumer<PresenceView> change) {
    if (!(registry.resolve(name) instanceof EventRegistry.Resolution.Known k)) {
      return;
    }
    Channel<?> channel = k.channel();
    if (bus.handlerCount(channel) == 0) {
      log.debug("Presence frame on {}, which has no handlers: dropped", name);
      return;
    }
    PresenceView view = views.computeIfAbsent(name, n -> newView(channel));
    callbacks.run(() -> change.accept(view));
  }

  private PresenceView newView(Channel<?> channel) {
    return new PresenceView(channel, updater, requestTimeout, metrics);
  }
}
