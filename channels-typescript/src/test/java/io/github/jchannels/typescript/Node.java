package io.github.jchannels.typescript;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/** Runs node and the TypeScript compiler of channels-browser/node_modules, for tests. */
final class Node {
  static final Path REPO =
      Path.of(System.getProperty("channels.repo.dir", "..")).toAbsolutePath().normalize();
  static final Path TSC = REPO.resolve("channels-browser/node_modules/typescript/bin/tsc");

  private Node() {}

  /** Skips (locally) or fails (with CI set) when node or typescript is missing. */
  static void require() {
    List<String> missing = new ArrayList<>();
    if (!Files.isRegularFile(TSC)) {
      missing.add("typescript (npm ci --prefix channels-browser)");
    }
    try {
      if (run(REPO, List.of("node", "--version")).status != 0) {
        missing.add("node");
      }
    } catch (IOException e) {
      missing.add("node on the PATH");
    }
    if (missing.isEmpty()) {
      return;
    }
    String reason = "needs " + String.join(", ", missing);
    if (System.getenv("CI") != null) {
      fail("CI is set, so this test may not be skipped: it " + reason);
    }
    Assumptions.abort("SKIPPED: " + reason);
  }

  /** What a process printed (stdout and stderr) and its exit status. */
  record Result(int status, String output) {}

  static Result run(Path dir, List<String> command) throws IOException {
    Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
        .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (!p.waitFor(3, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        return new Result(-1, out + "\n(timed out)");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      return new Result(-1, out + "\n(interrupted)");
    }
    return new Result(p.exitValue(), out);
  }

  /** Runs tsc with these arguments in {@code dir}. */
  static Result tsc(Path dir, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of("node", TSC.toString()));
    command.addAll(List.of(args));
    return run(dir, command);
  }
}
