package io.github.jchannels.shell;

import io.github.jchannels.core.time.FakeScheduler;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Deterministic shell configurations for tests: no profile, no rc files, a fixed prompt. */
final class TestShells {
  private TestShells() {}

  static ShellConfig.Builder interactive() {
    return ShellConfig.builder()
        .command("bash", "--noprofile", "--norc", "-i")
        .directory(Path.of(System.getProperty("java.io.tmpdir")))
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .env("HOME", System.getProperty("java.io.tmpdir"))
        .env("LC_ALL", "C.UTF-8")
        .env("PS1", "$ ")
        .terminateGrace(Duration.ofSeconds(1));
  }

  /**
   * {@link #interactive()} on {@code time}: timers move only when the test advances it; output
   * is not coalesced (a coalescing flush would wait for an advance).
   */
  static ShellConfig.Builder interactive(FakeScheduler time) {
    return interactive().scheduler(time).coalesce(Duration.ZERO, 32 * 1024);
  }

  static ShellConfig.Builder script(String script) {
    return interactive().command(List.of("bash", "--noprofile", "--norc", "-c", script));
  }

  /** Whether the run is CI's, where a missing prerequisite fails instead of skipping. */
  static boolean ci() {
    return "true".equalsIgnoreCase(System.getenv("CI"));
  }
}
