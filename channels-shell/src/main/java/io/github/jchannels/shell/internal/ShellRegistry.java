package io.github.jchannels.shell.internal;

import io.github.jchannels.core.Codec;
import io.github.jchannels.core.ShellEvent;
import io.github.jchannels.core.transport.Connection;
import io.github.jchannels.shell.ShellConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running shells of one endpoint, by id: starts them (within the limits), attaches and
 * detaches connections, ends a shell when its last connection goes away or when it is idle,
 * and tears down process trees off the callers' threads. Owns the endpoint's timer thread and
 * teardown threads; {@link #close()} ends everything.
 */
final class ShellRegistry implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ShellRegistry.class);

  private final ShellConfig config;
  private final LaunchSpec launch;
  private final OutputPump.Settings pumpSettings;
  private final Codec codec;
  /** Told, after a shell ended, which connections were attached to it (before {@code exit}). */
  private final BiConsumer<ShellSession, List<Connection>> onEnded;
  /** Running shells by id. Mutated under {@link #lock}. */
  private final Map<String, ShellSession> shells = new ConcurrentHashMap<>();
  /** Makes limit checks, starts, attaches and detaches atomic. */
  private final ReentrantLock lock = new ReentrantLock();
  private final ScheduledExecutorService timer;
  private final ExecutorService teardown;
  private final Set<CompletableFuture<?>> teardowns = ConcurrentHashMap.newKeySet();
  private final LongAccumulator peakBuffered = new LongAccumulator(Math::max, 0);
  private final LongAdder outputChunks = new LongAdder();
  private final LongAdder started = new LongAdder();
  private final AtomicLong pausesOfEnded = new AtomicLong();
  private final ShellSession.Stats stats = new ShellSession.Stats() {
    @Override
    public void sampleBuffered(long bytes) {
      peakBuffered.accumulate(bytes);
    }

    @Override
    public void outputChunk() {
      outputChunks.increment();
    }
  };
  private volatile boolean closed;

  ShellRegistry(ShellConfig config, Codec codec,
      BiConsumer<ShellSession, List<Connection>> onEnded) {
    this.config = config;
    this.codec = codec;
    this.onEnded = onEnded;
    this.launch = new LaunchSpec(config.command(), config.directory(), config.environment());
    this.pumpSettings = new OutputPump.Settings(config.coalesceDelay(), config.maxChunkChars(),
        config.highWaterBytes(), config.lowWaterBytes());
    AtomicInteger n = new AtomicInteger();
    ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
      Thread th = new Thread(r, "shell-timer-" + n.incrementAndGet());
      th.setDaemon(true);
      return th;
    });
    t.setRemoveOnCancelPolicy(true);
    this.timer = t;
    this.teardown = Executors.newThreadPerTaskExecutor(
        Thread.ofVirtual().name("shell-teardown-", 0).factory());
  }

  boolean isClosed() {
    return closed;
  }

  /**
   * Attaches {@code connection} to the running shell {@code id}, or starts it for
   * {@code owner} first; the connection gets {@code init} (with {@code ref}) before any output.
   * Throws {@link ShellStartException} with the wire code when refused or failed.
   */
  ShellSession attachOrStart(String id, String owner, Connection connection, int cols, int rows,
      @Nullable String ref) throws ShellStartException {
    lock.lock();
    try {
      if (closed) {
        throw new ShellStartException("unavailable", "the shell endpoint is closing");
      }
      ShellSession session = shells.get(id);
      if (session == null || session.isEnded()) {
        checkLimits(owner);
        PtyShell shell = PtyShell.start(launch, cols, rows);
        session = new ShellSession(id, owner, shell, cols, rows, codec, timer, pumpSettings,
            config.maxPendingInputBytes(), config.terminateGrace(), stats);
        shells.put(id, session);
        started.increment();
        ShellSession s = session;
        session.end().whenComplete((code, e) -> ended(s, code == null ? -1 : code));
        config.idleTimeout().ifPresent(t -> scheduleIdleCheck(s, t));
        log.debug("shell {} started (pid {}) for '{}'", id, shell.pid(), owner);
      }
      session.attach(connection, cols, rows, ref);
      return session;
    } finally {
      lock.unlock();
    }
  }

  /** Called under {@link #lock}. */
  private void checkLimits(String owner) throws ShellStartException {
    int total = 0;
    int mine = 0;
    for (ShellSession s : shells.values()) {
      if (!s.isEnded()) {
        total++;
        if (s.owner().equals(owner)) {
          mine++;
        }
      }
    }
    if (total >= config.maxShells()) {
      throw new ShellStartException("limit_exceeded",
          "too many shells are running (" + config.maxShells() + ")");
    }
    if (mine >= config.maxShellsPerPrincipal()) {
      throw new ShellStartException("limit_exceeded",
          "too many shells for this user (" + config.maxShellsPerPrincipal() + ")");
    }
  }

  /**
   * Detaches {@code connection}. When that was the shell's last connection the shell ends: at
   * once if {@code intentional} (a normal close, an unsubscribe) or no reattach grace is
   * configured, else when nobody attached within the grace.
   */
  void detach(ShellSession s, Connection connection, boolean intentional) {
    lock.lock();
    try {
      if (!s.detach(connection) || s.isEnded()) {
        return;
      }
      Duration grace = config.reattachGrace();
      if (intentional || grace.isZero() || closed) {
        endOrphan(s, "last connection gone");
      } else {
        long token = s.orphaned();
        log.debug("shell {}: last connection lost, kept {} for a reattach", s.id(), grace);
        try {
          timer.schedule(() -> reattachExpired(s, token), grace.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RuntimeException e) {
          endOrphan(s, "timer stopped");
        }
      }
    } finally {
      lock.unlock();
    }
  }

  private void reattachExpired(ShellSession s, long token) {
    lock.lock();
    try {
      if (s.stillOrphaned(token) && !s.isEnded()) {
        endOrphan(s, "nobody reattached");
      }
    } finally {
      lock.unlock();
    }
  }

  /** Called under {@link #lock}. */
  private void endOrphan(ShellSession s, String why) {
    if (shells.remove(s.id(), s)) {
      log.debug("shell {}: {}, ending it", s.id(), why);
      terminateAsync(s);
    }
  }

  private void terminateAsync(ShellSession s) {
    runTeardown(s::terminate);
  }

  private void runTeardown(Runnable r) {
    CompletableFuture<Void> f;
    try {
      f = CompletableFuture.runAsync(r, teardown);
    } catch (RuntimeException e) {
      r.run();
      return;
    }
    teardowns.add(f);
    f.whenComplete((v, e) -> teardowns.remove(f));
  }

  /** The program ended and all its output was sent: {@code exit}, then clean up. */
  private void ended(ShellSession s, int exitCode) {
    if (!s.markEnded()) {
      return;
    }
    List<Connection> attached;
    lock.lock();
    try {
      shells.remove(s.id(), s);
      attached = new ArrayList<>(s.attached());
    } finally {
      lock.unlock();
    }
    onEnded.accept(s, attached);
    s.broadcast(new ShellEvent.Exit(exitCode));
    pausesOfEnded.addAndGet(s.pauses());
    log.debug("shell {} ended with {}", s.id(), exitCode);
    runTeardown(s::cleanUpAfterExit);
  }

  private void scheduleIdleCheck(ShellSession s, Duration timeout) {
    long due = s.lastActivityNanos() + timeout.toNanos() - System.nanoTime();
    try {
      timer.schedule(() -> idleCheck(s, timeout), Math.max(due, 0), TimeUnit.NANOSECONDS);
    } catch (RuntimeException e) {
      // timer shut down: the endpoint is closing
    }
  }

  private void idleCheck(ShellSession s, Duration timeout) {
    if (s.isEnded() || closed) {
      return;
    }
    if (System.nanoTime() - s.lastActivityNanos() >= timeout.toNanos()) {
      log.debug("shell {}: idle for {}, ending it", s.id(), timeout);
      s.broadcast(new ShellEvent.ShellError("idle_timeout",
          "the shell was idle for " + timeout.toMillis() + " ms and was ended"));
      terminateAsync(s);
    } else {
      scheduleIdleCheck(s, timeout);
    }
  }

  // ------------------------------------------------------------------ observation

  int shellCount() {
    return (int) shells.values().stream().filter(s -> !s.isEnded()).count();
  }

  @Nullable Long pid(String shellId) {
    ShellSession s = shells.get(shellId);
    return s == null ? null : s.pid();
  }

  long peakBufferedBytes() {
    return peakBuffered.get();
  }

  long flowControlPauses() {
    long n = pausesOfEnded.get();
    for (ShellSession s : shells.values()) {
      n += s.pauses();
    }
    return n;
  }

  long outputChunks() {
    return outputChunks.sum();
  }

  long shellsStarted() {
    return started.sum();
  }

  // ------------------------------------------------------------------ close

  /**
   * Ends every shell and its process tree and stops the timer and teardown threads, waiting up
   * to the terminate grace plus a few seconds. Idempotent.
   */
  @Override
  public void close() {
    List<ShellSession> all;
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      all = new ArrayList<>(shells.values());
    } finally {
      lock.unlock();
    }
    for (ShellSession s : all) {
      terminateAsync(s);
    }
    long deadline = System.nanoTime() + config.terminateGrace().toNanos()
        + TimeUnit.SECONDS.toNanos(5);
    for (ShellSession s : all) {
      awaitQuietly(s.end(), deadline);
    }
    for (CompletableFuture<?> f : List.copyOf(teardowns)) {
      awaitQuietly(f, deadline);
    }
    timer.shutdownNow();
    teardown.shutdown();
    try {
      teardown.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void awaitQuietly(CompletableFuture<?> f, long deadlineNanos) {
    try {
      f.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      // timed out or failed: nothing more to wait for
    }
  }
}
