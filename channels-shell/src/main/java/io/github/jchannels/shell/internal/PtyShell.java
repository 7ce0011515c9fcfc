package io.github.jchannels.shell.internal;

import com.pty4j.PtyProcess;
import com.pty4j.PtyProcessBuilder;
import com.pty4j.WinSize;
import com.pty4j.unix.CLibrary;
import com.pty4j.unix.UnixPtyProcess;
import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import io.github.jchannels.core.time.Cancellable;
import io.github.jchannels.core.time.Scheduler;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One program running in a pseudo terminal (pty4j), with the library's traps worked around:
 * reads only with {@code read(byte[], 0, len)} (the single-byte read is signed); input is
 * written with non-blocking {@code write(2)} calls on the master (so no thread ever blocks on a
 * program that does not read its input); {@link #terminate} kills the whole process tree,
 * cgroup and tagged processes included.
 *
 * <p>Threads: none of its own but a virtual thread waiting for the exit (pty4j adds its reaper
 * thread); the caller reads on a thread of its own.
 *
 * <p>Thread-safe: one thread reads, any thread may write (writes are serialised by the caller),
 * resize and terminate.
 */
public final class PtyShell {
  private static final Logger log = LoggerFactory.getLogger(PtyShell.class);
  private static final List<Path> SETPRIV = List.of(Path.of("/usr/bin/setpriv"),
      Path.of("/bin/setpriv"));

  private final PtyProcess process;
  private final long pid;
  private final InputStream in;
  private final OutputStream out;
  private final ShellJail jail;
  /** The master's descriptor, non-blocking; -1 where writes go through the blocking stream. */
  private final int masterFd;
  /** Completed with the exit code once the process has ended. */
  private final CompletableFuture<Integer> exit = new CompletableFuture<>();
  /** Completed when a read returned end of stream. */
  private final CompletableFuture<Void> eof = new CompletableFuture<>();
  private final AtomicBoolean terminating = new AtomicBoolean();
  /** Held by every write and by the close: no write ever reaches a closed (reused) fd. */
  private final Object writeLock = new Object();
  /** Guarded by writeLock. */
  private boolean writesClosed;
  /** Completed when {@link #terminate} has finished. */
  private final CompletableFuture<Void> terminated = new CompletableFuture<>();

  private PtyShell(PtyProcess process, ShellJail jail) {
    this.process = process;
    this.pid = process.pid();
    this.in = process.getInputStream();
    this.out = process.getOutputStream();
    this.jail = jail;
    this.masterFd = nonBlockingMaster(process);
    Thread.ofVirtual().name("shell-" + pid + "-waiter").start(this::awaitExit);
  }

  /**
   * Starts {@code spec} in a new PTY of {@code cols}×{@code rows}, tagged and (where
   * {@code jail} has a cgroup) inside its cgroup before the program runs. The command is looked
   * up on the {@code PATH} of the spec's environment first, so a missing program is reported as
   * {@code command_not_found} instead of pty4j's "Exec_tty error: Unknown reason".
   */
  public static PtyShell start(LaunchSpec spec, int cols, int rows, ShellJail jail)
      throws ShellStartException {
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
    Map<String, String> env = new LinkedHashMap<>(spec.environment());
    String runAs = spec.runAs();
    if (runAs != null) {
      argv = switchUser(runAs, argv, env);
    }
    jail.tag(env);
    if (jail.cgroup().isPresent()) {
      argv = jail.cgroup().get().joinArgv(argv);
    }
    try {
      PtyProcess p = new PtyProcessBuilder(argv.toArray(String[]::new))
          .setEnvironment(env)
          .setDirectory(spec.directory().toString())
          .setInitialColumns(cols)
          .setInitialRows(rows)
          .setRedirectErrorStream(true)
          .start();
      return new PtyShell(p, jail);
    } catch (IOException | RuntimeException | UnsatisfiedLinkError e) {
      log.warn("could not start {} in a PTY", argv, e);
      throw new ShellStartException("start_failed", "could not start the shell", e);
    }
  }

  /**
   * {@code argv} run as {@code user} through {@code setpriv}; sets {@code HOME}, {@code USER}
   * and {@code SHELL} of {@code env} to the account's.
   */
  static List<String> switchUser(String user, List<String> argv, Map<String, String> env)
      throws ShellStartException {
    String[] account = Accounts.lookup(user).orElseThrow(() -> new ShellStartException(
        "start_failed", "no such OS user: " + user));
    env.put("HOME", account[5]);
    env.put("USER", user);
    env.put("SHELL", account[6].isBlank() ? "/bin/sh" : account[6]);
    if (Accounts.currentUser().equals(user)) {
      return argv;
    }
    if (!Accounts.isRoot()) {
      throw new ShellStartException("start_failed",
          "cannot run a shell as '" + user + "': the server does not run as root");
    }
    Path setpriv = SETPRIV.stream().filter(Files::isExecutable).findFirst()
        .orElseThrow(() -> new ShellStartException("start_failed",
            "cannot run a shell as '" + user + "': setpriv (util-linux) is not installed"));
    List<String> all = new ArrayList<>(List.of(setpriv.toString(), "--reuid=" + account[2],
        "--regid=" + account[3], "--init-groups", "--"));
    all.addAll(argv);
    return all;
  }

  /** The PTY child's process id. */
  public long pid() {
    return pid;
  }

  /** The shell's containment. */
  public ShellJail jail() {
    return jail;
  }

  /**
   * Reads up to {@code buf.length} bytes into {@code buf} from offset 0. Blocks; returns -1 once
   * the program has ended and its output is drained, or the PTY is closed.
   */
  public int read(byte[] buf) {
    int n;
    try {
      n = in.read(buf, 0, buf.length);
    } catch (IOException e) {
      n = -1;
    }
    if (n < 0) {
      eof.complete(null);
    }
    return n;
  }

  /**
   * Writes what the PTY takes now of {@code bytes[off, off+len)} without blocking: returns the
   * number of bytes written (0 when the PTY's input buffer is full), or -1 once the PTY is
   * closed.
   */
  public int writeSome(byte[] bytes, int off, int len) {
    if (len == 0) {
      return 0;
    }
    if (masterFd < 0) {
      try {
        synchronized (writeLock) {
          if (writesClosed) {
            return -1;
          }
          out.write(off == 0 ? bytes : Arrays.copyOfRange(bytes, off, off + len), 0, len);
        }
        return len;
      } catch (IOException | RuntimeException e) {
        return -1;
      }
    }
    byte[] b = off == 0 ? bytes : Arrays.copyOfRange(bytes, off, off + len);
    synchronized (writeLock) {
      while (true) {
        if (writesClosed) {
          return -1;
        }
        int n = CLibrary.write(masterFd, b, len);
        if (n >= 0) {
          return n;
        }
        int errno = CLibrary.errno();
        if (errno == CLibrary.EINTR) {
          continue;
        }
        return errno == CLibrary.EAGAIN ? 0 : -1;
      }
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

  /** Completes when {@link #terminate} or {@link #killNow} has finished. */
  public CompletableFuture<Void> terminated() {
    return terminated;
  }

  /**
   * Kills the program and every process it started, then closes the PTY: snapshot the
   * descendants and session members; SIGHUP (bash passes it on to its jobs, as when a terminal
   * window closes); wait up to {@code grace} on {@code scheduler}; SIGKILL the shell, its
   * cgroup, its tagged processes and every survivor of the snapshot and of a fresh session
   * scan. Blocking steps run on {@code blocking}. Idempotent; returns {@link #terminated()}.
   */
  public CompletableFuture<Void> terminate(Duration grace, Scheduler scheduler,
      Executor blocking) {
    if (!terminating.compareAndSet(false, true)) {
      return terminated;
    }
    run(blocking, () -> {
      Map<Long, ProcessHandle> members = new LinkedHashMap<>(ProcessTree.members(pid));
      if (exit.isDone()) {
        finish(members);
        return;
      }
      hangup();
      AtomicBoolean once = new AtomicBoolean();
      Runnable kill = () -> {
        if (once.compareAndSet(false, true)) {
          run(blocking, () -> finish(members));
        }
      };
      Cancellable timer = grace.isZero() ? Cancellable.NONE : scheduler.schedule(grace, kill);
      if (grace.isZero()) {
        kill.run();
      }
      Futures.whenDone(exit, (code, e) -> {
        timer.cancel();
        kill.run();
      });
    });
    return terminated;
  }

  /** Kills everything at once, without a grace (shutdown, or a teardown that took too long). */
  public void killNow() {
    terminating.set(true);
    if (!terminated.isDone()) {
      finish(new LinkedHashMap<>(ProcessTree.members(pid)));
    }
  }

  private static void run(Executor executor, Runnable r) {
    try {
      executor.execute(r);
    } catch (RejectedExecutionException e) {
      r.run();
    }
  }

  private synchronized void finish(Map<Long, ProcessHandle> members) {
    if (terminated.isDone()) {
      return;
    }
    try {
      if (!exit.isDone()) {
        process.destroyForcibly();
      }
      int killed = jail.killAll();
      // jobs re-parented to init are no longer descendants: look for the session again
      ProcessTree.members(pid).forEach(members::putIfAbsent);
      killed += ProcessTree.killAll(members.values(), 2_000);
      awaitQuietly(exit, Duration.ofSeconds(2));
      if (killed > 0) {
        log.debug("shell {}: killed {} leftover processes", pid, killed);
      }
      // what the program wrote before it died is still read: wait for the end of stream
      awaitQuietly(eof, Duration.ofSeconds(2));
    } catch (RuntimeException e) {
      log.warn("shell {}: teardown failed", pid, e);
    } finally {
      closeQuietly();
      jail.release();
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

  private static void awaitQuietly(CompletableFuture<?> f, Duration timeout) {
    try {
      f.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException | ExecutionException e) {
      // gone on without it
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void closeQuietly() {
    synchronized (writeLock) {
      writesClosed = true;
    }
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
    eof.complete(null);
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

  /** Sets O_NONBLOCK on the PTY master; -1 if that is not possible here. */
  private static int nonBlockingMaster(PtyProcess process) {
    if (!(process instanceof UnixPtyProcess unix)) {
      return -1;
    }
    try {
      int fd = unix.getPty().getMasterFD();
      Function fcntl = NativeLibrary.getInstance(Platform.C_LIBRARY_NAME).getFunction("fcntl");
      int getfl = 3;
      int setfl = 4;
      int nonBlock = Platform.isMac() || Platform.isFreeBSD() || Platform.isOpenBSD() ? 4 : 04000;
      int flags = fcntl.invokeInt(new Object[] {fd, getfl});
      if (flags < 0 || fcntl.invokeInt(new Object[] {fd, setfl, flags | nonBlock}) < 0) {
        return -1;
      }
      return fd;
    } catch (RuntimeException | UnsatisfiedLinkError e) {
      log.debug("non-blocking PTY writes not available", e);
      return -1;
    }
  }

  /** Finds {@code program} as given (if it has a slash) or on {@code PATH}. */
  static Optional<Path> resolve(String program, Map<String, String> env) {
    if (program.indexOf('/') >= 0) {
      Path p = Path.of(program);
      return Files.isRegularFile(p) && Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
    }
    String path = env.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
    for (String dir : path.split(File.pathSeparator, -1)) {
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

  /** Accounts of {@code /etc/passwd}. */
  static final class Accounts {
    private Accounts() {}

    /** The passwd fields of {@code user}: name, x, uid, gid, gecos, home, shell. */
    static Optional<String[]> lookup(String user) {
      try {
        for (String line : Files.readAllLines(Path.of("/etc/passwd"))) {
          String[] f = line.split(":", -1);
          if (f.length >= 7 && f[0].equals(user)) {
            return Optional.of(f);
          }
        }
      } catch (IOException | RuntimeException e) {
        log.debug("cannot read /etc/passwd", e);
      }
      return Optional.empty();
    }

    static String currentUser() {
      return System.getProperty("user.name", "");
    }

    /** Whether this process's effective uid is 0 (from /proc/self/status). */
    static boolean isRoot() {
      try {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
          if (line.startsWith("Uid:")) {
            String[] f = line.substring(4).trim().split("\\s+", -1);
            return f.length > 1 && f[1].equals("0");
          }
        }
      } catch (IOException | RuntimeException e) {
        // not Linux
      }
      return false;
    }
  }
}
