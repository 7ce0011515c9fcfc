package io.github.jchannels.shell.internal;

import io.github.jchannels.core.Channel;
import io.github.jchannels.core.Channels;
import io.github.jchannels.core.Codec;
import io.github.jchannels.core.Frame;
import io.github.jchannels.core.ShellEvent;
import io.github.jchannels.core.transport.Connection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * One running shell: a PTY process, its output pump and input writer, and the connections
 * attached to it. Output goes to every attached connection, encoded once per chunk.
 */
final class ShellSession {
  /** Most output held for a reattach (the PTY is paused meanwhile, so little accumulates). */
  private static final int MAX_HELD_CHARS = 256 * 1024;

  private final String id;
  private final String owner;
  private final Channel<ShellEvent> channel;
  private final PtyShell shell;
  private final OutputPump pump;
  private final InputWriter writer;
  private final Codec codec;
  private final Stats stats;
  private final Duration terminateGrace;
  /** Connections receiving output; a connection is added after it got its {@code init}. */
  private final Set<Connection> attached = new CopyOnWriteArraySet<>();
  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean ended = new AtomicBoolean();
  /** Completes with the exit code once the program ended and all its output was sent. */
  private final CompletableFuture<Integer> end;
  private volatile long lastActivityNanos = System.nanoTime();
  /** While no connection is attached: pause reading the PTY and hold the last output. */
  private volatile boolean holdWhileDetached;
  /** Output read while no connection was attached, sent to the next attacher. Guarded by this. */
  private final StringBuilder held = new StringBuilder();
  /** Bumped by every attach and every orphaning, so a stale reattach deadline is ignored. */
  private long generation;
  /** Guarded by {@code this}: the size in effect (the newest attacher's or resizer's). */
  private int cols;
  private int rows;

  ShellSession(String id, String owner, PtyShell shell, int cols, int rows, Codec codec,
      ScheduledExecutorService timer, OutputPump.Settings pumpSettings, long maxPendingInput,
      Duration terminateGrace, Stats stats) {
    this.id = id;
    this.owner = owner;
    this.channel = Channels.shell(id);
    this.shell = shell;
    this.codec = codec;
    this.stats = stats;
    this.terminateGrace = terminateGrace;
    this.cols = cols;
    this.rows = rows;
    this.pump = new OutputPump(shell, this::output, this::backlog, timer, pumpSettings);
    this.writer = new InputWriter(shell, maxPendingInput, "shell-" + shell.pid() + "-input");
    this.end = pump.done().thenCombine(shell.exit(), (v, code) -> code);
  }

  String id() {
    return id;
  }

  String owner() {
    return owner;
  }

  long pid() {
    return shell.pid();
  }

  Channel<ShellEvent> channel() {
    return channel;
  }

  /** Completes with the exit code once the program ended and its output was sent. */
  CompletableFuture<Integer> end() {
    return end;
  }

  boolean isEnded() {
    return ended.get();
  }

  /** Marks the session ended; true for the first caller only. */
  boolean markEnded() {
    return ended.compareAndSet(false, true);
  }

  /**
   * Attaches {@code connection}: the PTY takes {@code cols}×{@code rows} (the newest attacher
   * wins), the connection gets {@code init} (with {@code ref}), then output. Starts reading the
   * PTY on the first attach.
   */
  synchronized void attach(Connection connection, int cols, int rows, @Nullable String ref) {
    if (cols != this.cols || rows != this.rows) {
      this.cols = cols;
      this.rows = rows;
      shell.resize(cols, rows);
    }
    connection.send(codec.encode(channel, new ShellEvent.Init(id, cols, rows), ref));
    if (!held.isEmpty()) {
      connection.send(codec.encode(channel, new ShellEvent.Output(held.toString())));
      held.setLength(0);
    }
    attached.add(connection);
    generation++;
    touch();
    if (started.compareAndSet(false, true)) {
      pump.start("shell-" + shell.pid() + "-output");
    }
  }

  /** Detaches {@code connection}; returns true if no connection is attached any more. */
  synchronized boolean detach(Connection connection) {
    attached.remove(connection);
    return attached.isEmpty();
  }

  /**
   * The last connection went away but the shell is kept for a reattach: reading pauses and the
   * output already read is held for the next attacher. Returns the token for
   * {@link #stillOrphaned}.
   */
  synchronized long orphaned() {
    holdWhileDetached = true;
    return ++generation;
  }

  /** Whether nobody attached since {@link #orphaned} returned {@code token}. */
  synchronized boolean stillOrphaned(long token) {
    return attached.isEmpty() && generation == token;
  }

  Set<Connection> attached() {
    return attached;
  }

  synchronized void resize(int cols, int rows) {
    this.cols = cols;
    this.rows = rows;
    shell.resize(cols, rows);
    touch();
  }

  /** Queues typed input; false when the input queue is full. */
  boolean input(String data) {
    touch();
    return writer.offer(data.getBytes(StandardCharsets.UTF_8));
  }

  /** Sends {@code event} to every attached connection (encoded once). */
  void broadcast(ShellEvent.ToClient event) {
    Frame f = codec.encode(channel, event);
    for (Connection c : attached) {
      c.send(f);
    }
  }

  long lastActivityNanos() {
    return lastActivityNanos;
  }

  private void touch() {
    lastActivityNanos = System.nanoTime();
  }

  private void output(String text) {
    touch();
    if (attached.isEmpty()) {
      synchronized (this) {
        if (attached.isEmpty()) {
          if (holdWhileDetached && held.length() < MAX_HELD_CHARS) {
            held.append(text);
          }
          return;
        }
      }
    }
    Frame f = codec.encode(channel, new ShellEvent.Output(text));
    long peak = 0;
    for (Connection c : attached) {
      c.send(f);
      peak = Math.max(peak, c.bufferedBytes());
    }
    stats.sampleBuffered(peak);
    stats.outputChunk();
  }

  /** The most bytes any attached connection has queued (the pump's flow-control signal). */
  private long backlog() {
    if (holdWhileDetached && attached.isEmpty()) {
      return Long.MAX_VALUE;
    }
    long max = 0;
    for (Connection c : attached) {
      max = Math.max(max, c.bufferedBytes());
    }
    stats.sampleBuffered(max);
    return max;
  }

  boolean isPaused() {
    return pump.isPaused();
  }

  long pauses() {
    return pump.pauses();
  }

  /**
   * Ends the program and its whole process tree (blocking, idempotent), then starts the pump
   * even if nobody attached, so the end is observed.
   */
  void terminate() {
    pump.stop();
    writer.stop();
    shell.terminate(terminateGrace);
    if (started.compareAndSet(false, true)) {
      pump.start("shell-" + shell.pid() + "-output");
    }
  }

  /** Kills what the program left behind after it ended by itself. */
  void cleanUpAfterExit() {
    writer.stop();
    shell.terminate(Duration.ZERO);
  }

  /** Counters shared by every session of an endpoint. */
  interface Stats {
    void sampleBuffered(long bytes);

    void outputChunk();
  }
}
