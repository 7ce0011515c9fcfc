package io.github.jchannels.shell.internal;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What to run in a PTY: the argument vector, the working directory, the complete environment
 * (nothing is inherited beyond it) and the OS account to run as (null: the server's).
 */
public record LaunchSpec(List<String> command, Path directory, Map<String, String> environment,
    @Nullable String runAs) {
  public LaunchSpec {
    command = List.copyOf(command);
    if (command.isEmpty()) {
      throw new IllegalArgumentException("command must not be empty");
    }
    Objects.requireNonNull(directory, "directory");
    environment = Map.copyOf(environment);
  }

  /** As the server's own account. */
  public LaunchSpec(List<String> command, Path directory, Map<String, String> environment) {
    this(command, directory, environment, null);
  }
}
