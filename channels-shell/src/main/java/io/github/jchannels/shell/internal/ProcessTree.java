package io.github.jchannels.shell.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Finds and kills what a shell left behind. A PTY child runs {@code setsid()}, so every process
 * it starts shares its session id unless it calls {@code setsid()} itself; background jobs get
 * process groups of their own and are re-parented to init when the shell dies, so
 * {@link ProcessHandle#descendants()} alone misses them once the shell is gone. On Linux the
 * session is read from {@code /proc}; elsewhere only the descendants snapshot is used.
 */
public final class ProcessTree {
  private static final Path PROC = Path.of("/proc");

  private ProcessTree() {}

  /**
   * The processes of the shell {@code pid}: its descendants and (on Linux) every process of
   * its session, the shell itself excluded. Keyed by pid; the handle guards against pid reuse.
   */
  public static Map<Long, ProcessHandle> members(long pid) {
    Map<Long, ProcessHandle> all = new LinkedHashMap<>();
    ProcessHandle.of(pid).ifPresent(p -> p.descendants().forEach(d -> all.put(d.pid(), d)));
    for (long member : sessionMembers(pid)) {
      if (member != pid) {
        ProcessHandle.of(member).ifPresent(h -> all.putIfAbsent(h.pid(), h));
      }
    }
    all.remove(pid);
    return all;
  }

  /** Pids whose session id is {@code sid} (Linux); empty where /proc is not readable. */
  static long[] sessionMembers(long sid) {
    if (!Files.isDirectory(PROC)) {
      return new long[0];
    }
    long[] found = new long[16];
    int n = 0;
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(PROC)) {
      for (Path dir : dirs) {
        String name = dir.getFileName().toString();
        if (name.isEmpty() || !Character.isDigit(name.charAt(0))) {
          continue;
        }
        OptionalLong s = statField(dir.resolve("stat"), 6);
        if (s.isPresent() && s.getAsLong() == sid) {
          if (n == found.length) {
            found = java.util.Arrays.copyOf(found, n * 2);
          }
          found[n++] = Long.parseLong(name);
        }
      }
    } catch (IOException | RuntimeException e) {
      // best effort: a vanished or unreadable entry must not stop the teardown
    }
    return java.util.Arrays.copyOf(found, n);
  }

  /** Whether {@code pid} has ended (absent, or a zombie waiting for its parent). */
  public static boolean isGone(long pid) {
    Optional<ProcessHandle> h = ProcessHandle.of(pid);
    if (h.isEmpty() || !h.get().isAlive()) {
      return true;
    }
    return state(pid).map(c -> c == 'Z' || c == 'X').orElse(false);
  }

  /** Whether the process behind {@code handle} has ended (pid reuse safe). */
  public static boolean isGone(ProcessHandle handle) {
    if (!handle.isAlive()) {
      return true;
    }
    return state(handle.pid()).map(c -> c == 'Z' || c == 'X').orElse(false);
  }

  /** Sends SIGKILL to every handle still alive and waits up to {@code timeoutMs} for them. */
  public static int killAll(Iterable<ProcessHandle> handles, long timeoutMs) {
    int killed = 0;
    for (ProcessHandle h : handles) {
      if (!isGone(h)) {
        h.destroyForcibly();
        killed++;
      }
    }
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    for (ProcessHandle h : handles) {
      long left = deadline - System.nanoTime();
      if (left <= 0 || isGone(h)) {
        continue;
      }
      try {
        h.onExit().get(left, TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return killed;
      } catch (ExecutionException | TimeoutException e) {
        // a zombie never "exits" for onExit; isGone() treats it as dead
      }
    }
    return killed;
  }

  private static Optional<Character> state(long pid) {
    try {
      String stat = Files.readString(PROC.resolve(Long.toString(pid)).resolve("stat"),
          StandardCharsets.ISO_8859_1);
      int close = stat.lastIndexOf(')');
      if (close < 0 || close + 2 >= stat.length()) {
        return Optional.empty();
      }
      return Optional.of(stat.charAt(close + 2));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** Field {@code index} (1-based, as in proc(5)) of a stat file, for numeric fields after comm. */
  private static OptionalLong statField(Path stat, int index) {
    try {
      String s = Files.readString(stat, StandardCharsets.ISO_8859_1);
      int close = s.lastIndexOf(')');
      if (close < 0) {
        return OptionalLong.empty();
      }
      // after ") " comes field 3 (state)
      String[] rest = s.substring(close + 2).split(" ");
      int i = index - 3;
      return i >= 0 && i < rest.length ? OptionalLong.of(Long.parseLong(rest[i])) : OptionalLong.empty();
    } catch (IOException | RuntimeException e) {
      return OptionalLong.empty();
    }
  }
}
