package io.github.jchannels.client;

import io.github.jchannels.core.Subscription;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;

/**
 * A handler registered with {@link ChannelClient#subscribe}; {@link #close()} removes it, and
 * when it was the channel's last handler the client leaves the channel on the server.
 */
public interface ClientSubscription extends Subscription {

  /**
   * Completes when the server has confirmed the channel after this handler was added
   * ({@code subscription_success}; for a {@link ChannelClient.Builder#joinWith joinWith} family,
   * the first frame on the channel after the join event), at once if it already was. Fails
   * with a {@link ChannelException} on {@code subscription_error} (or a {@code global}
   * {@code error} answering the join, {@code join_timeout}, {@code join_failed}), and with a
   * {@link CancellationException} when the handler is closed or the client closes before that.
   * A failure does not remove the handler: the client tries again after the next reconnection
   * (or, after a join timeout, after a backoff delay) until the handler is closed.
   */
  CompletableFuture<Void> joined();
}
