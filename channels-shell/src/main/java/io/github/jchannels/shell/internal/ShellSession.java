package io.github.jchannels.shell.internal;

import io.github.jchannels.core.Channel;
import io.github.jchannels.core.Channels;
import io.github.jchannels.core.Codec;
import io.github.jchannels.core.Frame;
import io.github.jchannels.core.ShellEvent;
import io.github.jchannels.core.time.Scheduler;
import io.github.jchannels.core.transport.Connection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * One running shell: a PTY process, its output pump and input writer, the connections attached
 * to it and the newest output for replay. Output goes to every attached connection, encoded
 * once per chunk.
 */
final class ShellSession {
  private final String id;
  /** The principal name that started it; null for an anonymous connection. */
  private final @Nullable String owner;
  private final Channel<ShellEvent> channel;
  private final PtyShell shell;
  private final OutputPump pump;
  private final InputWriter writer;
  private final Codec codec;
  private final Stats stats;
  private final Scheduler scheduler;
  private final Duration terminateGrace;
  /** Connections receiving output; a connection is added after it got its {@code init}. */
  private final Set<Connection> attached = new CopyOnWriteArraySet<>();
  /**
   * The size each attached connection asked for last, least recent first: the last entry's
   * size is in effect. Guarded by this.
   */
  private final Map<Connection, int[]> sizes = new LinkedHashMap<>();
  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean ended = new AtomicBoolean();
  /** Completes with the exit code once the program ended and all its output was sent. */
  private final CompletableFuture<Integer> end;
  private volatile long lastActivityNanos;
  /** While no connection is attached: pause reading the PTY (a reattach may follow). */
  private volatile boolean holdWhileDetached;
  /** The newest output, replayed to each attacher. Guarded by this. */
  private final OutputRing replay;
  /** Bumped by every attach and every orphaning, so a stale reattach deadline is ignored. */
  private long generation;
  /** Guarded by {@code this}: the size in effect. */
  private int cols;
  private int rows;

  ShellSession(String id, @Nullable String owner, PtyShell shell, int cols, int rows,
      Codec codec, Scheduler scheduler, OutputPump.Settings pumpSettings, long maxPendingInput,
      Duration terminateGrace, int replayChars, Stats stats) {
    this.id = id;
    this.owner = owner;
    this.channel = Channels.shell(id);
    this.shell = shell;
    this.codec = codec;
    this.stats = stats;
    this.scheduler = scheduler;
    this.terminateGrace = terminateGrace;
    this.cols = cols;
    this.rows = rows;
    this.replay = new OutputRing(replayChars);
    this.lastActivityNanos = scheduler.nanoTime();
    this.pump = new OutputPump(shell, this::output, this::backlog, scheduler, pumpSettings);
    this.writer = new InputWriter(shell, maxPendingInput, "shell-" + shell.pid() + "-input");
    this.end = pump.done().thenCombine(shell.exit(), (v, code) -> code);
    // once the program is gone, what is left in the PTY is read whatever the flow control
    Futures.whenDone(shell.exit(), (code, e) -> pump.stop());
  }

  String id() {
    return id;
  }

  @Nullable String owner() {
    return owner;
  }

  long pid() {
    return shell.pid();
  }

  PtyShell shell() {
    return shell;
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
   * wins), the connection gets {@code init} (with {@code ref}), then the replay of the newest
   * output, then live output. Starts reading the PTY on the first attach.
   */
  synchronized void attach(Connection connection, int cols, int rows, @Nullable String ref) {
    sizes.remove(connection);
    sizes.put(connection, new int[] {cols, rows});
    apply(cols, rows);
    connection.send(codec.encode(channel, new ShellEvent.Init(id, cols, rows), ref));
    String screen = replay.snapshot();
    if (!screen.isEmpty()) {
      connection.send(codec.encode(channel, new ShellEvent.Output(screen)));
    }
    attached.add(connection);
    holdWhileDetached = false;
    generation++;
    touch();
    if (started.compareAndSet(false, true)) {
      pump.start("shell-" + shell.pid() + "-output");
    }
  }

  /**
   * Detaches {@code connection}; the size returns to that of the attached connection that set
   * one most recently. Returns true if no open connection is attached any more: one that is
   * closing (a close handshake under way, its {@code onClose} still to come) does not keep the
   * shell.
   */
  synchronized boolean detach(Connection connection) {
    attached.remove(connection);
    boolean wasCurrent = connection.equals(lastSizer());
    sizes.remove(connection);
    int[] s = lastSize();
    if (wasCurrent && s != null) {
      apply(s[0], s[1]);
    }
    for (Connection c : attached) {
      if (c.isOpen()) {
        return false;
      }
    }
    return true;
  }

  /** Called under this: the connection that set a size most recently. */
  private @Nullable Connection lastSizer() {
    Connection last = null;
    for (Connection c : sizes.keySet()) {
      last = c;
    }
    return last;
  }

  /** Called under this: the size of the connection that set one most recently. */
  private int @Nullable [] lastSize() {
    int[] last = null;
    for (int[] s : sizes.values()) {
      last = s;
    }
    return last;
  }

  /** Called under this. */
  private void apply(int cols, int rows) {
    if (cols != this.cols || rows != this.rows) {
      this.cols = cols;
      this.rows = rows;
      shell.resize(cols, rows);
    }
  }

  /** The size in effect, {cols, rows}. */
  synchronized int[] size() {
    return new int[] {cols, rows};
  }

  /**
   * The last connection went away but the shell is kept for a reattach: reading pauses (the
   * output already read stays in the replay). Returns the token for {@link #stillOrphaned}.
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

  /** {@code connection} asks for a new size; it is in effect until a newer one. */
  synchronized void resize(Connection connection, int cols, int rows) {
    if (sizes.containsKey(connection)) {
      sizes.remove(connection);
      sizes.put(connection, new int[] {cols, rows});
    }
    apply(cols, rows);
    touch();
  }

  /** Writes or queues typed input; false when the input queue is full. */
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
    lastActivityNanos = scheduler.nanoTime();
  }

  private void output(String text) {
    touch();
    List<Connection> to;
    synchronized (this) {
      replay.append(text);
      if (attached.isEmpty()) {
        return;
      }
      to = new ArrayList<>(attached);
    }
    Frame f = codec.encode(channel, new ShellEvent.Output(text));
    long peak = 0;
    for (Connection c : to) {
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
   * Ends the program and its whole process tree (see {@link PtyShell#terminate}), then starts
   * the pump even if nobody attached, so the end is observed. Idempotent.
   */
  CompletableFuture<Void> terminate(Executor blocking) {
    pump.stop();
    writer.stop();
    CompletableFuture<Void> done = shell.terminate(terminateGrace, scheduler, blocking);
    if (started.compareAndSet(false, true)) {
      pump.start("shell-" + shell.pid() + "-output");
    }
    return done;
  }

  /** Kills what the program left behind after it ended by itself. */
  CompletableFuture<Void> cleanUpAfterExit(Executor blocking) {
    writer.stop();
    return shell.terminate(Duration.ZERO, scheduler, blocking);
  }

  /** Kills everything now, without a grace. */
  void killNow() {
    pump.stop();
    writer.stop();
    if (started.compareAndSet(false, true)) {
      pump.start("shell-" + shell.pid() + "-output");
    }
    shell.killNow();
  }

  /** Counters shared by every session of an endpoint. */
  interface Stats {
    void sampleBuffered(long bytes);

    void outputChunk();
  }
}
