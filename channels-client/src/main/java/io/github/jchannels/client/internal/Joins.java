package io.github.jchannels.client.internal;

import io.github.jchannels.client.ChannelException;
import io.github.jchannels.core.Channel;
import io.github.jchannels.core.Channels;
import io.github.jchannels.core.Codec;
import io.github.jchannels.core.Event;
import io.github.jchannels.core.Family;
import io.github.jchannels.core.GlobalEvent;
import io.github.jchannels.core.Reply;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The server-side joins of the channels that have handlers: one per channel, made by
 * {@code global} {@code subscribe} or, for {@code joinWith} families, by the family's own
 * join event on the channel. Confined to the client's loop; futures complete on the callback
 * thread.
 */
final class Joins {
  private final Codec codec;
  private final Map<Family<?>, Function<Channel<?>, ? extends Event>> joinEvents;
  private final AtomicLong refs;
  private final Callbacks callbacks;
  /** Sends a frame on the current connection (only called while ready). */
  private final Consumer<Frames.Outgoing> transmit;
  private final Map<String, Join> joins = new LinkedHashMap<>();
  /** Whether the current connection is ready (joins are sent only then). */
  private boolean ready;

  Joins(Codec codec, Map<Family<?>, Function<Channel<?>, ? extends Event>> joinEvents,
      AtomicLong refs, Callbacks callbacks, Consumer<Frames.Outgoing> transmit) {
    this.codec = codec;
    this.joinEvents = joinEvents;
    this.refs = refs;
    this.callbacks = callbacks;
    this.transmit = transmit;
  }

  /** The connection became ready: join every channel. */
  void ready() {
    ready = true;
    joins.values().forEach(this::send);
  }

  /** The connection ended: nothing is joined any more (handlers and waiters stay). */
  void connectionLost() {
    ready = false;
    for (Join j : joins.values()) {
      j.status = Join.Status.NOT_SENT;
      j.ref = null;
    }
  }

  /** {@code channel} got its first handler. */
  void gained(Channel<?> channel) {
    Join j = joins.computeIfAbsent(channel.name(), k -> new Join(channel));
    if (ready) {
      send(j);
    }
  }

  /** {@code channel} lost its last handler: leave it (not for {@code joinWith} families). */
  void lost(Channel<?> channel) {
    Join j = joins.remove(channel.name());
    if (j == null) {
      return;
    }
    callbacks.cancel(j.waiters);
    if (ready && j.status != Join.Status.NOT_SENT && !joinEvents.containsKey(channel.family())) {
      transmit.accept(new Frames.Outgoing(Channels.global().name(), "unsubscribe",
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
    if (j.status == Join.Status.JOINED) {
      callbacks.complete(f, null);
      return;
    }
    j.waiters.add(f);
    if (ready && j.status == Join.Status.FAILED) {
      send(j); // a new handler is a new try
    }
  }

  /** {@code subscription_success}; matched by ref, else by channel. */
  void subscribed(String channel, @Nullable String ref) {
    Join j = byRefOr(ref, channel);
    if (j != null && j.status == Join.Status.PENDING && j.channel.name().equals(channel)) {
      succeeded(j);
    }
  }

  /** {@code subscription_error}; matched by ref, else by channel. */
  void refused(String channel, @Nullable String ref, String code, String message) {
    Join j = byRefOr(ref, channel);
    if (j != null && j.status == Join.Status.PENDING) {
      failed(j, code, message);
    }
  }

  /** A server event on {@code channel}: for a {@code joinWith} family it confirms the join. */
  void message(Channel<?> channel) {
    Join j = joins.get(channel.name());
    if (j != null && j.status == Join.Status.PENDING && joinEvents.containsKey(channel.family())) {
      succeeded(j);
    }
  }

  /** A reply to a join event; false if {@code ref} is not a join's. */
  boolean reply(String ref, Reply reply) {
    Join j = byRef(ref);
    if (j == null) {
      return false;
    }
    if (reply.isOk()) {
      succeeded(j);
    } else {
      failed(j, Frames.errorCode(reply), Frames.errorMessage(reply));
    }
    return true;
  }

  /** A {@code global} {@code error} answering a join; false if {@code ref} is not a join's. */
  boolean error(@Nullable String ref, String code, String message) {
    Join j = ref == null ? null : byRef(ref);
    if (j == null) {
      return false;
    }
    failed(j, code, message);
    return true;
  }

  /** Whether each channel with handlers is joined on the current connection. */
  Map<String, Boolean> joinedByChannel() {
    Map<String, Boolean> out = new LinkedHashMap<>();
    joins.forEach((k, j) -> out.put(k, j.status == Join.Status.JOINED));
    return out;
  }

  /** The client closed: cancel every waiting future. */
  void cancelAll() {
    for (Join j : joins.values()) {
      callbacks.cancel(j.waiters);
      j.waiters.clear();
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private void send(Join j) {
    String ref = "s" + refs.incrementAndGet();
    j.ref = ref;
    j.status = Join.Status.PENDING;
    Function<Channel<?>, ? extends Event> joinEvent = joinEvents.get(j.channel.family());
    if (joinEvent != null) {
      Event e = joinEvent.apply(j.channel);
      Channel raw = j.channel;
      transmit.accept(new Frames.Outgoing(j.channel.name(), Frames.typeOf(raw, e),
          codec.encode(raw, e, ref), null));
    } else {
      transmit.accept(new Frames.Outgoing(Channels.global().name(), "subscribe",
          codec.encode(Channels.global(), new GlobalEvent.Subscribe(j.channel.name()), ref), null));
    }
  }

  private void succeeded(Join j) {
    j.status = Join.Status.JOINED;
    j.ref = null;
    List<CompletableFuture<Void>> w = new ArrayList<>(j.waiters);
    j.waiters.clear();
    callbacks.run(() -> w.forEach(f -> f.complete(null)));
  }

  private void failed(Join j, String code, String message) {
    j.status = Join.Status.FAILED;
    j.ref = null;
    ChannelException e = new ChannelException(code, message, j.channel.name(), null);
    List<CompletableFuture<Void>> w = new ArrayList<>(j.waiters);
    j.waiters.clear();
    callbacks.run(() -> w.forEach(f -> f.completeExceptionally(e)));
  }

  private @Nullable Join byRefOr(@Nullable String ref, String channel) {
    Join j = ref == null ? null : byRef(ref);
    return j != null ? j : joins.get(channel);
  }

  private @Nullable Join byRef(String ref) {
    for (Join j : joins.values()) {
      if (ref.equals(j.ref)) {
        return j;
      }
    }
    return null;
  }
}
