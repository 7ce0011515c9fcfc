package io.github.jchannels.shell.internal;

import io.github.jchannels.core.time.Scheduler;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a PTY on a thread of its own, decodes UTF-8 across read boundaries, coalesces the text
 * into chunks (flushed after {@code coalesceDelay} or once {@code maxChunkChars} are pending)
 * and hands each chunk to a sink, in order.
 *
 * <p>Flow control: before each read the pump asks {@code backlog} how many bytes the slowest
 * receiver has not taken yet. Above {@code highWater} it stops reading until the backlog is at
 * or below {@code lowWater}; meanwhile the kernel's PTY buffer fills and the program blocks in
 * {@code write}, as it would on a real terminal that is not being read. Memory per shell is
 * thus bounded by roughly {@code highWater} plus one chunk per receiver.
 */
public final class OutputPump {
  private static final Logger log = LoggerFactory.getLogger(OutputPump.class);
  /** One read takes what the PTY holds (the kernel's PTY buffer is a few KiB to 64 KiB). */
  private static final int READ_SIZE = 64 * 1024;
  private static final long MIN_POLL_NANOS = TimeUnit.MICROSECONDS.toNanos(500);
  private static final long MAX_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

  /** Tuning of a pump. */
  public record Settings(Duration coalesceDelay, int maxChunkChars, long highWater, long lowWater) {
    public Settings {
      Objects.requireNonNull(coalesceDelay, "coalesceDelay");
      if (coalesceDelay.isNegative()) {
        throw new IllegalArgumentException("coalesceDelay must be >= 0: " + coalesceDelay);
      }
      if (maxChunkChars < 1) {
        throw new IllegalArgumentException("maxChunkChars must be >= 1: " + maxChunkChars);
      }
      if (lowWater < 0 || highWater < lowWater) {
        throw new IllegalArgumentException(
            "need 0 <= lowWater <= highWater: " + lowWater + ", " + highWater);
      }
    }
  }

  private final PtyShell shell;
  private final Consumer<String> sink;
  private final LongSupplier backlog;
  private final Scheduler timer;
  private final Settings settings;
  private final Utf8StreamDecoder decoder = new Utf8StreamDecoder();
  /** Text read but not yet handed to the sink. Guarded by {@code this}. */
  private final StringBuilder pending = new StringBuilder();
  /** Whether a timed flush is scheduled. Guarded by {@code this}. */
  private boolean flushScheduled;
  /** Guarded by this: System.nanoTime() of the last chunk handed to the sink. */
  private long lastFlushNanos = Long.MIN_VALUE / 2;
  /** Held while taking pending text and handing it to the sink, so chunks stay in order. */
  private final Object sinkLock = new Object();
  private final CompletableFuture<Void> done = new CompletableFuture<>();
  private final LongAdder pauses = new LongAdder();
  private final LongAdder chunks = new LongAdder();
  private final LongAdder bytesRead = new LongAdder();
  private volatile boolean paused;
  private volatile boolean stopped;

  public OutputPump(PtyShell shell, Consumer<String> sink, LongSupplier backlog,
      Scheduler timer, Settings settings) {
    this.shell = Objects.requireNonNull(shell, "shell");
    this.sink = Objects.requireNonNull(sink, "sink");
    this.backlog = Objects.requireNonNull(backlog, "backlog");
    this.timer = Objects.requireNonNull(timer, "timer");
    this.settings = Objects.requireNonNull(settings, "settings");
  }

  /**
   * Starts the reader thread: a platform thread, since pty4j reads in a blocking native call
   * that would pin a virtual thread's carrier.
   */
  public OutputPump start(String threadName) {
    Thread t = new Thread(this::run, threadName);
    t.setDaemon(true);
    t.start();
    return this;
  }

  /** Completes after the PTY reached end of stream and the last chunk went to the sink. */
  public CompletableFuture<Void> done() {
    return done;
  }

  /**
   * Leaves a flow-control pause at once and ignores flow control from now on (for teardown and
   * after the program ended: what is left is at most the PTY's buffer); reading ends when the
   * PTY closes.
   */
  public void stop() {
    stopped = true;
  }

  /** Whether the pump is holding off reading because a receiver is behind. */
  public boolean isPaused() {
    return paused;
  }

  /** How many times reading was paused for flow control. */
  public long pauses() {
    return pauses.sum();
  }

  /** How many chunks went to the sink. */
  public long chunks() {
    return chunks.sum();
  }

  /** How many bytes were read from the PTY (each counted after it was handed on). */
  public long bytesRead() {
    return bytesRead.sum();
  }

  private void run() {
    byte[] buf = new byte[READ_SIZE];
    try {
      while (true) {
        if (!stopped && backlog.getAsLong() > settings.highWater()) {
          holdOff();
        }
        int n = shell.read(buf);
        if (n < 0) {
          break;
        }
        String text = decoder.decode(buf, 0, n);
        if (!text.isEmpty()) {
          append(text);
        }
        // counted once handed on: whoever sees the count sees the output pending or sent
        bytesRead.add(n);
      }
      String rest = decoder.finish();
      if (!rest.isEmpty()) {
        append(rest);
      }
      flush();
    } catch (RuntimeException | Error e) {
      log.warn("shell {}: output pump failed", shell.pid(), e);
    } finally {
      done.complete(null);
    }
  }

  /** Waits until the backlog is at or below the low-water mark, or the pump is stopped. */
  private void holdOff() {
    paused = true;
    pauses.increment();
    long poll = MIN_POLL_NANOS;
    try {
      while (!stopped && backlog.getAsLong() > settings.lowWater()) {
        LockSupport.parkNanos(this, poll);
        poll = Math.min(MAX_POLL_NANOS, poll * 2);
      }
    } finally {
      paused = false;
    }
  }

  private void append(String text) {
    boolean full;
    synchronized (this) {
      pending.append(text);
      full = pending.length() >= settings.maxChunkChars();
      // leading edge: output after a quiet period (an echoed keystroke) goes out at once; only
      // output that follows a chunk within coalesceDelay waits to be coalesced
      if (!full && !flushScheduled
          && timer.nanoTime() - lastFlushNanos >= settings.coalesceDelay().toNanos()) {
        full = true;
      }
      if (!full && !flushScheduled) {
        flushScheduled = true;
        // a closed scheduler drops the task: the end of stream flushes what is left
        timer.schedule(settings.coalesceDelay(), this::timedFlush);
      }
    }
    if (full) {
      flush();
    }
  }

  private void timedFlush() {
    synchronized (this) {
      flushScheduled = false;
    }
    flush();
  }

  /** Hands everything pending to the sink as one chunk. */
  private void flush() {
    synchronized (sinkLock) {
      String chunk;
      synchronized (this) {
        if (pending.isEmpty()) {
          return;
        }
        chunk = pending.toString();
        pending.setLength(0);
        lastFlushNanos = timer.nanoTime();
        if (pending.capacity() > 4 * settings.maxChunkChars()) {
          pending.trimToSize();
        }
      }
      chunks.increment();
      try {
        sink.accept(chunk);
      } catch (RuntimeException e) {
        log.warn("shell {}: output sink failed", shell.pid(), e);
      }
    }
  }
}
