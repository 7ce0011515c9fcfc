package io.github.jchannels.server.transport;

import io.github.jchannels.core.Frame;
import java.nio.ByteBuffer;

/**
 * One connection as the core drives it; implemented by the transport. Thread-safe: the core
 * calls it from any thread, concurrently. No method blocks on the network or throws for a
 * closed connection (calls after close are ignored).
 */
public interface TransportConnection {
  /**
   * Queues {@code frame} as one WebSocket text message. The same {@link Frame} goes to many
   * connections (a broadcast): share its bytes, never copy them per connection; a transport
   * that frames the bytes itself keeps its framed form in {@link Frame#transportForm}, which
   * makes it once per frame. Frames written from one thread are sent in that order.
   */
  void write(Frame frame);

  /**
   * Bytes of frames queued by {@link #write} and not yet written to the socket (or handed to a
   * container that does not block). The core closes the connection as a slow consumer (1013)
   * when this exceeds {@code maxBufferedBytes}.
   */
  long queuedBytes();

  /**
   * Stops reading from the peer until {@link #resumeReading()} (backpressure): the socket's
   * receive window fills and the peer's writes stall. A message already read may still be
   * delivered. Idempotent.
   */
  void pauseReading();

  /** Reads from the peer again after {@link #pauseReading()}. Idempotent. */
  void resumeReading();

  /** Sends a WebSocket ping frame with an empty payload. */
  void ping();

  /**
   * Sends a WebSocket pong frame with {@code payload} (at most 125 bytes). The pong counts in
   * {@link #queuedBytes()} like a frame, and at most one is owed: a pong still queued and not
   * started is replaced by the new one (RFC 6455 5.5.3), so a ping flood from a peer that does
   * not read holds one pong (PROTOCOL.md section 7, resource rules).
   */
  void pong(ByteBuffer payload);

  /**
   * Starts the close handshake: sends a close frame with {@code code} and {@code reason} (the
   * core clips it to 123 UTF-8 bytes) after the frames already queued, and then
   * {@link ConnectionEvents#closeSent}. Idempotent: later calls do nothing.
   */
  void close(int code, String reason);

  /**
   * Like {@link #close}, but first drops the queued frames whose sending has not started (a
   * frame half written is finished, so the peer can still read the close frame): the core
   * uses it for a slow consumer. The default just closes.
   */
  default void closeDiscardingQueued(int code, String reason) {
    close(code, reason);
  }

  /**
   * Drops the TCP connection at once, without a close handshake (a connection that did not
   * finish its handshake, or did not answer a close in time). {@link ConnectionEvents#closed}
   * follows with 1006. Idempotent.
   */
  void abort();
}
