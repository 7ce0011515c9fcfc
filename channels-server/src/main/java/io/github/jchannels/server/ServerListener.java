package io.github.jchannels.server;

import io.github.jchannels.core.Channel;
import io.github.jchannels.core.Event;

/**
 * Hears of the connections, subscriptions, handled events and broadcasts of the channels
 * endpoint, registered with {@link ChannelServer.Builder#listener} (extra endpoints have their
 * own handler). Every method has an empty default.
 *
 * <p>Connection events are called on the server's executor in each connection's order (for one
 * connection: {@code onConnect}, then its subscribes and unsubscribes, then
 * {@code onDisconnect} once); calls for different connections may be concurrent.
 * {@link #onHandled} and {@link #onBroadcast} run on the thread of the handler or of the
 * broadcast, so they must be quick. An exception is logged and ignored.
 * Connections rejected at the handshake are never reported.
 */
public interface ServerListener {
  /** A connection completed its handshake and authentication (after {@code connected}). */
  default void onConnect(ConnectionInfo connection) {}

  /** A connection closed; {@code code} is the WebSocket close code. */
  default void onDisconnect(ConnectionInfo connection, int code, String reason) {}

  /** A connection newly joined {@code channel} (not reported for repeated subscribes). */
  default void onSubscribe(ConnectionInfo connection, String channel) {}

  /** A connection left {@code channel} by unsubscribing (not reported when it closes). */
  default void onUnsubscribe(ConnectionInfo connection, String channel) {}

  /**
   * A handler for {@code event}, received on {@code channel}, returned ({@code failed} false)
   * or threw, {@code nanos} after it was called (measured on {@link System#nanoTime()}). Called
   * on the handler's thread right after it, before the reply; for timing (e.g.
   * {@code channels-micrometer}). Not called for events that have no handler.
   */
  default void onHandled(Channel<?> channel, Event event, long nanos, boolean failed) {}

  /**
   * A {@code broadcast} of {@code event} on {@code channel} returned: it was handed to
   * {@code receivers} connections of this node (0 when none is subscribed) in {@code nanos}
   * (measured on {@link System#nanoTime()}; encoding and, with a broker, publishing included).
   * Called on the thread that called {@code broadcast}, before it returns; not called for a
   * broadcast that threw. For timing and for test kits that record broadcasts.
   */
  default void onBroadcast(Channel<?> channel, Event event, int receivers, long nanos) {}
}
