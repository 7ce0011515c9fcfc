package io.github.jchannels.client.internal;

import io.github.jchannels.client.ChannelException;
import io.github.jchannels.client.ClientError;
import io.github.jchannels.core.Channel;
import io.github.jchannels.core.Channels;
import io.github.jchannels.core.Codec;
import io.github.jchannels.core.Event;
import io.github.jchannels.core.Family;
import io.github.jchannels.core.GlobalEvent;
import io.github.jchannels.core.Reply;
import io.github.jchannels.core.time.Cancellable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server-side joins of the channels that have handlers: one per channel, made by
 * {@code global} {@code subscribe} or, for {@code joinWith} families, by the family's own
 * join event on the channel. What lasts across connections (the channel, the futures waiting
 * for it) is a {@link Join} here; what a connection knows (sent, joined, refused, its ref and
 * timers) is a {@link Wire} in that connection's {@link Attempt}, gone with it. Confined to the
 * loop; futures complete on the callback thread.
 *
 * <p>Recovery (PROTOCOL.md section 11): {@link Recovery} keeps each channel's last
 * {@code (epoch, seq)}; {@link #send} puts it in {@code subscribe} as {@code since},
 * {@link #subscribed} hands it the answer, and {@link #admit} checks every event with a
 * position, resubscribing on a gap.
 */
final class Joins {
  private static final Logger log = LoggerFactory.getLogger(Joins.class);

  enum Status { PENDING, JOINED, FAILED, UNSUBSCRIBED }

  /** One channel with handlers. */
  static final class Join {
    final Channel<?> channel;
    /** Futures of handles waiting for the next confirmation. */
    final List<CompletableFuture<Void>> waiters = new ArrayList<>();

    Join(Channel<?> channel) {
      this.channel = channel;
    }
  }

  /** A channel's join on one connection. */
  static final class Wire {
    Status status = Status.PENDING;
    /** The ref of the join frame waiting for its answer; null when none. */
    @Nullable String ref;
    Cancellable timeout = Cancellable.NONE;
    Cancellable retry = Cancellable.NONE;
    /** Join timeouts in a row on this connection (the backoff step of the next retry). */
    int timeouts;
    /** The {@code since} of the pending {@code subscribe}, null when it had none. */
    GlobalEvent.@Nullable Since since;

    void cancelTimers() {
      timeout.cancel();
      retry.cancel();
    }
  }

  private final Codec codec;
  private final Map<Family<?>, Function<Channel<?>, ? extends Event>> joinEvents;
  private final AtomicLong refs;
  private final Callbacks callbacks;
  private final Timers timers;
  private final Backoff backoff;
  private final Duration joinTimeout;
  private final Consumer<ClientError> errors;
  /** Sends a frame on a ready connection. */
  private final BiConsumer<Attempt, Frames.Outgoing> transmit;
  private final Map<String, Join> joins = new LinkedHashMap<>();
  private final Recovery recovery;
  /** The ready connection; null while not ready (joins are sent only then). */
  private @Nullable Attempt current;

  Joins(Codec codec, Map<Family<?>, Function<Channel<?>, ? extends Event>> joinEvents,
      AtomicLong refs, Callbacks callbacks, Timers timers, Backoff backoff,
      Duration joinTimeout, Consumer<ClientError> errors,
      BiConsumer<Attempt, Frames.Outgoing> transmit) {
    this.codec = codec;
    this.joinEvents = joinEvents;
    this.refs = refs;
    this.callbacks = callbacks;
    this.timers = timers;
    this.backoff = backoff;
    this.joinTimeout = joinTimeout;
    this.errors = errors;
    this.transmit = transmit;
    this.recovery = new Recovery(callbacks);
  }

  /** The channels' stream positions and the handles that observe their confirmations. */
  Recovery recovery() {
    return recovery;
  }

  /** Connection {@code a} became ready: join every channel on it. */
  void ready(Attempt a) {
    current = a;
    for (Join j : List.copyOf(joins.values())) {
      send(a, j);
    }
  }

  /** The ready connection ended; its wires end with its {@link Attempt}. */
  void connectionLost() {
    current = null;
  }

  /** {@code channel} got its first handler. */
  void gained(Channel<?> channel) {
    Join j = joins.computeIfAbsent(channel.name(), k -> new Join(channel));
    Attempt a = current;
    if (a != null && !a.wires.containsKey(channel.name())) {
      send(a, j);
    }
  }

  /** {@code channel} lost its last handler: leave it (not for {@code joinWith} families). */
  void lost(Channel<?> channel) {
    Join j = joins.remove(channel.name());
    if (j == null) {
      return;
    }
    recovery.forget(channel.name());
    callbacks.cancel(j.waiters);
    Attempt a = current;
    Wire w = a == null ? null : a.wires.remove(channel.name());
    if (w == null) {
      return;
    }
    w.cancelTimers();
    if ((w.status == Status.PENDING || w.status == Status.JOINED)
        && !joinEvents.containsKey(channel.family())) {
      transmit.accept(a, new Frames.Outgoing(Channels.global().name(), "unsubscribe",
          codec.encode(Channels.global(), new GlobalEvent.Unsubscribe(channel.name()),
              "u" + refs.incrementAndGet()), null));
    }
  }

  /** A handle's {@code joined()} future: completes with the channel's next confirmation. */
  void await(Channel<?> channel, CompletableFuture<Void> f) {
    Join j = joins.get(channel.name());
    if (j == null) {
      callbacks.cancel(List.of(f)); // its handler was closed before this ran
      return;
    }
    Attempt a = current;
    Wire w = a == null ? null : a.wires.get(channel.name());
    if (w != null && w.status == Status.JOINED) {
      callbacks.complete(f, null);
      return;
    }
    j.waiters.add(f);
    if (a != null && (w == null || w.status == Status.FAILED
        || w.status == Status.UNSUBSCRIBED)) {
      send(a, j); // a new handler is a new try
    }
  }

  /** {@code subscription_success}; matched by ref, else by channel. */
  void subscribed(GlobalEvent.SubscriptionSuccess ok, @Nullable String ref) {
    Join j = joins.get(ok.channel());
    Wire w = wire(ok.channel());
    if (j != null && w != null && w.status == Status.PENDING) {
      recovery.subscribed(j.channel, w.since, ok);
      succeeded(j, w);
    }
  }

  /**
   * Whether an event of {@code channel} at {@code at}, from connection {@code a}, reaches the
   * handlers: not a duplicate, and not after a gap. A gap on the ready connection makes the
   * client resubscribe with its last position (once: not while a subscribe is pending).
   */
  boolean admit(Attempt a, Channel<?> channel, GlobalEvent.Since at) {
    Join j = joins.get(channel.name());
    if (j == null) {
      return true; // no handler any more: the bus drops it
    }
    boolean live = a == current;
    return switch (recovery.check(channel.name(), at, live)) {
      case DELIVER -> true;
      case DUPLICATE -> false;
      case GAP -> {
        Wire w = live ? a.wires.get(channel.name()) : null;
        if (w != null && (w.status == Status.JOINED || w.status == Status.FAILED)
            && !joinEvents.containsKey(channel.family())) {
          send(a, j);
        }
        yield false;
      }
    };
  }

  /** {@code subscription_error}. */
  void refused(String channel, @Nullable String ref, String code, String message) {
    Join j = joins.get(channel);
    Wire w = wire(channel);
    if (j != null && w != null && w.status == Status.PENDING) {
      failed(j, w, code, message);
    }
  }

  /**
   * {@code unsubscribed}: the answer to our own {@code unsubscribe} (ref "u..."), or the server
   * ending the subscription by itself, which the application hears of.
   */
  void unsubscribed(String channel, @Nullable String ref) {
    if (ref != null && ref.startsWith("u")) {
      return;
    }
    Join j = joins.get(channel);
    Wire w = wire(channel);
    if (j == null || w == null || w.status == Status.FAILED
        || w.status == Status.UNSUBSCRIBED) {
      return;
    }
    log.warn("The server ended the subscription to {}", channel);
    w.cancelTimers();
    w.status = Status.UNSUBSCRIBED;
    w.ref = null;
    errors.accept(new ClientError(ClientError.UNSUBSCRIBED,
        "the server ended the subscription", channel, ref));
  }

  /** A server event on {@code channel}: for a {@code joinWith} family it confirms the join. */
  void message(Channel<?> channel) {
    Join j = joins.get(channel.name());
    Wire w = wire(channel.name());
    if (j != null && w != null && w.status == Status.PENDING
        && joinEvents.containsKey(channel.family())) {
      succeeded(j, w);
    }
  }

  /** A reply to a join event; false if {@code ref} is not a join's. */
  boolean reply(String ref, Reply reply) {
    Join j = byRef(ref);
    if (j == null) {
      return false;
    }
    Wire w = wire(j.channel.name());
    if (w != null) {
      if (reply.isOk()) {
        succeeded(j, w);
      } else {
        failed(j, w, Frames.errorCode(reply), Frames.errorMessage(reply));
      }
    }
    return true;
  }

  /** A {@code global} {@code error} answering a join; false if {@code ref} is not a join's. */
  boolean error(@Nullable String ref, String code, String message) {
    Join j = ref == null ? null : byRef(ref);
    if (j == null) {
      return false;
    }
    Wire w = wire(j.channel.name());
    if (w != null) {
      failed(j, w, code, message);
    }
    return true;
  }

  /** Whether each channel with handlers is joined on the current connection. */
  Map<String, Boolean> joinedByChannel() {
    Map<String, Boolean> out = new LinkedHashMap<>();
    for (String k : joins.keySet()) {
      Wire w = wire(k);
      out.put(k, w != null && w.status == Status.JOINED);
    }
    return out;
  }

  /** Removes and returns every waiting future (the client is closing or closed). */
  List<CompletableFuture<Void>> takeWaiters() {
    List<CompletableFuture<Void>> out = new ArrayList<>();
    for (Join j : joins.values()) {
      out.addAll(j.waiters);
      j.waiters.clear();
    }
    return out;
  }

  private void send(Attempt a, Join j) {
    Wire w = a.wires.computeIfAbsent(j.channel.name(), k -> new Wire());
    w.cancelTimers();
    String ref = "s" + refs.incrementAndGet();
    w.status = Status.PENDING;
    w.ref = ref;
    Function<Channel<?>, ? extends Event> joinEvent = joinEvents.get(j.channel.family());
    Frames.Outgoing frame;
    if (joinEvent != null) {
      try {
        Event e = joinEvent.apply(j.channel);
        frame = new Frames.Outgoing(j.channel.name(), Frames.typeOf(j.channel, e),
            Frames.encode(codec, j.channel, e, ref), null);
      } catch (RuntimeException ex) {
        log.error("The joinWith function for {} failed", j.channel.name(), ex);
        String message = "joinWith function failed: " + ex;
        failed(j, w, ChannelException.JOIN_FAILED, message);
        errors.accept(new ClientError(ChannelException.JOIN_FAILED, message,
            j.channel.name(), null));
        return;
      }
    } else {
      w.since = recovery.since(j.channel.name());
      frame = new Frames.Outgoing(Channels.global().name(), "subscribe",
          codec.encode(Channels.global(), new GlobalEvent.Subscribe(j.channel.name(), w.since),
              ref), null);
    }
    String name = j.channel.name();
    w.timeout = timers.after(joinTimeout, () -> timedOut(a, name, ref)); // armed before it goes
    transmit.accept(a, frame);
  }

  private void timedOut(Attempt a, String name, String ref) {
    Join j = joins.get(name);
    Wire w = a.wires.get(name);
    if (current != a || j == null || w == null || w.status != Status.PENDING
        || !ref.equals(w.ref)) {
      return;
    }
    w.timeouts++;
    w.ref = null; // a late answer still counts: it is matched by channel
    Duration delay = backoff.delay(w.timeouts, () -> ThreadLocalRandom.current().nextDouble());
    log.warn("No answer to the join of {} within {}; trying again in {} ms", name, joinTimeout,
        delay.toMillis());
    w.retry = timers.after(delay, () -> {
      if (current == a && joins.get(name) == j && a.wires.get(name) == w
          && w.status == Status.PENDING) {
        send(a, j);
      }
    });
    ChannelException e = new ChannelException(ChannelException.JOIN_TIMEOUT,
        "no answer within " + joinTimeout, name, null);
    List<CompletableFuture<Void>> waiting = List.copyOf(j.waiters);
    j.waiters.clear();
    callbacks.run(() -> waiting.forEach(f -> f.completeExceptionally(e)));
    errors.accept(new ClientError(ChannelException.JOIN_TIMEOUT, String.valueOf(e.getMessage()),
        name,
        ref));
  }

  private void succeeded(Join j, Wire w) {
    w.status = Status.JOINED;
    w.ref = null;
    w.cancelTimers();
    w.timeouts = 0;
    List<CompletableFuture<Void>> waiting = List.copyOf(j.waiters);
    j.waiters.clear();
    callbacks.run(() -> waiting.forEach(f -> f.complete(null)));
  }

  private void failed(Join j, Wire w, String code, String message) {
    w.status = Status.FAILED;
    w.ref = null;
    w.cancelTimers();
    ChannelException e = new ChannelException(code, message, j.channel.name(), null);
    List<CompletableFuture<Void>> waiting = List.copyOf(j.waiters);
    j.waiters.clear();
    callbacks.run(() -> waiting.forEach(f -> f.completeExceptionally(e)));
  }

  private @Nullable Wire wire(String channel) {
    Attempt a = current;
    return a == null ? null : a.wires.get(channel);
  }

  private @Nullable Join byRef(String ref) {
    Attempt a = current;
    if (a == null) {
      return null;
    }
    for (Map.Entry<String, Wire> e : a.wires.entrySet()) {
      if (ref.equals(e.getValue().ref)) {
        return joins.get(e.getKey());
      }
    }
    return null;
  }
}
