package io.github.jchannels.client.internal;

import io.github.jchannels.client.ChannelException;
import io.github.jchannels.core.Reply;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Requests waiting for their reply, by ref. Confined to the client's loop; futures are
 * completed on the callback thread.
 */
final class Requests {
  private final ScheduledExecutorService loop;
  private final Callbacks callbacks;
  /** Told the ref of a request that timed out, so that it leaves the send queue. */
  private final Consumer<String> unqueue;
  private final Map<String, Pending> pending = new LinkedHashMap<>();

  private static final class Pending {
    final CompletableFuture<Reply> future;
    final String channel;
    @Nullable ScheduledFuture<?> timeout;
    /** Whether the request went out on the current connection. */
    boolean sent;

    Pending(CompletableFuture<Reply> future, String channel) {
      this.future = future;
      this.channel = channel;
    }
  }

  Requests(ScheduledExecutorService loop, Callbacks callbacks, Consumer<String> unqueue) {
    this.loop = loop;
    this.callbacks = callbacks;
    this.unqueue = unqueue;
  }

  /** Tracks a new request; it fails with a {@link TimeoutException} after {@code timeout}. */
  void add(String ref, String channel, CompletableFuture<Reply> future, Duration timeout) {
    Pending p = new Pending(future, channel);
    pending.put(ref, p);
    p.timeout = loop.schedule(() -> timedOut(ref, timeout), timeout.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  void markSent(String ref) {
    Pending p = pending.get(ref);
    if (p != null) {
      p.sent = true;
    }
  }

  /** Resolves the request {@code ref} with its reply; false if no such request waits. */
  boolean reply(String ref, Reply reply) {
    Pending p = take(ref);
    if (p == null) {
      return false;
    }
    if (reply.isOk()) {
      callbacks.complete(p.future, reply);
    } else {
      callbacks.fail(p.future, new ChannelException(Frames.errorCode(reply),
          Frames.errorMessage(reply), p.channel, reply));
    }
    return true;
  }

  /** Fails the request {@code ref} with a server error; false if no such request waits. */
  boolean error(@Nullable String ref, String code, String message) {
    Pending p = ref == null ? null : take(ref);
    if (p == null) {
      return false;
    }
    callbacks.fail(p.future, new ChannelException(code, message, p.channel, null));
    return true;
  }

  /** Fails the request {@code ref} because it was dropped from the full send queue. */
  void dropped(String ref) {
    Pending p = take(ref);
    if (p != null) {
      callbacks.fail(p.future, new ChannelException(ChannelException.DROPPED,
          "dropped from the full send queue", p.channel, null));
    }
  }

  /** The connection ended: requests already sent will never be answered. */
  void connectionLost() {
    for (Iterator<Pending> it = pending.values().iterator(); it.hasNext(); ) {
      Pending p = it.next();
      if (p.sent) {
        it.remove();
        cancel(p);
        callbacks.fail(p.future, new ChannelException(ChannelException.CONNECTION_LOST,
            "the connection closed before the reply", p.channel, null));
      }
    }
  }

  /** Fails every request with {@code e}. */
  void failAll(ChannelException e) {
    for (Pending p : pending.values()) {
      cancel(p);
      callbacks.fail(p.future, e);
    }
    pending.clear();
  }

  private void timedOut(String ref, Duration timeout) {
    Pending p = pending.remove(ref);
    if (p == null) {
      return;
    }
    unqueue.accept(ref);
    callbacks.fail(p.future, new TimeoutException("no reply to request " + ref + " on "
        + p.channel + " within " + timeout));
  }

  private @Nullable Pending take(String ref) {
    Pending p = pending.remove(ref);
    if (p != null) {
      cancel(p);
    }
    return p;
  }

  private static void cancel(Pending p) {
    if (p.timeout != null) {
      p.timeout.cancel(false);
    }
  }
}
