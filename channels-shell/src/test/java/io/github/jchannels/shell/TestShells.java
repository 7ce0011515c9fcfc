package io.github.jchannels.shell;

import io.github.jchannels.core.time.FakeScheduler;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Deterministic shell configurations for tests: no profile, no rc files, a fixed prompt. */
final class TestShells {
  private TestShells() {}

  /**
   * An interactive bash on the endpoint's own (system) scheduler. Output is not coalesced, so
   * no timer stands between the PTY and the connection (PtyShellTest drives coalescing on fake
   * time); the only timer left is the SIGKILL after the terminate grace, a fallback that bash,
   * which ends on the hang-up, does not wait for.
   */
  static ShellConfig.Builder interactive() {
    return ShellConfig.builder()
        .command("bash", "--noprofile", "--norc", "-i")
        .directory(Path.of(System.getProperty("java.io.tmpdir")))
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .env("HOME", System.getProperty("java.io.tmpdir"))
        .env("LC_ALL", "C.UTF-8")
        .env("PS1", "$ ")
        .terminateGrace(Duration.ofSeconds(1))
        .coalesce(Duration.ZERO, 32 * 1024);
  }

  /** {@link #interactive()} on {@code time}: timers move only when the test advances it. */
  static ShellConfig.Builder interactive(FakeScheduler time) {
    return interactive().scheduler(time);
  }

  static ShellConfig.Builder script(String script) {
    return interactive().command(List.of("bash", "--noprofile", "--norc", "-c", script));
  }

  /** Whether the run is CI's, where a missing prerequisite fails instead of skipping. */
  static boolean ci() {
    return "true".equalsIgnoreCase(System.getenv("CI"));
  }
}
