package io.github.jchannels.shell.internal;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What to run in a PTY: the argument vector, the working directory and the complete
 * environment (nothing is inherited beyond it).
 */
public record LaunchSpec(List<String> command, Path directory, Map<String, String> environment) {
  public LaunchSpec {
    command = List.copyOf(command);
    if (command.isEmpty()) {
      throw new IllegalArgumentException("command must not be empty");
    }
    Objects.requireNonNull(directory, "directory");
    environment = Map.copyOf(environment);
  }
}
