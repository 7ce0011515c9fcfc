package io.github.jchannels.client.internal;

import io.github.jchannels.core.Channel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/** The server-side join of one channel that has handlers. Confined to the client's loop. */
final class Join {
  enum Status { NOT_SENT, PENDING, JOINED, FAILED }

  final Channel<?> channel;
  Status status = Status.NOT_SENT;
  /** The ref of the join frame in flight on the current connection; null when none. */
  @Nullable String ref;
  /** Futures of handles waiting for the next confirmation. */
  final List<CompletableFuture<Void>> waiters = new ArrayList<>();

  Join(Channel<?> channel) {
    this.channel = channel;
  }
}
