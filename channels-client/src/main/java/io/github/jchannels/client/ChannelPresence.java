package io.github.jchannels.client;

import io.github.jchannels.core.Channel;
import io.github.jchannels.core.Reply;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A live, read-only view of who is on a channel (PROTOCOL.md section 12), from
 * {@link ChannelClient#presence(Channel)}: presence key (the principal's name) to one
 * {@link PresenceEntry} per connection, built from the server's {@code presence_state} and
 * {@code presence_diff} frames while the client is subscribed to the channel (presence is
 * enabled per family on the server; on other channels the view stays empty).
 *
 * <p><b>Lifecycle.</b> The view fills after the channel's {@code subscription_success}, when
 * {@code presence_state} arrives, and follows every {@code presence_diff}. When the connection
 * drops it keeps the last entries it knew and {@link #synced()} turns false; the next
 * connection's {@code presence_state} replaces them, and listeners hear the difference as
 * leaves and joins (Phoenix's {@code syncState}): a connection that is still there is not
 * reported again, one that went away while the client was offline is a leave, the client's
 * own new connection is a join (and its old one a leave). The view never holds two entries
 * with one {@code connId}. When the channel's last handler is closed, the view is emptied (a
 * leave for each entry); it fills again if the channel is subscribed again.
 *
 * <p><b>Threads.</b> Reading ({@link #list()}, {@link #get(String)}, {@link #synced()}) is
 * safe from any thread and returns an immutable snapshot. The view changes on the client's
 * callback thread, in order with the channel's handlers, and listeners run there, after the
 * change.
 */
public interface ChannelPresence {

  /** The channel this view is of. */
  Channel<?> channel();

  /** Every key with its entries now, in the order the keys joined; unmodifiable. */
  Map<String, List<PresenceEntry>> list();

  /** The entries of {@code key} now; empty when the key is not present. */
  List<PresenceEntry> get(String key);

  /**
   * Whether the view reflects the current connection: true once its {@code presence_state}
   * arrived, false before and after the connection drops (then the entries are the last known).
   */
  boolean synced();

  /** Calls {@code listener} on every later change (the current entries are not replayed). */
  ListenerHandle addListener(PresenceListener listener);

  /**
   * Sets this connection's own {@code meta} on the channel: sends {@code presence_update} with a
   * fresh {@code ref}, queued like any request while the client is not ready. {@code meta} is
   * anything that serialises to a JSON object (a {@code Map} or a record). The future
   * completes with the server's ok {@code reply}; it fails as {@link ChannelClient#request}
   * does, e.g. with a {@link ChannelException} whose code is {@code invalid_data} when the
   * server refuses the meta (not an object, over its size limit) or {@code not_subscribed}.
   * The server reports the change to every subscriber, this client included, as a
   * {@code presence_diff}. Each new connection starts again from the meta the server's hook
   * gives: set it again after a reconnection if it should last.
   *
   * @throws IllegalArgumentException when {@code meta} does not serialise to a JSON object or
   *     its frame is over the frame limit
   */
  CompletableFuture<Reply> updateMeta(Object meta);

  /** {@link #updateMeta(Object)} with its own timeout. */
  CompletableFuture<Reply> updateMeta(Object meta, Duration timeout);
}
