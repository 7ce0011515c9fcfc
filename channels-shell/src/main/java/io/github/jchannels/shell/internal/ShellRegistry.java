package io.github.jchannels.shell.internal;

import io.github.jchannels.core.Codec;
import io.github.jchannels.core.ShellEvent;
import io.github.jchannels.core.time.Scheduler;
import io.github.jchannels.core.time.SystemScheduler;
import io.github.jchannels.core.transport.Connection;
import io.github.jchannels.shell.ShellConfig;
import io.github.jchannels.shell.ShellLaunch;
import io.github.jchannels.shell.ShellLauncher;
import io.github.jchannels.shell.ShellSharing;
import java.io.IOException;
import java.security.Principal;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shells of one endpoint, by id: starts them (within the limits, outside the lock), attaches
 * and detaches connections (owner only, unless the sharing policy grants more), ends a shell
 * when its last connection goes away or when it is idle, and tears down process trees off the
 * callers' threads. A shell counts toward the limits from the moment its start is decided until
 * its teardown has finished. Owns the endpoint's scheduler (unless given one), teardown threads,
 * cgroup directory and JVM shutdown hook; {@link #close()} ends everything.
 */
final class ShellRegistry implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ShellRegistry.class);
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Duration START_WAIT = Duration.ofSeconds(30);

  /** A shell from the decision to start it until its teardown finished. */
  static final class Slot {
    final String id;
    final @Nullable String owner;
    final CompletableFuture<ShellSession> ready = new CompletableFuture<>();

    Slot(String id, @Nullable String owner) {
      this.id = id;
      this.owner = owner;
    }
  }

  private final ShellConfig config;
  private final ShellLauncher launcher;
  private final ShellSharing sharing;
  private final ShellLaunch defaults;
  private final OutputPump.Settings pumpSettings;
  private final Codec codec;
  /** Told, after a shell ended, which connections were attached to it (before {@code exit}). */
  private final BiConsumer<ShellSession, List<Connection>> onEnded;
  /** Attachable shells (starting or running) by id. Guarded by {@link #lock}. */
  private final Map<String, Slot> byId = new HashMap<>();
  /** Every shell until its teardown finished: what the limits count. Guarded by lock. */
  private final Set<Slot> live = new LinkedHashSet<>();
  private final Map<Slot, ShellSession> sessions = new ConcurrentHashMap<>();
  private final ReentrantLock lock = new ReentrantLock();
  private final Scheduler scheduler;
  private final @Nullable SystemScheduler ownedScheduler;
  private final ExecutorService teardown;
  private final @Nullable CgroupRoot cgroups;
  private final Thread shutdownHook;
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

  ShellRegistry(ShellConfig config, ShellLauncher launcher, ShellSharing sharing, Codec codec,
      BiConsumer<ShellSession, List<Connection>> onEnded) {
    this.config = config;
    this.launcher = launcher;
    this.sharing = sharing;
    this.codec = codec;
    this.onEnded = onEnded;
    this.defaults = config.defaultLaunch();
    this.pumpSettings = new OutputPump.Settings(config.coalesceDelay(), config.maxChunkChars(),
        config.highWaterBytes(), config.lowWaterBytes());
    this.cgroups = switch (config.containment()) {
      case ENVIRONMENT_TAG -> null;
      case AUTO -> CgroupRoot.open(config.cgroupParent().orElse(null)).orElse(null);
      case CGROUP -> CgroupRoot.open(config.cgroupParent().orElse(null))
          .orElseThrow(() -> new IllegalStateException("containment CGROUP: this process may"
              + " not create cgroups v2 under " + config.cgroupParent()
                  .map(Object::toString).orElse("its own cgroup")
              + " (see docs/shell.md, Teardown)"));
    };
    int orphans = ProcessTree.killOrphanedTags();
    if (orphans > 0) {
      log.info("killed {} shell processes left by servers that are gone", orphans);
    }
    Scheduler given = config.scheduler().orElse(null);
    if (given != null) {
      this.ownedScheduler = null;
      this.scheduler = given;
    } else {
      SystemScheduler own = Scheduler.system("shell-timer");
      this.ownedScheduler = own;
      this.scheduler = own;
    }
    this.teardown = Executors.newThreadPerTaskExecutor(
        Thread.ofVirtual().name("shell-teardown-", 0).factory());
    this.shutdownHook = new Thread(this::killAllNow, "shell-shutdown");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    log.debug("shell endpoint: containment {}", cgroups == null
        ? "environment tag" : "cgroup " + cgroups.dir());
  }

  boolean isClosed() {
    return closed;
  }

  /** The endpoint's cgroup directory, if shells get cgroups. */
  Optional<CgroupRoot> cgroups() {
    return Optional.ofNullable(cgroups);
  }

  /**
   * Attaches {@code connection} to the running shell {@code id}, or starts it for
   * {@code principal} first; the connection gets {@code init} (with {@code ref}) before any
   * output. Throws {@link ShellStartException} with the wire code when refused or failed.
   */
  ShellSession attachOrStart(String id, @Nullable Principal principal, Connection connection,
      int cols, int rows, @Nullable String ref) throws ShellStartException {
    String name = principal == null ? null : principal.getName();
    for (int attempt = 0; ; attempt++) {
      Slot slot;
      boolean mine = false;
      lock.lock();
      try {
        if (closed) {
          throw new ShellStartException("unavailable", "the shell endpoint is closing");
        }
        slot = byId.get(id);
        if (slot == null) {
          checkLimits(name);
          slot = new Slot(id, name);
          byId.put(id, slot);
          live.add(slot);
          mine = true;
        }
      } finally {
        lock.unlock();
      }
      if (mine) {
        return start(slot, principal, connection, cols, rows, ref);
      }
      if (!mayAttach(principal, slot)) {
        throw new ShellStartException("unauthorized", "not allowed to use shell '" + id + "'");
      }
      ShellSession s = awaitStarted(slot);
      lock.lock();
      try {
        if (s != null && byId.get(id) == slot && !s.isEnded()) {
          s.attach(connection, cols, rows, ref);
          return s;
        }
      } finally {
        lock.unlock();
      }
      if (attempt > 10) {
        throw new ShellStartException("start_failed", "shell '" + id + "' keeps ending");
      }
    }
  }

  private static @Nullable ShellSession awaitStarted(Slot slot) {
    try {
      return slot.ready.get(START_WAIT.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    } catch (ExecutionException | TimeoutException e) {
      return null;
    }
  }

  private boolean mayAttach(@Nullable Principal principal, Slot slot) {
    if (principal != null && slot.owner != null && slot.owner.equals(principal.getName())) {
      return true;
    }
    try {
      return sharing.mayAttach(principal, slot.owner, slot.id);
    } catch (Exception e) {
      log.warn("shell sharing policy failed for shell '{}'", slot.id, e);
      return false;
    }
  }

  /** Starts the shell of {@code slot}, reserved under the lock; the start runs outside it. */
  private ShellSession start(Slot slot, @Nullable Principal principal, Connection connection,
      int cols, int rows, @Nullable String ref) throws ShellStartException {
    ShellJail jail = null;
    ShellSession session;
    try {
      ShellLaunch launch;
      try {
        launch = Optional.ofNullable(launcher.launch(principal, slot.id, defaults))
            .orElseThrow(() -> new IllegalStateException("the launcher returned null"));
      } catch (Exception e) {
        log.warn("shell launcher failed for shell '{}'", slot.id, e);
        throw new ShellStartException("start_failed", "could not start the shell");
      }
      CgroupRoot root = cgroups;
      jail = new ShellJail(ProcessHandle.current().pid() + "-" + randomHex(),
          root == null ? null : newCgroup(root));
      PtyShell shell = PtyShell.start(new LaunchSpec(launch.command(), launch.directory(),
          launch.environment(), launch.runAs().orElse(null)), cols, rows, jail);
      session = new ShellSession(slot.id, slot.owner, shell, cols, rows, codec, scheduler,
          pumpSettings, config.maxPendingInputBytes(), config.terminateGrace(),
          config.replayChars(), stats);
    } catch (ShellStartException | RuntimeException e) {
      if (jail != null) {
        jail.release();
      }
      lock.lock();
      try {
        byId.remove(slot.id, slot);
        live.remove(slot);
      } finally {
        lock.unlock();
      }
      slot.ready.completeExceptionally(e);
      if (e instanceof ShellStartException se) {
        throw se;
      }
      log.warn("could not start shell '{}'", slot.id, e);
      throw new ShellStartException("start_failed", "could not start the shell", e);
    }
    ShellSession s = session;
    sessions.put(slot, s);
    Futures.whenDone(s.shell().terminated(), (v, e) -> gone(slot));
    lock.lock();
    try {
      started.increment();
      if (closed) {
        terminateLater(s);
        slot.ready.completeExceptionally(new IllegalStateException("closing"));
        throw new ShellStartException("unavailable", "the shell endpoint is closing");
      }
      s.attach(connection, cols, rows, ref);
    } finally {
      lock.unlock();
    }
    slot.ready.complete(s);
    log.debug("shell {} started (pid {}) for '{}'", slot.id, s.pid(), slot.owner);
    // what the program leaves behind when it exits is killed at once (it may hold the PTY)
    Futures.whenDone(s.shell().exit(), (code, e) -> cleanUpLater(s));
    Futures.whenDone(s.end(), (code, e) -> ended(slot, s, code == null ? -1 : code));
    config.idleTimeout().ifPresent(t -> scheduleIdleCheck(slot, s, t));
    return s;
  }

  private ShellCgroup newCgroup(CgroupRoot root) throws ShellStartException {
    try {
      return root.newShell();
    } catch (IOException e) {
      throw new ShellStartException("start_failed", "could not create the shell's cgroup", e);
    }
  }

  private static String randomHex() {
    byte[] b = new byte[12];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  /** Called under {@link #lock}. */
  private void checkLimits(@Nullable String owner) throws ShellStartException {
    int total = 0;
    int mine = 0;
    for (Slot s : live) {
      total++;
      if (Objects.equals(s.owner, owner)) {
        mine++;
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

  private void gone(Slot slot) {
    lock.lock();
    try {
      live.remove(slot);
      byId.remove(slot.id, slot);
    } finally {
      lock.unlock();
    }
    ShellSession s = sessions.remove(slot);
    if (s != null) {
      pausesOfEnded.addAndGet(s.pauses());
    }
  }

  private @Nullable Slot slotOf(ShellSession s) {
    for (Map.Entry<Slot, ShellSession> e : sessions.entrySet()) {
      if (e.getValue() == s) {
        return e.getKey();
      }
    }
    return null;
  }

  /**
   * Detaches {@code connection}. When that was the shell's last connection the shell ends: at
   * once if {@code intentional} (a normal close, an unsubscribe) or no reattach grace is
   * configured, else when nobody attached within the grace.
   */
  void detach(ShellSession s, Connection connection, boolean intentional) {
    Slot slot = slotOf(s);
    lock.lock();
    try {
      if (!s.detach(connection) || s.isEnded() || slot == null || byId.get(slot.id) != slot) {
        return; // others are attached, or it is ending already
      }
      Duration grace = config.reattachGrace();
      if (intentional || grace.isZero() || closed) {
        endOrphan(slot, s, "last connection gone");
      } else {
        long token = s.orphaned();
        log.debug("shell {}: last connection lost, kept {} for a reattach", s.id(), grace);
        scheduler.schedule(grace, () -> reattachExpired(slot, s, token));
      }
    } finally {
      lock.unlock();
    }
  }

  private void reattachExpired(Slot slot, ShellSession s, long token) {
    lock.lock();
    try {
      if (s.stillOrphaned(token) && !s.isEnded()) {
        endOrphan(slot, s, "nobody reattached");
      }
    } finally {
      lock.unlock();
    }
  }

  /** Called under {@link #lock}: no longer attachable; the teardown starts. */
  private void endOrphan(Slot slot, ShellSession s, String why) {
    if (byId.remove(slot.id, slot)) {
      log.debug("shell {}: {}, ending it", s.id(), why);
      terminateLater(s);
    }
  }

  /**
   * Starts the teardown of {@code s} (hang-up, grace, kill) on a teardown thread. Nobody waits
   * for it here: its end is seen through the shell's {@code terminated()} future ({@link #gone}).
   */
  private void terminateLater(ShellSession s) {
    runTeardown(() -> {
      CompletableFuture<Void> unused = s.terminate(teardown);
    });
  }

  /** Kills what the program left behind, on a teardown thread; seen through {@link #gone}. */
  private void cleanUpLater(ShellSession s) {
    runTeardown(() -> {
      CompletableFuture<Void> unused = s.cleanUpAfterExit(teardown);
    });
  }

  private void runTeardown(Runnable r) {
    try {
      teardown.execute(r);
    } catch (RuntimeException e) {
      r.run();
    }
  }

  /** The program ended and all its output was sent: {@code exit}, then clean up. */
  private void ended(Slot slot, ShellSession s, int exitCode) {
    if (!s.markEnded()) {
      return;
    }
    List<Connection> attached;
    lock.lock();
    try {
      byId.remove(slot.id, slot);
      attached = new ArrayList<>(s.attached());
    } finally {
      lock.unlock();
    }
    onEnded.accept(s, attached);
    s.broadcast(new ShellEvent.Exit(exitCode));
    log.debug("shell {} ended with {}", s.id(), exitCode);
    cleanUpLater(s);
  }

  private void scheduleIdleCheck(Slot slot, ShellSession s, Duration timeout) {
    long due = s.lastActivityNanos() + timeout.toNanos() - scheduler.nanoTime();
    scheduler.schedule(Duration.ofNanos(Math.max(due, 0)), () -> idleCheck(slot, s, timeout));
  }

  private void idleCheck(Slot slot, ShellSession s, Duration timeout) {
    if (s.isEnded() || closed) {
      return;
    }
    if (scheduler.nanoTime() - s.lastActivityNanos() >= timeout.toNanos()) {
      log.debug("shell {}: idle for {}, ending it", s.id(), timeout);
      s.broadcast(new ShellEvent.ShellError("idle_timeout",
          "the shell was idle for " + timeout.toMillis() + " ms and was ended"));
      lock.lock();
      try {
        byId.remove(slot.id, slot);
      } finally {
        lock.unlock();
      }
      terminateLater(s);
    } else {
      scheduleIdleCheck(slot, s, timeout);
    }
  }

  // ------------------------------------------------------------------ observation

  /** Shells counted by the limits: starting, running or being torn down. */
  int shellCount() {
    lock.lock();
    try {
      return live.size();
    } finally {
      lock.unlock();
    }
  }

  @Nullable Long pid(String shellId) {
    Slot slot;
    lock.lock();
    try {
      slot = byId.get(shellId);
    } finally {
      lock.unlock();
    }
    ShellSession s = slot == null ? null : sessions.get(slot);
    return s == null ? null : s.pid();
  }

  /** The session attachable as {@code shellId} now (tests and diagnostics). */
  @Nullable ShellSession session(String shellId) {
    lock.lock();
    try {
      Slot slot = byId.get(shellId);
      return slot == null ? null : sessions.get(slot);
    } finally {
      lock.unlock();
    }
  }

  long peakBufferedBytes() {
    return peakBuffered.get();
  }

  long flowControlPauses() {
    long n = pausesOfEnded.get();
    for (ShellSession s : sessions.values()) {
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

  /** The JVM is exiting without {@link #close()}: kill every shell's processes now. */
  private void killAllNow() {
    closed = true;
    for (ShellSession s : List.copyOf(sessions.values())) {
      try {
        s.killNow();
      } catch (RuntimeException e) {
        log.warn("shell {}: kill at shutdown failed", s.id(), e);
      }
    }
    if (cgroups != null) {
      cgroups.close();
    }
  }

  /**
   * Ends every shell and its process tree and stops the timer and teardown threads, waiting up
   * to the terminate grace plus a few seconds (then everything left is killed at once).
   * Idempotent.
   */
  @Override
  public void close() {
    lock.lock();
    try {
      if (closed && teardown.isShutdown()) {
        return;
      }
      closed = true;
    } finally {
      lock.unlock();
    }
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // the JVM is shutting down: the hook runs anyway
    }
    List<ShellSession> all = List.copyOf(sessions.values());
    List<CompletableFuture<Void>> done = new ArrayList<>();
    for (ShellSession s : all) {
      done.add(s.terminate(teardown));
    }
    long deadline = System.nanoTime() + config.terminateGrace().toNanos()
        + TimeUnit.SECONDS.toNanos(5);
    for (int i = 0; i < all.size(); i++) {
      if (!awaitQuietly(done.get(i), deadline)) {
        all.get(i).killNow();
      }
    }
    for (ShellSession s : all) {
      awaitQuietly(s.end(), deadline);
    }
    if (ownedScheduler != null) {
      ownedScheduler.close();
    }
    teardown.shutdown();
    try {
      teardown.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (cgroups != null) {
      cgroups.close();
    }
  }

  private static boolean awaitQuietly(CompletableFuture<?> f, long deadlineNanos) {
    try {
      f.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return f.isDone();
    } catch (ExecutionException e) {
      return true;
    } catch (TimeoutException e) {
      return false;
    }
  }
}
