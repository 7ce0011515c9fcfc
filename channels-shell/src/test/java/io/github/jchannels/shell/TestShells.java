package io.github.jchannels.shell;

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

  static ShellConfig.Builder script(String script) {
    return interactive().command(List.of("bash", "--noprofile", "--norc", "-c", script));
  }
}
