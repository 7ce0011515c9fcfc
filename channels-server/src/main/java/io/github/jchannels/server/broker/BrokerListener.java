package io.github.jchannels.server.broker;

/**
 * Receives the events of the channels this node is interested in. A broker calls it, per channel,
 * from one thread at a time, in {@code seq} order, at most once per {@code (epoch, seq)}; calls
 * for different channels may run concurrently on different threads. Methods must not block (hand
 * work to the connections' own queues), must not call the broker back synchronously (publish
 * from another thread), and should not throw (a throwing listener is logged and
 * the broker carries on).
 */
public interface BrokerListener {
  /** One event, published by this node or another. */
  void onEvent(BrokerEvent event);

  /**
   * This node missed events of {@code channel} and could not fill the gap from the history: the
   * events after {@code lastDelivered} up to {@code resumedAt} (or, when the epochs differ, the
   * rest of the old stream) will never be delivered here. Later events follow through
   * {@link #onEvent} with their own {@code seq}, never renumbered, so clients see the jump
   * (PROTOCOL.md section 11). Called before the first event after the gap. The default does
   * nothing.
   *
   * @param lastDelivered the position of the last event delivered here before the gap
   * @param resumedAt the stream's top when the broker resumed (its epoch may be new)
   */
  default void onDiscontinuity(String channel, StreamPosition lastDelivered,
      StreamPosition resumedAt) {}

  /**
   * A change of {@code channel}'s presence, applied by this node or another (or the leaves of
   * entries that expired). Called per channel in the order the changes were applied. The
   * default does nothing.
   */
  default void onPresence(String channel, PresenceDiff diff) {}
}
