package io.github.jchannels.server.transport;

import io.github.jchannels.server.Handshake;
import java.nio.ByteBuffer;

/**
 * The core's callbacks for one connection, returned by {@link TransportContext#connecting}.
 *
 * <p>Rules for the transport: {@link #upgrade} once; if accepted, {@link #opened()} once when
 * the WebSocket is open; then {@link #text}, {@link #binary}, {@link #ping} and {@link #pong}
 * as frames arrive, for one connection one at a time and in the order received; and
 * {@link #closed} exactly once at the end, whatever happened before (also for a connection
 * refused or dropped before the upgrade). {@link #closeSent} and {@link #closed} may come from
 * any thread, even while another callback of the connection runs (a close started by a
 * sender); the core copes with a {@code closed} that overtakes the others. Calls for different
 * connections may run concurrently. No method blocks or throws: they may be called on a
 * transport's I/O threads.
 */
public interface ConnectionEvents {
  /**
   * The upgrade (handshake) request arrived. The core checks the path, the server state and
   * the origin; authentication runs after {@link #opened()} (PROTOCOL.md section 4: a refused
   * credential gets an {@code unauthorized} error, then close 1008).
   *
   * @return whether to complete the upgrade, or the HTTP status to refuse it with (a transport
   *     that cannot choose the status answers the closest it can, and documents it)
   */
  UpgradeResult upgrade(Handshake request);

  /** The upgrade completed: the WebSocket is open. The core authenticates, then admits. */
  void opened();

  /** A complete text message arrived (fragments already joined). */
  void text(String message);

  /**
   * A complete binary message arrived. The protocol has none: the core closes with 1003. A
   * transport may refuse binary frames itself before buffering them (close 1003).
   */
  void binary(ByteBuffer message);

  /**
   * A ping frame arrived with {@code payload}. The core answers with
   * {@link TransportConnection#pong}; a transport whose container answers pings itself calls
   * this all the same (for liveness) and makes its {@code pong} do nothing.
   */
  void ping(ByteBuffer payload);

  /** A pong frame arrived (the answer to the core's {@link TransportConnection#ping()}). */
  void pong(ByteBuffer payload);

  /**
   * The transport sent a close frame with {@code code}: because the core asked
   * ({@link TransportConnection#close}) or on its own (a protocol error it detected, such as a
   * frame over the size limit, 1009). Call once per connection, when the frame is queued. The
   * core counts it and bounds the close handshake by {@code closeTimeout} (then it aborts).
   */
  void closeSent(int code);

  /**
   * The connection is gone (close handshake done, TCP connection dropped, or refused before
   * the upgrade). {@code code} is the close code received or sent, 1006 if none. Exactly once;
   * nothing follows.
   */
  void closed(int code, String reason);
}
