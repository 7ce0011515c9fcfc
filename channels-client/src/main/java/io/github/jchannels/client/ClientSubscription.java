package io.github.jchannels.client;

import io.github.jchannels.core.Subscription;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A handler registered with {@link ChannelClient#subscribe}; {@link #close()} removes it, and
 * when it was the channel's last handler the client leaves the channel on the server.
 *
 * <p>Recovery (PROTOCOL.md section 11): on a channel whose family keeps history the client
 * remembers the last {@code (epoch, seq)} it delivered, rejoins with it after every reconnect,
 * delivers each event once, and resubscribes by itself when a live event skips a seq.
 * {@link #subscribed()}, {@link #onSubscribed} and {@link #onStale} say whether the missed
 * events came back:
 *
 * <pre>{@code
 * ClientSubscription sub = client.subscribe(channel, this::apply);
 * sub.onStale(s -> reloadFromTheDatabase(s.channel()));   // events were lost
 * }</pre>
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

  /**
   * The channel's latest confirmation by the server (on this connection or an earlier one),
   * or null before the first; {@link Subscribed#recovered()} tells whether the last rejoin got
   * every missed event. The channel's, so the same for every handle of it.
   */
  @Nullable Subscribed subscribed();

  /**
   * Calls {@code listener} on the callback thread at every confirmation of the channel while
   * this handle is open (first join, each rejoin, each gap filled), before the recovered events
   * reach the handlers. Not replayed: read {@link #subscribed()} first.
   */
  ListenerHandle onSubscribed(Consumer<? super Subscribed> listener);

  /**
   * Calls {@code listener} on the callback thread when a rejoin could not recover the missed
   * events ({@link Subscribed#stale()}): the application's state of the channel is stale and
   * should be reloaded. Called after the {@link #onSubscribed} listeners and before any later
   * event of the channel reaches the handlers.
   */
  ListenerHandle onStale(Consumer<? super Subscribed> listener);
}
