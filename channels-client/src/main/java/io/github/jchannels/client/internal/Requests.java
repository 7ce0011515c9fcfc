package io.github.jchannels.client.internal;

import io.github.jchannels.client.ChannelException;
import io.github.jchannels.core.Reply;
import io.github.jchannels.core.time.Cancellable;
import io.github.jchannels.core.time.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Requests waiting for their reply, by ref. Confined to the client's loop. Replies complete
 * their futures on the callback thread; a timeout completes its future on a worker thread of
 * the client's (never the callback thread, which may be busy in a handler), then tells the loop.
 */
final class Requests {
  private final Scheduler scheduler;
  private final Executor worker;
  private final Loop loop;
  private final Callbacks callbacks;
  /** Told the ref of a request that timed out, so that it leaves the send queue. */
  private final Consumer<String> unqueue;
  private final Map<String, Pending> pending = new LinkedHashMap<>();

  private static final class Pending {
    final CompletableFuture<Reply> future;
    final String channel;
    Cancellable timeout = Cancellable.NONE;
    /** The connection the request went out on; null while queued. */
    @Nullable Attempt sentOn;

    Pending(CompletableFuture<Reply> future, String channel) {
      this.future = future;
      this.channel = channel;
    }
  }

  Requests(Scheduler scheduler, Executor worker, Loop loop, Callbacks callbacks,
      Consumer<String> unqueue) {
    this.scheduler = scheduler;
    this.worker = worker;
    this.loop = loop;
    this.callbacks = callbacks;
    this.unqueue = unqueue;
  }

  /** Tracks a new request; it fails with a {@link TimeoutException} after {@code timeout}. */
  void add(String ref, String channel, CompletableFuture<Reply> future, Duration timeout) {
    Pending p = new Pending(future, channel);
    pending.put(ref, p);
    p.timeout = scheduler.schedule(timeout, () -> worker.execute(() -> {
      if (future.completeExceptionally(new TimeoutException("no reply to request " + ref
          + " on " + channel + " within " + timeout))) {
        loop.post(() -> forget(ref));
      }
    }));
  }

  void markSent(String ref, Attempt on) {
    Pending p = pending.get(ref);
    if (p != null) {
      p.sentOn = on;
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

  /** Fails the request {@code ref} with {@code code} (dropped or refused before sending). */
  void fail(String ref, String code, String message) {
    Pending p = take(ref);
    if (p != null) {
      callbacks.fail(p.future, new ChannelException(code, message, p.channel, null));
    }
  }

  /** Connection {@code a} ended: requests sent on it will never be answered. */
  void connectionLost(Attempt a) {
    for (Iterator<Pending> it = pending.values().iterator(); it.hasNext(); ) {
      Pending p = it.next();
      if (p.sentOn == a) {
        it.remove();
        p.timeout.cancel();
        callbacks.fail(p.future, new ChannelException(ChannelException.CONNECTION_LOST,
            "the connection closed before the reply", p.channel, null));
      }
    }
  }

  /** Removes every request; returns their futures for the caller to fail (on its thread). */
  List<CompletableFuture<Reply>> takeAll() {
    List<CompletableFuture<Reply>> out = new ArrayList<>();
    for (Pending p : pending.values()) {
      p.timeout.cancel();
      out.add(p.future);
    }
    pending.clear();
    return out;
  }

  int size() {
    return pending.size();
  }

  private void forget(String ref) {
    if (pending.remove(ref) != null) {
      unqueue.accept(ref);
    }
  }

  private @Nullable Pending take(String ref) {
    Pending p = pending.remove(ref);
    if (p != null) {
      p.timeout.cancel();
    }
    return p;
  }
}
