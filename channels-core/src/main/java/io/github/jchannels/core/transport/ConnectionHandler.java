package io.github.jchannels.core.transport;

/**
 * What a transport calls when a connection opens, receives text and closes: the inbound half
 * of the transport SPI. A transport calls the methods of one connection one at a time and in
 * order (never concurrently for the same connection); calls for different connections may run
 * concurrently.
 */
public interface ConnectionHandler {
  /** The connection is open and authenticated. */
  void onOpen(Connection connection);

  /** A text frame arrived. */
  void onText(Connection connection, String text);

  /** The connection closed; no further calls for it follow. */
  void onClose(Connection connection, int code, String reason);
}
