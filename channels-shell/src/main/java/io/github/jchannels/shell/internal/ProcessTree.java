package io.github.jchannels.shell.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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
  /** The environment variable that tags every process of a shell. */
  public static final String TAG_VARIABLE = "CHANNELS_SHELL_TAG";

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
            found = Arrays.copyOf(found, n * 2);
          }
          found[n++] = Long.parseLong(name);
        }
      }
    } catch (IOException | RuntimeException e) {
      // best effort: a vanished or unreadable entry must not stop the teardown
    }
    return Arrays.copyOf(found, n);
  }

  /**
   * The processes whose environment (as they were started: {@code /proc/<pid>/environ}) holds
   * {@code TAG_VARIABLE=tag}; empty where /proc is not readable. Processes of other users are
   * seen only by a root server.
   */
  public static List<ProcessHandle> tagged(String tag) {
    byte[] needle = (TAG_VARIABLE + "=" + tag + "\0").getBytes(StandardCharsets.UTF_8);
    return scanEnvironments(env -> contains(env, needle));
  }

  /**
   * Kills every process tagged {@code tag}, scanning again until a scan finds none (a process
   * may fork while it is being killed); returns how many were killed.
   */
  public static int killTagged(String tag) {
    int killed = 0;
    for (int round = 0; round < 20; round++) {
      List<ProcessHandle> found = tagged(tag);
      found.removeIf(ProcessTree::isGone);
      if (found.isEmpty()) {
        break;
      }
      killed += killAll(found, 2_000);
    }
    return killed;
  }

  /**
   * Kills the tagged processes of servers that are no longer running (tags start with the
   * server's pid): what a killed JVM left behind. Returns how many were killed.
   */
  public static int killOrphanedTags() {
    byte[] prefix = (TAG_VARIABLE + "=").getBytes(StandardCharsets.UTF_8);
    List<ProcessHandle> orphans = scanEnvironments(env -> {
      int at = indexOfVariable(env, prefix);
      if (at < 0) {
        return false;
      }
      long pid = 0;
      int i = at + prefix.length;
      for (; i < env.length && env[i] >= '0' && env[i] <= '9'; i++) {
        pid = pid * 10 + (env[i] - '0');
      }
      long server = pid;
      return i < env.length && env[i] == '-'
          && ProcessHandle.of(server).map(h -> !h.isAlive()).orElse(true);
    });
    return orphans.isEmpty() ? 0 : killAll(orphans, 2_000);
  }

  private interface EnvTest {
    boolean test(byte[] environ);
  }

  private static List<ProcessHandle> scanEnvironments(EnvTest test) {
    List<ProcessHandle> found = new ArrayList<>();
    if (!Files.isDirectory(PROC)) {
      return found;
    }
    long self = ProcessHandle.current().pid();
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(PROC)) {
      for (Path dir : dirs) {
        String name = dir.getFileName().toString();
        if (name.isEmpty() || !Character.isDigit(name.charAt(0))) {
          continue;
        }
        long pid;
        try {
          pid = Long.parseLong(name);
        } catch (NumberFormatException e) {
          continue;
        }
        if (pid == self) {
          continue;
        }
        // the handle first: if the pid is reused after the read, the handle is of the old one
        Optional<ProcessHandle> h = ProcessHandle.of(pid);
        if (h.isEmpty()) {
          continue;
        }
        byte[] env;
        try {
          env = Files.readAllBytes(dir.resolve("environ"));
        } catch (IOException | RuntimeException e) {
          continue; // gone, a kernel thread, or another user's process
        }
        if (test.test(env)) {
          found.add(h.get());
        }
      }
    } catch (IOException | RuntimeException e) {
      // best effort: a vanished entry must not stop the teardown
    }
    return found;
  }

  private static boolean contains(byte[] env, byte[] needle) {
    return indexOfVariable(env, needle) >= 0;
  }

  /** Where an entry of {@code env} starts with {@code needle}, or -1. */
  private static int indexOfVariable(byte[] env, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= env.length; i++) {
      if (i > 0 && env[i - 1] != 0) {
        continue;
      }
      for (int k = 0; k < needle.length; k++) {
        if (env[i + k] != needle[k]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
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
      String[] rest = s.substring(close + 2).split(" ", -1);
      int i = index - 3;
      return i >= 0 && i < rest.length ? OptionalLong.of(Long.parseLong(rest[i]))
          : OptionalLong.empty();
    } catch (IOException | RuntimeException e) {
      return OptionalLong.empty();
    }
  }
}
