package io.github.jchannels.shell;

import io.github.jchannels.core.time.Scheduler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What the shell endpoint runs and the limits it keeps. Immutable; start from
 * {@link #builder()}. The program is chosen here, by the host application, never by a client.
 *
 * <table>
 *   <caption>Settings and defaults</caption>
 *   <tr><th>setting</th><th>default</th><th>meaning / at the limit</th></tr>
 *   <tr><td>{@code command}</td><td>{@code bash -l}</td><td>the program and its arguments,
 *     looked up on the environment's {@code PATH}; missing: {@code error}
 *     {@code command_not_found}</td></tr>
 *   <tr><td>{@code directory}</td><td>{@code user.home}</td><td>working directory</td></tr>
 *   <tr><td>{@code environment}</td><td>{@code PATH=/usr/local/bin:/usr/bin:/bin},
 *     {@code HOME} ({@code user.home}), {@code USER} ({@code user.name}), {@code SHELL} (the
 *     account's login shell in {@code /etc/passwd}, else {@code /bin/sh}),
 *     {@code TERM=xterm-256color}, {@code LANG=C.UTF-8}</td><td>the complete environment of
 *     the program; nothing of the server's own environment is read or passed on</td></tr>
 *   <tr><td>{@code maxShells}</td><td>16</td><td>running shells in total; beyond:
 *     {@code error} {@code limit_exceeded}</td></tr>
 *   <tr><td>{@code maxShellsPerPrincipal}</td><td>4</td><td>running shells started by one
 *     principal (anonymous connections share one count); beyond: {@code limit_exceeded}</td></tr>
 *   <tr><td>{@code idleTimeout}</td><td>none</td><td>a shell without input or output for this
 *     long is ended: {@code error} {@code idle_timeout}, then {@code exit}</td></tr>
 *   <tr><td>{@code flowControl}</td><td>256 KiB / 64 KiB</td><td>stop reading the PTY while a
 *     connection of the shell has more than the high mark queued; resume at the low
 *     mark</td></tr>
 *   <tr><td>{@code coalesce}</td><td>5 ms / 32768 chars</td><td>output is sent at most this
 *     long after it was read, or as soon as this much is pending</td></tr>
 *   <tr><td>{@code maxPendingInput}</td><td>1 MiB</td><td>typed bytes not yet taken by the
 *     program; beyond: the input is dropped with {@code error} {@code input_overflow}</td></tr>
 *   <tr><td>{@code terminateGrace}</td><td>2 s</td><td>after SIGHUP, how long the shell may
 *     take to exit before SIGKILL</td></tr>
 *   <tr><td>{@code reattachGrace}</td><td>0 (none)</td><td>how long a shell whose last
 *     connection was lost stays (paused) for a reconnecting client; then it is ended</td></tr>
 *   <tr><td>{@code replayBuffer}</td><td>262,144 chars (256 Ki)</td><td>the newest output kept
 *     and replayed to every attacher after its {@code init}; 0 for none</td></tr>
 *   <tr><td>{@code containment}</td><td>{@link Containment#AUTO}</td><td>how a shell's
 *     processes are found at teardown: a cgroup v2 of its own where the server may create one,
 *     else an environment tag and a {@code /proc} sweep</td></tr>
 *   <tr><td>{@code scheduler}</td><td>none: the endpoint creates
 *     {@code Scheduler.system("shell-timer")} and closes it</td><td>the clock and timers of
 *     coalescing, idle timeouts, terminate and reattach graces</td></tr>
 * </table>
 */
public final class ShellConfig {
  /** How a shell's processes are kept together so that a teardown finds every one of them. */
  public enum Containment {
    /** A cgroup v2 per shell where the server may create one, else {@link #ENVIRONMENT_TAG}. */
    AUTO,
    /**
     * A cgroup v2 per shell, killed with {@code cgroup.kill}; building the endpoint fails
     * where the server may not create cgroups.
     */
    CGROUP,
    /**
     * No cgroup: the shell's environment carries a tag and teardown kills every process whose
     * {@code /proc/<pid>/environ} holds it (plus the shell's session and descendants).
     */
    ENVIRONMENT_TAG
  }

  private final List<String> command;
  private final Path directory;
  private final Map<String, String> environment;
  private final int maxShells;
  private final int maxShellsPerPrincipal;
  private final Optional<Duration> idleTimeout;
  private final long highWaterBytes;
  private final long lowWaterBytes;
  private final Duration coalesceDelay;
  private final int maxChunkChars;
  private final long maxPendingInputBytes;
  private final Duration terminateGrace;
  private final Duration reattachGrace;
  private final int replayChars;
  private final Containment containment;
  private final @Nullable Path cgroupParent;
  private final @Nullable Scheduler scheduler;

  private ShellConfig(Builder b) {
    this.command = List.copyOf(b.command);
    this.directory = b.directory;
    this.environment = Collections.unmodifiableMap(new LinkedHashMap<>(b.environment));
    this.maxShells = b.maxShells;
    this.maxShellsPerPrincipal = b.maxShellsPerPrincipal;
    this.idleTimeout = Optional.ofNullable(b.idleTimeout);
    this.highWaterBytes = b.highWaterBytes;
    this.lowWaterBytes = b.lowWaterBytes;
    this.coalesceDelay = b.coalesceDelay;
    this.maxChunkChars = b.maxChunkChars;
    this.maxPendingInputBytes = b.maxPendingInputBytes;
    this.terminateGrace = b.terminateGrace;
    this.reattachGrace = b.reattachGrace;
    this.replayChars = b.replayChars;
    this.containment = b.containment;
    this.cgroupParent = b.cgroupParent;
    this.scheduler = b.scheduler;
  }

  /** A builder with the defaults of the table above. */
  public static Builder builder() {
    return new Builder();
  }

  /** The program and its arguments. */
  public List<String> command() {
    return command;
  }

  /** The working directory. */
  public Path directory() {
    return directory;
  }

  /** The program's complete environment, in insertion order. */
  public Map<String, String> environment() {
    return environment;
  }

  /** Most shells running at once. */
  public int maxShells() {
    return maxShells;
  }

  /** Most shells running at once per principal. */
  public int maxShellsPerPrincipal() {
    return maxShellsPerPrincipal;
  }

  /** How long a shell may go without input or output; empty for no limit. */
  public Optional<Duration> idleTimeout() {
    return idleTimeout;
  }

  /** Bytes queued to one connection above which the PTY is no longer read. */
  public long highWaterBytes() {
    return highWaterBytes;
  }

  /** Bytes queued to every connection at or below which reading resumes. */
  public long lowWaterBytes() {
    return lowWaterBytes;
  }

  /** Longest wait before pending output is sent. */
  public Duration coalesceDelay() {
    return coalesceDelay;
  }

  /** Pending output (in chars) that is sent at once. */
  public int maxChunkChars() {
    return maxChunkChars;
  }

  /** Most typed bytes waiting for the program. */
  public long maxPendingInputBytes() {
    return maxPendingInputBytes;
  }

  /** Time between SIGHUP and SIGKILL when a shell is ended. */
  public Duration terminateGrace() {
    return terminateGrace;
  }

  /** How long a shell whose last connection was lost waits for a reattach; zero for none. */
  public Duration reattachGrace() {
    return reattachGrace;
  }

  /** Most output characters kept for replay to attachers; 0 for none. */
  public int replayChars() {
    return replayChars;
  }

  /** How a shell's processes are contained. */
  public Containment containment() {
    return containment;
  }

  /**
   * The cgroup v2 directory under which shells' cgroups are created; empty for the server's
   * own cgroup.
   */
  public Optional<Path> cgroupParent() {
    return Optional.ofNullable(cgroupParent);
  }

  /** The scheduler given to the builder; empty when the endpoint creates its own. */
  public Optional<Scheduler> scheduler() {
    return Optional.ofNullable(scheduler);
  }

  /** What {@link ShellLauncher} receives as its defaults: command, directory, environment. */
  public ShellLaunch defaultLaunch() {
    return ShellLaunch.builder(command, directory).environment(environment).build();
  }

  /** A builder with these values. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.command = new ArrayList<>(command);
    b.directory = directory;
    b.environment = new LinkedHashMap<>(environment);
    b.maxShells = maxShells;
    b.maxShellsPerPrincipal = maxShellsPerPrincipal;
    b.idleTimeout = idleTimeout.orElse(null);
    b.highWaterBytes = highWaterBytes;
    b.lowWaterBytes = lowWaterBytes;
    b.coalesceDelay = coalesceDelay;
    b.maxChunkChars = maxChunkChars;
    b.maxPendingInputBytes = maxPendingInputBytes;
    b.terminateGrace = terminateGrace;
    b.reattachGrace = reattachGrace;
    b.replayChars = replayChars;
    b.containment = containment;
    b.cgroupParent = cgroupParent;
    b.scheduler = scheduler;
    return b;
  }

  @Override
  public String toString() {
    return "ShellConfig[command=" + command + ", directory=" + directory
        + ", environment=" + environment.keySet() + ", maxShells=" + maxShells
        + ", maxShellsPerPrincipal=" + maxShellsPerPrincipal + ", idleTimeout=" + idleTimeout
        + ", flowControl=" + highWaterBytes + "/" + lowWaterBytes
        + ", coalesce=" + coalesceDelay + "/" + maxChunkChars
        + ", maxPendingInputBytes=" + maxPendingInputBytes
        + ", terminateGrace=" + terminateGrace + ", reattachGrace=" + reattachGrace
        + ", replayChars=" + replayChars + ", containment=" + containment
        + (cgroupParent == null ? "" : ", cgroupParent=" + cgroupParent) + "]";
  }

  /** Builds a {@link ShellConfig}. Not thread-safe. */
  public static final class Builder {
    private List<String> command = new ArrayList<>(List.of("bash", "-l"));
    private Path directory = Path.of(System.getProperty("user.home", "/"));
    private Map<String, String> environment = defaultEnvironment();
    private int maxShells = 16;
    private int maxShellsPerPrincipal = 4;
    private @Nullable Duration idleTimeout;
    private long highWaterBytes = 256 * 1024;
    private long lowWaterBytes = 64 * 1024;
    private Duration coalesceDelay = Duration.ofMillis(5);
    private int maxChunkChars = 32 * 1024;
    private long maxPendingInputBytes = 1024 * 1024;
    private Duration terminateGrace = Duration.ofSeconds(2);
    private Duration reattachGrace = Duration.ZERO;
    private int replayChars = 256 * 1024;
    private Containment containment = Containment.AUTO;
    private @Nullable Path cgroupParent;
    private @Nullable Scheduler scheduler;

    private Builder() {}

    /** The allow-list defaults; never read from the server's own environment. */
    private static Map<String, String> defaultEnvironment() {
      Map<String, String> env = new LinkedHashMap<>();
      String user = System.getProperty("user.name", "");
      env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
      env.put("HOME", System.getProperty("user.home", "/"));
      if (!user.isEmpty()) {
        env.put("USER", user);
      }
      env.put("SHELL", loginShell(user));
      env.put("TERM", "xterm-256color");
      env.put("LANG", "C.UTF-8");
      return env;
    }

    private static String loginShell(String user) {
      try {
        for (String line : Files.readAllLines(Path.of("/etc/passwd"), StandardCharsets.UTF_8)) {
          String[] f = line.split(":", -1);
          if (f.length >= 7 && f[0].equals(user) && !f[6].isBlank()) {
            return f[6];
          }
        }
      } catch (IOException | RuntimeException e) {
        // no passwd file (not Unix): the portable default
      }
      return "/bin/sh";
    }

    /** The program and its arguments, e.g. {@code "bash", "-l"}. */
    public Builder command(String... command) {
      return command(List.of(command));
    }

    /** The program and its arguments. */
    public Builder command(List<String> command) {
      List<String> c = List.copyOf(command);
      if (c.isEmpty() || c.get(0).isBlank()) {
        throw new IllegalArgumentException("command must name a program: " + c);
      }
      this.command = new ArrayList<>(c);
      return this;
    }

    /** The working directory. */
    public Builder directory(Path directory) {
      this.directory = Objects.requireNonNull(directory, "directory");
      return this;
    }

    /** Sets one environment variable (replacing a default). */
    public Builder env(String name, String value) {
      Objects.requireNonNull(value, "value");
      environment.put(ShellLaunch.Builder.checkName(name), value);
      return this;
    }

    /** Removes one environment variable. */
    public Builder removeEnv(String name) {
      environment.remove(name);
      return this;
    }

    /** Replaces the whole environment (add {@code TERM} and a UTF-8 {@code LANG} yourself). */
    public Builder environment(Map<String, String> environment) {
      this.environment = new LinkedHashMap<>();
      environment.forEach(this::env);
      return this;
    }

    /** Most shells running at once; at least 1. */
    public Builder maxShells(int n) {
      this.maxShells = atLeast("maxShells", n, 1);
      return this;
    }

    /** Most shells running at once per principal; at least 1. */
    public Builder maxShellsPerPrincipal(int n) {
      this.maxShellsPerPrincipal = atLeast("maxShellsPerPrincipal", n, 1);
      return this;
    }

    /** Ends shells idle (no input, no output) this long; at least 10 ms. */
    public Builder idleTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "idleTimeout");
      if (timeout.compareTo(Duration.ofMillis(10)) < 0) {
        throw new IllegalArgumentException("idleTimeout must be >= 10ms: " + timeout);
      }
      this.idleTimeout = timeout;
      return this;
    }

    /** No idle timeout (the default). */
    public Builder noIdleTimeout() {
      this.idleTimeout = null;
      return this;
    }

    /**
     * Flow control marks in bytes: stop reading above {@code highWater} queued to a connection,
     * resume at {@code lowWater}. Keep {@code highWater} well below the server's
     * {@code maxBufferedBytes} (4 MiB by default), or slow clients are closed with 1013.
     */
    public Builder flowControl(long highWater, long lowWater) {
      if (lowWater < 0 || highWater < 1024 || lowWater > highWater) {
        throw new IllegalArgumentException(
            "need 0 <= lowWater <= highWater and highWater >= 1024: " + highWater + "/" + lowWater);
      }
      this.highWaterBytes = highWater;
      this.lowWaterBytes = lowWater;
      return this;
    }

    /**
     * Output coalescing: send after at most {@code delay} (0 to 1 s), or {@code maxChars}
     * pending.
     */
    public Builder coalesce(Duration delay, int maxChars) {
      Objects.requireNonNull(delay, "delay");
      if (delay.isNegative() || delay.compareTo(Duration.ofSeconds(1)) > 0) {
        throw new IllegalArgumentException("coalesce delay must be in [0, 1s]: " + delay);
      }
      this.coalesceDelay = delay;
      this.maxChunkChars = atLeast("maxChunkChars", maxChars, 1);
      return this;
    }

    /** Most typed bytes waiting for the program; at least 1024. */
    public Builder maxPendingInput(long bytes) {
      if (bytes < 1024) {
        throw new IllegalArgumentException("maxPendingInput must be >= 1024: " + bytes);
      }
      this.maxPendingInputBytes = bytes;
      return this;
    }

    /** Time between SIGHUP and SIGKILL when a shell is ended; 0 to 60 s. */
    public Builder terminateGrace(Duration grace) {
      Objects.requireNonNull(grace, "terminateGrace");
      if (grace.isNegative() || grace.compareTo(Duration.ofSeconds(60)) > 0) {
        throw new IllegalArgumentException("terminateGrace must be in [0, 60s]: " + grace);
      }
      this.terminateGrace = grace;
      return this;
    }

    /**
     * How long a shell whose last connection was <em>lost</em> (closed with any code but 1000)
     * keeps running, paused, for a reconnecting client to attach again; 0 (the default) to end
     * it at once, up to 1 hour. A normal closure (1000) or an {@code unsubscribe} always ends it
     * at once.
     */
    public Builder reattachGrace(Duration grace) {
      Objects.requireNonNull(grace, "reattachGrace");
      if (grace.isNegative() || grace.compareTo(Duration.ofHours(1)) > 0) {
        throw new IllegalArgumentException("reattachGrace must be in [0, 1h]: " + grace);
      }
      this.reattachGrace = grace;
      return this;
    }

    /**
     * The newest output kept per shell and replayed to every connection that attaches (after
     * its {@code init}), so a reloaded page shows the screen as it was; 0 to keep none, at most
     * 16 Mi characters. Default 262,144 characters (256 Ki; at most 512 KiB of heap per shell).
     */
    public Builder replayBuffer(int chars) {
      if (chars < 0 || chars > 16 * 1024 * 1024) {
        throw new IllegalArgumentException("replayBuffer must be in [0, 16Mi] chars: " + chars);
      }
      this.replayChars = chars;
      return this;
    }

    /** How a shell's processes are found at teardown; default {@link Containment#AUTO}. */
    public Builder containment(Containment containment) {
      this.containment = Objects.requireNonNull(containment, "containment");
      return this;
    }

    /**
     * The cgroup v2 directory (e.g. {@code /sys/fs/cgroup/myapp.service/shells}) under which
     * the endpoint creates one cgroup per shell; default: the server's own cgroup, found in
     * {@code /proc/self/cgroup} and {@code /proc/self/mountinfo}.
     */
    public Builder cgroupParent(Path parent) {
      this.cgroupParent = Objects.requireNonNull(parent, "cgroupParent");
      return this;
    }

    /**
     * The clock and timers (output coalescing, idle timeout, terminate and reattach graces).
     * The caller owns it and closes it after the endpoint. Default: the endpoint creates
     * {@code Scheduler.system("shell-timer")} and closes it in {@link ShellEndpoint#close()}.
     */
    public Builder scheduler(Scheduler scheduler) {
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    private static int atLeast(String name, int v, int min) {
      if (v < min) {
        throw new IllegalArgumentException(name + " must be >= " + min + ": " + v);
      }
      return v;
    }

    /** The configuration. */
    public ShellConfig build() {
      return new ShellConfig(this);
    }
  }
}
