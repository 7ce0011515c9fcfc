package io.github.jchannels.core;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client-side {@code Map<channel, Set<handler>>}: handlers subscribe to a typed channel and
 * receive that family's sealed type, so a handler can switch over it exhaustively.
 *
 * <p>Thread-safe. {@link #emit} calls the channel's handlers on the calling thread, in the
 * order they were added; a handler that throws is logged and counted and never stops the
 * others. Registration changes are serialised, and the {@link Listener} hears of a channel's
 * first handler and of its last handler's removal in the order they happened (a client uses it
 * to subscribe and unsubscribe on the server once per channel). Listener methods run while the
 * bus holds its registration lock: they must be quick and must not block.
 */
public final class EventBus {
  private static final Logger log = LoggerFactory.getLogger(EventBus.class);

  /** Hears when a channel gains its first handler or loses its last one. */
  public interface Listener {
    /** {@code channel} got its first handler. */
    default void firstHandlerAdded(Channel<?> channel) {}

    /** {@code channel}'s last handler was removed. */
    default void lastHandlerRemoved(Channel<?> channel) {}
  }

  private final Listener listener;
  private final Object lock = new Object();
  /** Guarded by {@code lock} for writes; read lock-free by {@link #emit}. */
  private final Map<String, Entry> handlers = new ConcurrentHashMap<>();
  private final LongAdder handlerErrors = new LongAdder();

  private record Entry(Channel<?> channel, CopyOnWriteArrayList<Handler<?>> list) {}

  /** A bus without a listener. */
  public EventBus() {
    this(new Listener() {});
  }

  /** A bus that tells {@code listener} about first and last handlers. */
  public EventBus(Listener listener) {
    this.listener = Objects.requireNonNull(listener, "listener");
  }

  /**
   * Adds {@code handler} for events on {@code channel}. Many handlers per channel are allowed;
   * each receives every event once.
   */
  public <E extends Event> Subscription on(Channel<E> channel, Consumer<? super E> handler) {
    Objects.requireNonNull(channel, "channel");
    Objects.requireNonNull(handler, "handler");
    Handler<E> h = new Handler<>(channel, handler);
    synchronized (lock) {
      Entry e = handlers.computeIfAbsent(channel.name(),
          k -> new Entry(channel, new CopyOnWriteArrayList<>()));
      e.list().add(h);
      if (e.list().size() == 1) {
        listener.firstHandlerAdded(channel);
      }
    }
    return h;
  }

  private void remove(Handler<?> h) {
    synchronized (lock) {
      Entry e = handlers.get(h.channel.name());
      if (e != null && e.list().remove(h) && e.list().isEmpty()) {
        handlers.remove(h.channel.name());
        listener.lastHandlerRemoved(h.channel);
      }
    }
  }

  /**
   * Delivers {@code event} to every handler of {@code channel} and returns how many were
   * called. An event of another family than the channel's is not delivered (it is logged).
   */
  public int emit(Channel<?> channel, Event event) {
    Entry e = handlers.get(channel.name());
    if (e == null) {
      return 0;
    }
    if (!e.channel().accepts(event)) {
      log.warn("Dropped {} on {}: not an event of family '{}'", event.getClass().getName(),
          channel, e.channel().family().name());
      return 0;
    }
    int called = 0;
    for (Handler<?> h : e.list()) {
      called++;
      try {
        h.deliver(event);
      } catch (VirtualMachineError fatal) {
        throw fatal;
      } catch (Throwable t) {
        handlerErrors.increment();
        log.error("Handler on {} failed for {}", channel, event.getClass().getSimpleName(), t);
      }
    }
    return called;
  }

  /** The channels that have at least one handler, in no particular order. */
  public Set<Channel<?>> activeChannels() {
    Map<String, Channel<?>> out = new LinkedHashMap<>();
    for (Entry e : handlers.values()) {
      out.put(e.channel().name(), e.channel());
    }
    return Set.copyOf(out.values());
  }

  /** How many handlers {@code channel} has. */
  public int handlerCount(Channel<?> channel) {
    Entry e = handlers.get(channel.name());
    return e == null ? 0 : e.list().size();
  }

  /** How many times a handler threw since the bus was made. */
  public long handlerErrors() {
    return handlerErrors.sum();
  }

  /** Removes every handler (the listener hears of each channel). */
  public void clear() {
    List<Handler<?>> all = new ArrayList<>();
    synchronized (lock) {
      for (Entry e : handlers.values()) {
        all.addAll(e.list());
      }
    }
    all.forEach(Handler::close);
  }

  private final class Handler<E extends Event> implements Subscription {
    private final Channel<E> channel;
    private final Consumer<? super E> consumer;
    private final AtomicBoolean closed = new AtomicBoolean();

    Handler(Channel<E> channel, Consumer<? super E> consumer) {
      this.channel = channel;
      this.consumer = consumer;
    }

    void deliver(Event event) {
      consumer.accept(channel.family().eventType().cast(event));
    }

    @Override
    public Channel<?> channel() {
      return channel;
    }

    @Override
    public void close() {
      if (closed.compareAndSet(false, true)) {
        remove(this);
      }
    }
  }
}
