package io.github.jchannels.client.internal;

import io.github.jchannels.client.transport.TransportSocket;
import org.jspecify.annotations.Nullable;

/**
 * The bound on bytes accepted for sending and not yet written: those posted to the loop, the
 * send queue's, and the transport's own buffer. Room is reserved on the caller's thread, so
 * that {@code send} can answer false at once. The transport's count may be costly (a walk of
 * its queue), so a running upper bound of it is kept and measured again only near the cap.
 * A frame moves from one place to the next under this object's lock, so it is never counted
 * in none of them (the cap holds) nor in two (the count is exact). Thread-safe.
 */
final class Outbound {
  private final long max;
  private final SendQueue queue;
  private final Metrics metrics;
  /** Guarded by this: reserved by callers and not yet queued or written. */
  private long posted;
  /** Guarded by this: an upper bound of the current socket's queued bytes. */
  private long transportEstimate;
  /** Guarded by this: the socket written to now; null while not ready. */
  private @Nullable TransportSocket socket;

  Outbound(long max, SendQueue queue, Metrics metrics) {
    this.max = max;
    this.queue = queue;
    this.metrics = metrics;
  }

  /** Room for {@code size} more bytes? Reserves it if so, else counts a refusal. */
  synchronized boolean reserve(long size) {
    long base = posted + queue.bytes();
    if (base + transportEstimate + size > max) {
      TransportSocket s = socket;
      transportEstimate = s == null ? 0 : s.queuedBytes();
      if (base + transportEstimate + size > max) {
        metrics.refused();
        return false;
      }
    }
    posted += size;
    return true;
  }

  /** A reserved frame goes nowhere (closed, dropped before queueing). */
  synchronized void release(long size) {
    posted -= size;
  }

  /** A reserved frame enters the send queue; returns what the queue dropped, if anything. */
  synchronized Frames.@Nullable Outgoing enqueue(Frames.Outgoing o) {
    Frames.Outgoing dropped = queue.add(o);
    posted -= o.bytes();
    return dropped;
  }

  /**
   * Writes {@code o} to {@code s}; {@code from} says where its bytes were counted until now.
   * Returns whether the socket took it.
   */
  @SuppressWarnings("ReferenceEquality") // the attached socket object itself
  synchronized boolean write(TransportSocket s, Frames.Outgoing o, From from) {
    boolean ok = s.send(o.frame().text());
    if (from == From.POSTED) {
      posted -= o.bytes();
    }
    if (ok && s == socket) {
      transportEstimate += o.bytes();
    }
    return ok;
  }

  /** Where a frame's bytes were counted before it was written. */
  enum From {
    /** Reserved by {@code send}/{@code request} and handed straight to the socket. */
    POSTED,
    /** Polled from the send queue (already uncounted there). */
    QUEUE,
    /** A frame of the client's own (subscribe, ping ...): never counted. */
    NONE
  }

  /** The socket written to now (null while not ready). */
  synchronized void socket(@Nullable TransportSocket s) {
    socket = s;
    transportEstimate = s == null ? 0 : s.queuedBytes();
  }

  synchronized long queueSize() {
    TransportSocket s = socket;
    return Math.max(0, posted) + queue.bytes() + (s == null ? 0 : s.queuedBytes());
  }
}
