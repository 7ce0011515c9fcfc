package io.github.jchannels.client.internal;

/**
 * What a {@link WsSocket} reports. Called on Java-WebSocket's threads: implementations must
 * only hand the event over to the client's own loop (never block, never reconnect from here).
 */
interface SocketListener {
  void onOpen(WsSocket socket);

  void onText(WsSocket socket, String text);

  void onBinary(WsSocket socket, int length);

  /** Called once per socket; {@code code} is 1006 when the socket never opened. */
  void onClose(WsSocket socket, int code, String reason, boolean remote);
}
