package io.github.jchannels.shell.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One endpoint's cgroup v2 directory, {@code <parent>/channels-shell-<server pid>-<n>}, with one
 * child cgroup per shell. {@link #open} creates it only after proving that this process may
 * move a process into a child cgroup (a short {@code sh} is started and moves itself), and
 * first removes what endpoints of dead servers left under the same parent.
 */
public final class CgroupRoot implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CgroupRoot.class);
  private static final String PREFIX = "channels-shell-";
  private static final AtomicInteger ENDPOINTS = new AtomicInteger();

  private final Path dir;
  private final AtomicLong shells = new AtomicLong();

  private CgroupRoot(Path dir) {
    this.dir = dir;
  }

  /**
   * The endpoint's cgroup under {@code parent} (or under this process's own cgroup v2 when
   * null), or empty, with the reason logged at DEBUG, where cgroups v2 cannot be used here.
   */
  public static Optional<CgroupRoot> open(@Nullable Path parent) {
    try {
      Path base = parent != null ? parent : ownCgroup().orElse(null);
      if (base == null || !Files.isRegularFile(base.resolve("cgroup.procs"))) {
        log.debug("no cgroup v2 directory usable (parent {})", base);
        return Optional.empty();
      }
      reapStale(base);
      Path dir = base.resolve(PREFIX + ProcessHandle.current().pid() + "-"
          + ENDPOINTS.incrementAndGet());
      Files.createDirectory(dir);
      CgroupRoot root = new CgroupRoot(dir);
      if (!root.probe()) {
        root.close();
        return Optional.empty();
      }
      return Optional.of(root);
    } catch (IOException | RuntimeException e) {
      log.debug("cgroup v2 not usable: {}", e.toString());
      return Optional.empty();
    }
  }

  /** This process's cgroup v2 directory, from /proc/self/cgroup and /proc/self/mountinfo. */
  static Optional<Path> ownCgroup() throws IOException {
    Path self = Path.of("/proc/self/cgroup");
    Path mounts = Path.of("/proc/self/mountinfo");
    if (!Files.isReadable(self) || !Files.isReadable(mounts)) {
      return Optional.empty();
    }
    String rel = null;
    for (String line : Files.readAllLines(self, StandardCharsets.UTF_8)) {
      if (line.startsWith("0::")) {
        rel = line.substring(3);
      }
    }
    if (rel == null) {
      return Optional.empty();
    }
    for (String line : Files.readAllLines(mounts, StandardCharsets.UTF_8)) {
      // id parent major:minor root mountpoint options... - fstype source superoptions
      int dash = line.indexOf(" - ");
      if (dash < 0) {
        continue;
      }
      String[] tail = line.substring(dash + 3).split(" ", -1);
      String[] head = line.substring(0, dash).split(" ", -1);
      if (tail.length > 0 && tail[0].equals("cgroup2") && head.length > 4) {
        String root = head[3];
        String relative = rel.startsWith(root) ? rel.substring(root.length()) : rel;
        Path mount = Path.of(head[4].replace("\\040", " "));
        return Optional.of(relative.isEmpty() || relative.equals("/") ? mount
            : mount.resolve(relative.substring(relative.startsWith("/") ? 1 : 0)));
      }
    }
    return Optional.empty();
  }

  /** Whether a process started here can move itself into a child cgroup of {@link #dir}. */
  private boolean probe() {
    Path probe = dir.resolve("probe");
    try {
      Files.createDirectory(probe);
      Process p = new ProcessBuilder("/bin/sh", "-c", "echo $$ > \"$1\"", "channels-shell-probe",
          probe.resolve("cgroup.procs").toString())
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start();
      boolean ok = p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0;
      if (!ok) {
        p.destroyForcibly();
        log.debug("cannot move processes into {}: cgroups v2 not usable", probe);
      }
      return ok;
    } catch (IOException e) {
      log.debug("cgroup probe failed: {}", e.toString());
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } finally {
      ShellCgroup.removeWhenEmpty(probe, 2_000);
    }
  }

  /** Kills and removes the endpoint directories of servers that are no longer running. */
  private static void reapStale(Path base) {
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(base, PREFIX + "*")) {
      for (Path d : dirs) {
        String rest = d.getFileName().toString().substring(PREFIX.length());
        int dash = rest.indexOf('-');
        long pid;
        try {
          pid = Long.parseLong(dash < 0 ? rest : rest.substring(0, dash));
        } catch (NumberFormatException e) {
          continue;
        }
        if (pid == ProcessHandle.current().pid()
            || ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
          continue;
        }
        int killed = 0;
        try (DirectoryStream<Path> shells = Files.newDirectoryStream(d, Files::isDirectory)) {
          for (Path s : shells) {
            killed += new ShellCgroup(s).killAll();
            ShellCgroup.removeWhenEmpty(s, 2_000);
          }
        }
        Files.deleteIfExists(d);
        log.info("removed the shell cgroups of a server that is gone ({}), {} processes killed",
            d, killed);
      }
    } catch (IOException | RuntimeException e) {
      log.debug("could not look for stale shell cgroups under {}: {}", base, e.toString());
    }
  }

  /** The endpoint's directory. */
  public Path dir() {
    return dir;
  }

  /** Creates the cgroup of a new shell. */
  public ShellCgroup newShell() throws IOException {
    Path d = dir.resolve("s" + shells.incrementAndGet());
    Files.createDirectory(d);
    return new ShellCgroup(d);
  }

  /** Kills whatever is left in the endpoint's cgroups and removes them. */
  @Override
  public void close() {
    try (DirectoryStream<Path> shells = Files.newDirectoryStream(dir, Files::isDirectory)) {
      for (Path s : shells) {
        new ShellCgroup(s).killAll();
        ShellCgroup.removeWhenEmpty(s, 2_000);
      }
    } catch (IOException | RuntimeException e) {
      log.debug("closing {}: {}", dir, e.toString());
    }
    try {
      Files.deleteIfExists(dir);
    } catch (IOException e) {
      log.debug("could not remove {}: {}", dir, e.toString());
    }
  }

  /** For tests: the names of the shell cgroups now. */
  List<String> shellNames() throws IOException {
    try (var s = Files.list(dir)) {
      return s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).toList();
    }
  }
}
