package io.github.jchannels.shell.internal;

import com.pty4j.PtyProcess;
import com.pty4j.PtyProcessBuilder;
import com.pty4j.WinSize;
import com.pty4j.unix.UnixPtyProcess;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One program running in a pseudo terminal (pty4j), with the library's traps worked around:
 * reads only with {@code read(byte[], 0, len)} (the single-byte read is signed), writes only
 * with offset 0 (an offset throws), and {@link #terminate} kills the whole process tree
 * (interactive bash ignores SIGTERM and background jobs survive SIGKILL of the shell).
 *
 * <p>Thread-safe: one thread reads, any thread may write (writes are serialised), resize and
 * terminate.
 */
public final class PtyShell {
  private static final Logger log = LoggerFactory.getLogger(PtyShell.class);

  private final PtyProcess process;
  private final long pid;
  private final InputStream in;
  private final OutputStream out;
  private final Object writeLock = new Object();
  /** Completed with the exit code once the process has ended. */
  private final CompletableFuture<Integer> exit = new CompletableFuture<>();
  private final AtomicBoolean terminating = new AtomicBoolean();
  /** Completed when {@link #terminate} has finished. */
  private final CompletableFuture<Void> terminated = new CompletableFuture<>();

  private PtyShell(PtyProcess process) {
    this.process = process;
    this.pid = process.pid();
    this.in = process.getInputStream();
    this.out = process.getOutputStream();
    Thread waiter = new Thread(this::awaitExit, "shell-" + pid + "-waiter");
    waiter.setDaemon(true);
    waiter.start();
  }

  /**
   * Starts {@code spec} in a new PTY of {@code cols}×{@code rows}. The command is looked up on
   * the {@code PATH} of the spec's environment first, so a missing program is reported as
   * {@code command_not_found} instead of pty4j's "Exec_tty error: Unknown reason".
   */
  public static PtyShell start(LaunchSpec spec, int cols, int rows) throws ShellStartException {
    Path program = resolve(spec.command().get(0), spec.environment())
        .orElseThrow(() -> new ShellStartException("command_not_found",
            "command not found: " + spec.command().get(0)));
    if (!Files.isDirectory(spec.directory())) {
      throw new ShellStartException("start_failed",
          "working directory does not exist: " + spec.directory());
    }
    prepareNativeDirectory();
    List<String> argv = new ArrayList<>(spec.command());
    argv.set(0, program.toString());
    try {
      PtyProcess p = new PtyProcessBuilder(argv.toArray(String[]::new))
          .setEnvironment(new LinkedHashMap<>(spec.environment()))
          .setDirectory(spec.directory().toString())
          .setInitialColumns(cols)
          .setInitialRows(rows)
          .setRedirectErrorStream(true)
          .start();
      return new PtyShell(p);
    } catch (IOException | RuntimeException | UnsatisfiedLinkError e) {
      log.warn("could not start {} in a PTY", argv, e);
      throw new ShellStartException("start_failed", "could not start the shell", e);
    }
  }

  /** The PTY child's process id. */
  public long pid() {
    return pid;
  }

  /**
   * Reads up to {@code buf.length} bytes into {@code buf} from offset 0. Blocks; returns -1 once
   * the program has ended and its output is drained, or the PTY is closed.
   */
  public int read(byte[] buf) {
    try {
      return in.read(buf, 0, buf.length);
    } catch (IOException e) {
      return -1;
    }
  }

  /** Writes all of {@code bytes} to the program's input; may block while the PTY is full. */
  public void write(byte[] bytes) throws IOException {
    synchronized (writeLock) {
      out.write(bytes, 0, bytes.length);
    }
  }

  /** Sets the window size (the program gets SIGWINCH). Ignored once the shell has ended. */
  public void resize(int cols, int rows) {
    if (exit.isDone() || terminating.get()) {
      return;
    }
    try {
      process.setWinSize(new WinSize(cols, rows));
    } catch (RuntimeException e) {
      log.debug("resize of shell {} failed", pid, e);
    }
  }

  /** The window size as the PTY reports it. */
  public int[] size() throws IOException {
    WinSize s = process.getWinSize();
    return new int[] {s.getColumns(), s.getRows()};
  }

  /** Completes with the exit code (128+n for death by signal n) when the program ends. */
  public CompletableFuture<Integer> exit() {
    return exit;
  }

  /** Whether the program is still running. */
  public boolean isAlive() {
    return !exit.isDone();
  }

  /**
   * Kills the program and every process it started, background jobs included, then closes the
   * PTY. In order: snapshot the descendants and session members; SIGHUP (bash passes it on to
   * its jobs, as when a terminal window closes); wait up to {@code grace}; SIGKILL the shell;
   * SIGKILL every survivor of the snapshot and of a fresh session scan. Blocks until done;
   * idempotent (a second caller waits for the first).
   */
  public void terminate(Duration grace) {
    if (!terminating.compareAndSet(false, true)) {
      terminated.join();
      return;
    }
    try {
      Map<Long, ProcessHandle> members = new LinkedHashMap<>(ProcessTree.members(pid));
      if (!exit.isDone()) {
        hangup();
        if (!awaitExit(grace)) {
          process.destroyForcibly();
          awaitExit(Duration.ofSeconds(2));
        }
      }
      // jobs re-parented to init are no longer descendants: look for the session again
      ProcessTree.members(pid).forEach(members::putIfAbsent);
      int killed = ProcessTree.killAll(members.values(), 2_000);
      if (killed > 0) {
        log.debug("shell {}: killed {} leftover processes", pid, killed);
      }
    } catch (RuntimeException e) {
      log.warn("shell {}: teardown failed", pid, e);
    } finally {
      closeQuietly();
      terminated.complete(null);
    }
  }

  /** SIGHUP to the shell's process group, as when a terminal window closes. */
  private void hangup() {
    if (process instanceof UnixPtyProcess unix) {
      unix.hangup();
    } else {
      process.destroy();
    }
  }

  private boolean awaitExit(Duration timeout) {
    try {
      exit.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return exit.isDone();
    } catch (ExecutionException e) {
      return true;
    }
  }

  private void closeQuietly() {
    try {
      out.close();
    } catch (IOException | RuntimeException e) {
      // already closed
    }
    try {
      in.close();
    } catch (IOException | RuntimeException e) {
      // already closed
    }
  }

  private void awaitExit() {
    try {
      exit.complete(process.waitFor());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      exit.complete(-1);
    } catch (RuntimeException e) {
      exit.completeExceptionally(e);
    }
  }

  /** Finds {@code program} as given (if it has a slash) or on {@code PATH}. */
  static Optional<Path> resolve(String program, Map<String, String> env) {
    if (program.indexOf('/') >= 0) {
      Path p = Path.of(program);
      return Files.isRegularFile(p) && Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
    }
    String path = env.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path p = Path.of(dir, program);
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /**
   * pty4j reuses {@code -Dpty4j.tmpdir} for its natives only if that folder exists; otherwise
   * it extracts them to a fresh temp folder per JVM. Create it when it is configured.
   */
  private static void prepareNativeDirectory() {
    String dir = System.getProperty("pty4j.tmpdir");
    if (dir != null && !dir.isBlank()) {
      try {
        Files.createDirectories(Path.of(dir));
      } catch (IOException | RuntimeException e) {
        log.debug("could not create pty4j.tmpdir {}", dir, e);
      }
    }
  }
}
