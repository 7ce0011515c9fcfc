package io.github.jchannels.shell.internal;

import java.io.IOException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes typed input to the PTY on a thread of its own, so a program that does not read its
 * input (the PTY's input buffer is a few KiB) blocks only this thread, never a connection's
 * handler. The queue is bounded in bytes.
 */
final class InputWriter {
  private static final Logger log = LoggerFactory.getLogger(InputWriter.class);
  private static final byte[] STOP = new byte[0];

  private final PtyShell shell;
  private final long maxPendingBytes;
  private final LinkedBlockingQueue<byte[]> queue = new LinkedBlockingQueue<>();
  private final AtomicLong pendingBytes = new AtomicLong();
  private volatile boolean stopped;

  InputWriter(PtyShell shell, long maxPendingBytes, String threadName) {
    this.shell = shell;
    this.maxPendingBytes = maxPendingBytes;
    Thread t = new Thread(this::run, threadName);
    t.setDaemon(true);
    t.start();
  }

  /** Queues {@code bytes}; false if that would exceed the bound (nothing is queued then). */
  boolean offer(byte[] bytes) {
    if (stopped) {
      return true;
    }
    if (pendingBytes.addAndGet(bytes.length) > maxPendingBytes) {
      pendingBytes.addAndGet(-bytes.length);
      return false;
    }
    queue.add(bytes);
    return true;
  }

  /** Ends the writer thread; queued input is discarded. */
  void stop() {
    stopped = true;
    queue.clear();
    queue.add(STOP);
  }

  private void run() {
    try {
      while (true) {
        byte[] b = queue.take();
        if (b == STOP || stopped) {
          return;
        }
        pendingBytes.addAndGet(-b.length);
        shell.write(b);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException | RuntimeException e) {
      log.debug("shell {}: input writer ended", shell.pid(), e);
    }
  }
}
