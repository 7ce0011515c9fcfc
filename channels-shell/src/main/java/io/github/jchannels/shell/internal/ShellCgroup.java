package io.github.jchannels.shell.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The cgroup v2 of one shell. The program joins it before it runs (see {@link #joinArgv}), so
 * every process it ever starts is in it, daemons ({@code setsid}, double forks, {@code tmux})
 * included: no process can leave a cgroup without write access to another one.
 * {@link #killAll()} kills them all at once with {@code cgroup.kill} (Linux 5.14+), else one by
 * one until the cgroup is empty.
 */
public final class ShellCgroup {
  /** The join step run by {@code /bin/sh} before {@code exec} of the real program. */
  private static final String JOIN =
      "echo $$ > \"$1\" || { echo 'channels-shell: cannot join the shell cgroup' >&2; exit 125; };"
      + " shift; exec \"$@\"";

  private final Path dir;

  ShellCgroup(Path dir) {
    this.dir = dir;
  }

  /** The cgroup's directory. */
  public Path dir() {
    return dir;
  }

  /** {@code argv} preceded by the step that moves the process into this cgroup. */
  public List<String> joinArgv(List<String> argv) {
    List<String> all = new ArrayList<>(List.of("/bin/sh", "-c", JOIN, "channels-shell",
        dir.resolve("cgroup.procs").toString()));
    all.addAll(argv);
    return all;
  }

  /** The pids in the cgroup now. */
  public List<Long> pids() {
    List<Long> pids = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(dir.resolve("cgroup.procs"), StandardCharsets.UTF_8)) {
        if (!line.isBlank()) {
          pids.add(Long.parseLong(line.trim()));
        }
      }
    } catch (IOException | RuntimeException e) {
      // removed or unreadable: nothing to report
    }
    return pids;
  }

  /** SIGKILLs every process in the cgroup; returns how many there were. */
  public int killAll() {
    int n = pids().size();
    if (n == 0) {
      return 0;
    }
    Path kill = dir.resolve("cgroup.kill");
    if (Files.exists(kill)) {
      try {
        Files.writeString(kill, "1", StandardCharsets.US_ASCII);
        return n;
      } catch (IOException e) {
        // fall through to one by one
      }
    }
    // before Linux 5.14: kill what is listed until nothing is (a forking loop needs rounds)
    for (int round = 0; round < 50; round++) {
      List<Long> pids = pids();
      if (pids.isEmpty()) {
        break;
      }
      for (long pid : pids) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
    }
    return n;
  }

  /** Whether no process is in the cgroup any more. */
  public boolean isEmpty() {
    try {
      for (String line : Files.readAllLines(dir.resolve("cgroup.events"),
          StandardCharsets.US_ASCII)) {
        if (line.startsWith("populated ")) {
          return line.endsWith(" 0");
        }
      }
    } catch (NoSuchFileException e) {
      return true;
    } catch (IOException | RuntimeException e) {
      // fall back to the process list
    }
    return pids().isEmpty();
  }

  /** Waits up to {@code timeoutMs} for the cgroup to empty, then removes it (if empty). */
  public boolean remove(long timeoutMs) {
    return removeWhenEmpty(dir, timeoutMs);
  }

  static boolean removeWhenEmpty(Path dir, long timeoutMs) {
    ShellCgroup g = new ShellCgroup(dir);
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    long park = TimeUnit.MICROSECONDS.toNanos(200);
    while (!g.isEmpty() && System.nanoTime() < deadline) {
      LockSupport.parkNanos(park);
      park = Math.min(park * 2, TimeUnit.MILLISECONDS.toNanos(20));
    }
    try {
      Files.deleteIfExists(dir);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
