package io.github.jchannels.client.internal;

import io.github.jchannels.client.transport.TransportSocket;
import org.jspecify.annotations.Nullable;

/**
 * The bound on frames received and not yet handled (decoded on the loop, then run by handlers
 * on the callback thread), in events and bytes. Reaching either bound pauses reading on the
 * current socket; it resumes when both are back to half. A socket that cannot pause gets
 * {@code overflow} instead (the client closes and recovers). Thread-safe (guarded by
 * {@code this}): frames are counted on the transport's thread as they arrive.
 */
final class Inbound {
  private final int maxEvents;
  private final long maxBytes;
  private final Metrics metrics;
  private int events;
  private long bytes;
  private boolean paused;
  /** The socket frames are read from now; null between connections. */
  private @Nullable TransportSocket socket;
  private @Nullable Runnable overflow;
  /** The most events waiting at once (for tests and diagnostics). */
  private int highWater;

  Inbound(int maxEvents, long maxBytes, Metrics metrics) {
    this.maxEvents = maxEvents;
    this.maxBytes = maxBytes;
    this.metrics = metrics;
  }

  /** {@code s} is now the socket read from; {@code overflow} runs if it cannot pause. */
  void attach(TransportSocket s, Runnable overflow) {
    boolean pauseNow;
    synchronized (this) {
      socket = s;
      this.overflow = overflow;
      pauseNow = paused;
    }
    if (pauseNow) {
      pause(s, overflow);
    }
  }

  @SuppressWarnings("ReferenceEquality") // the attached socket object itself
  synchronized void detach(TransportSocket s) {
    if (socket == s) {
      socket = null;
      overflow = null;
    }
  }

  /** A frame of {@code size} bytes arrived (transport thread). */
  void received(long size) {
    TransportSocket s;
    Runnable o;
    synchronized (this) {
      events++;
      bytes += size;
      highWater = Math.max(highWater, events);
      if (paused || (events < maxEvents && bytes < maxBytes)) {
        return;
      }
      paused = true;
      s = socket;
      o = overflow;
    }
    metrics.readPaused();
    if (s != null && o != null) {
      pause(s, o);
    }
  }

  /** A frame of {@code size} bytes was handled (loop or callback thread). */
  void handled(long size) {
    TransportSocket s;
    synchronized (this) {
      events--;
      bytes -= size;
      if (!paused || events > maxEvents / 2 || bytes > maxBytes / 2) {
        return;
      }
      paused = false;
      s = socket;
    }
    if (s != null) {
      s.resumeReading();
    }
  }

  private static void pause(TransportSocket s, Runnable overflow) {
    if (s.canPauseReading()) {
      s.pauseReading();
    } else {
      overflow.run();
    }
  }

  synchronized boolean paused() {
    return paused;
  }

  synchronized int events() {
    return events;
  }

  synchronized long bytes() {
    return bytes;
  }

  synchronized int highWater() {
    return highWater;
  }
}
