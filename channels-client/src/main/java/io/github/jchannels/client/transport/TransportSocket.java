package io.github.jchannels.client.transport;

import java.time.Duration;

/** One connection attempt's WebSocket. Thread-safe; never reused after it closed. */
public interface TransportSocket {

  /**
   * Queues a text message for sending, in order. Returns false if the socket is not open (the
   * message is not sent).
   */
  boolean send(String text);

  /**
   * Bytes accepted by {@link #send} and not yet handed to the network (an upper bound is
   * allowed; it must drop back as data is written).
   */
  long queuedBytes();

  /** Whether {@link #pauseReading()} really stops reading from the network. */
  boolean canPauseReading();

  /**
   * Stops delivering messages soon (at the latest after the message being delivered) and stops
   * reading the network, so that TCP pushes back on the server. No-op if unsupported.
   */
  void pauseReading();

  /** Reads and delivers again after {@link #pauseReading()}. */
  void resumeReading();

  /** Starts the closing handshake; {@link TransportListener#onClosed} follows. */
  void close(int code, String reason);

  /**
   * Drops the connection without a closing handshake; {@link TransportListener#onClosed}
   * follows.
   */
  void abort();

  /**
   * Waits up to {@code timeout} until every thread and resource of this socket is released
   * (after {@link TransportListener#onClosed} or {@link TransportListener#onRefused}); true if
   * they are.
   */
  boolean awaitTermination(Duration timeout) throws InterruptedException;
}
