package io.github.jchannels.client.transport;

/**
 * What a {@link TransportSocket} reports, on the transport's threads. Implementations (the
 * client) never block in {@link #onOpen}, {@link #onClosed} or {@link #onRefused}; they return
 * quickly from {@link #onText} too, asking the socket to {@link TransportSocket#pauseReading()
 * pause} instead of blocking.
 */
public interface TransportListener {

  /** The handshake succeeded. */
  void onOpen();

  /** One whole text message, in the order received. */
  void onText(String text);

  /** A binary message of {@code length} bytes (a protocol error of the server's). */
  void onBinary(int length);

  /**
   * The connection ended (or never opened: code 1006). Called once per socket, last.
   *
   * @param code the close code (1006 when there was no close frame)
   * @param reason the close reason or a description of the failure
   * @param remote true when the server sent the close frame, false when this side closed
   */
  void onClosed(int code, String reason, boolean remote);

  /**
   * The server answered the handshake with HTTP {@code status} instead of 101. Called once per
   * socket, instead of {@link #onClosed}.
   */
  void onRefused(int status, String reason);
}
