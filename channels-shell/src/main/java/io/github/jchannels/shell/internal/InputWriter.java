package io.github.jchannels.shell.internal;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * Writes typed input to the PTY. A keystroke is written at once on the caller's thread with a
 * non-blocking write (no thread hand-off on the echo path); what the PTY does not take (a
 * program that does not read its input) waits in a queue bounded in bytes, drained by a
 * virtual thread that retries with a growing pause (0.2 to 20 ms) while the PTY is full. No
 * thread ever blocks on the PTY, and none exists while nothing is pending.
 */
final class InputWriter {
  private static final long MIN_PARK_NANOS = TimeUnit.MICROSECONDS.toNanos(200);
  private static final long MAX_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

  private final PtyShell shell;
  private final long maxPendingBytes;
  private final String threadName;
  /** Input not yet taken by the PTY, oldest first. Guarded by this. */
  private final ArrayDeque<byte[]> queue = new ArrayDeque<>();
  /** Bytes of the head of {@link #queue} already written. Guarded by this. */
  private int headOffset;
  /** Bytes in {@link #queue} not yet written. Guarded by this. */
  private long pendingBytes;
  /** The draining thread while there is one. Guarded by this. */
  private @Nullable Thread drainer;
  /** Guarded by this. */
  private boolean stopped;

  InputWriter(PtyShell shell, long maxPendingBytes, String threadName) {
    this.shell = shell;
    this.maxPendingBytes = maxPendingBytes;
    this.threadName = threadName;
  }

  /** Writes or queues {@code bytes}; false if that would exceed the bound (nothing is taken). */
  synchronized boolean offer(byte[] bytes) {
    if (stopped) {
      return true;
    }
    if (pendingBytes + bytes.length > maxPendingBytes) {
      return false;
    }
    int written = 0;
    if (queue.isEmpty()) {
      written = shell.writeSome(bytes, 0, bytes.length);
      if (written < 0) {
        stopped = true;
        return true;
      }
      if (written == bytes.length) {
        return true;
      }
    }
    queue.add(bytes);
    if (queue.size() == 1) {
      headOffset = written;
    }
    pendingBytes += bytes.length - written;
    if (drainer == null) {
      drainer = Thread.ofVirtual().name(threadName).start(this::drain);
    }
    return true;
  }

  /** Bytes waiting for the PTY. */
  synchronized long pendingBytes() {
    return pendingBytes;
  }

  /** Discards queued input and ends the draining thread. */
  synchronized void stop() {
    stopped = true;
    queue.clear();
    pendingBytes = 0;
    Thread d = drainer;
    if (d != null) {
      LockSupport.unpark(d);
    }
  }

  private void drain() {
    long park = MIN_PARK_NANOS;
    while (true) {
      synchronized (this) {
        if (stopped || queue.isEmpty()) {
          drainer = null;
          return;
        }
        byte[] head = queue.peek();
        int n = shell.writeSome(head, headOffset, head.length - headOffset);
        if (n < 0) {
          stopped = true;
          queue.clear();
          pendingBytes = 0;
          drainer = null;
          return;
        }
        pendingBytes -= n;
        headOffset += n;
        if (headOffset == head.length) {
          queue.poll();
          headOffset = 0;
          park = MIN_PARK_NANOS;
          continue;
        }
        if (n > 0) {
          park = MIN_PARK_NANOS;
          continue;
        }
      }
      LockSupport.parkNanos(this, park);
      park = Math.min(MAX_PARK_NANOS, park * 2);
    }
  }
}
