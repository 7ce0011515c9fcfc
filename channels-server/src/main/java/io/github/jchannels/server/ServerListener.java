package io.github.jchannels.server;

/**
 * Hears of the connections and subscriptions of the channels endpoint, registered with
 * {@link ChannelServer.Builder#listener} (extra endpoints have their own handler). Every method
 * has an empty default.
 *
 * <p>Called on the server's executor in each connection's order (for one connection:
 * {@code onConnect}, then its subscribes and unsubscribes, then {@code onDisconnect} once);
 * calls for different connections may be concurrent. An exception is logged and ignored.
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
}
