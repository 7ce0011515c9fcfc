package io.github.jchannels.shell;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * What one shell runs: the program and its arguments, the working directory, the complete
 * environment, and optionally the OS account to run it as. Immutable. A {@link ShellLauncher}
 * receives the defaults of {@link ShellConfig} as a {@code ShellLaunch} and returns the one to
 * use, usually {@code defaults.toBuilder()...build()}.
 *
 * <p>The environment is exactly {@link #environment()}: nothing of the server's own environment
 * is passed on. By default it holds {@code PATH}, {@code HOME}, {@code TERM}, {@code LANG},
 * {@code USER} and {@code SHELL} (see {@link ShellConfig}); whatever the configuration or the
 * launcher adds comes on top. The endpoint adds one variable of its own,
 * {@code CHANNELS_SHELL_TAG}, used to find the shell's processes at teardown.
 *
 * <p>{@link Builder#runAs(String)} runs the program as another OS account through
 * {@code setpriv(1)} (util-linux): the server must run as root (or hold {@code CAP_SETUID} and
 * {@code CAP_SETGID}); {@code HOME}, {@code USER} and {@code SHELL} are then set to the
 * account's values from {@code /etc/passwd}. See docs/shell.md, <em>Isolation</em>.
 */
public final class ShellLaunch {
  private static final Pattern USER_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_.-]{0,31}");

  private final List<String> command;
  private final Path directory;
  private final Map<String, String> environment;
  private final @Nullable String runAs;

  private ShellLaunch(Builder b) {
    this.command = List.copyOf(b.command);
    this.directory = b.directory;
    this.environment = Collections.unmodifiableMap(new LinkedHashMap<>(b.environment));
    this.runAs = b.runAs;
  }

  /** A builder for {@code command} in {@code directory} with an empty environment. */
  public static Builder builder(List<String> command, Path directory) {
    Builder b = new Builder();
    b.command(command);
    b.directory(directory);
    return b;
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

  /** The OS account to run as, if not the server's own. */
  public Optional<String> runAs() {
    return Optional.ofNullable(runAs);
  }

  /** A builder with these values. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.command = new ArrayList<>(command);
    b.directory = directory;
    b.environment = new LinkedHashMap<>(environment);
    b.runAs = runAs;
    return b;
  }

  @Override
  public String toString() {
    return "ShellLaunch[command=" + command + ", directory=" + directory + ", environment="
        + environment.keySet() + (runAs == null ? "" : ", runAs=" + runAs) + "]";
  }

  /** Builds a {@link ShellLaunch}. Not thread-safe. */
  public static final class Builder {
    private List<String> command = new ArrayList<>();
    private Path directory = Path.of("/");
    private Map<String, String> environment = new LinkedHashMap<>();
    private @Nullable String runAs;

    private Builder() {}

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

    /** The working directory (it must exist when the shell starts). */
    public Builder directory(Path directory) {
      this.directory = Objects.requireNonNull(directory, "directory");
      return this;
    }

    /** Sets one environment variable. */
    public Builder env(String name, String value) {
      environment.put(checkName(name), Objects.requireNonNull(value, "value"));
      return this;
    }

    /** Removes one environment variable. */
    public Builder removeEnv(String name) {
      environment.remove(name);
      return this;
    }

    /** Replaces the whole environment (add {@code TERM} and a UTF-8 {@code LANG} yourself). */
    public Builder environment(Map<String, String> environment) {
      Map<String, String> env = new LinkedHashMap<>();
      environment.forEach((k, v) -> env.put(checkName(k), Objects.requireNonNull(v, k)));
      this.environment = env;
      return this;
    }

    /**
     * Runs the program as the OS account {@code user} (a name of {@code /etc/passwd}), or as
     * the server's own account when null (the default). Needs a server running as root and
     * {@code setpriv} in {@code /usr/bin} or {@code /bin}; otherwise the shell fails to start
     * with {@code start_failed}.
     */
    public Builder runAs(@Nullable String user) {
      if (user != null && !USER_NAME.matcher(user).matches()) {
        throw new IllegalArgumentException("invalid OS user name: '" + user + "'");
      }
      this.runAs = user;
      return this;
    }

    /** The launch. */
    public ShellLaunch build() {
      if (command.isEmpty()) {
        throw new IllegalStateException("a command is required");
      }
      return new ShellLaunch(this);
    }

    static String checkName(String name) {
      Objects.requireNonNull(name, "name");
      if (name.isEmpty() || name.indexOf('=') >= 0 || name.indexOf('\0') >= 0) {
        throw new IllegalArgumentException("invalid environment variable name: '" + name + "'");
      }
      return name;
    }
  }
}
