package io.github.jchannels.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The demo page in real headless Chromium: starts the demo in-process on free ports, runs
 * {@code node e2e/e2e.mjs} (playwright-core driving Debian's {@code /usr/bin/chromium}) and
 * restarts the channels server when the script asks for it.
 *
 * <p>Needs {@code node}, {@code examples/node_modules} ({@code npm ci --prefix examples}) and
 * Chromium. Without them the test is skipped locally, with the reason, but fails when the
 * environment variable {@code CI} is set: CI must never skip it silently ({@code .ci/run}
 * installs both).
 */
class BrowserEndToEndTest {
  private static final Path EXAMPLES =
      Path.of(System.getProperty("channels.examples.dir", ".")).toAbsolutePath();
  private static final Path CHROMIUM =
      Path.of(System.getenv().getOrDefault("CHROMIUM_PATH", "/usr/bin/chromium"));
  private static final Duration LIMIT = Duration.ofMinutes(3);

  /** Skips (locally) or fails (with CI set) when the browser tooling is missing. */
  private static void requireBrowserTooling() {
    List<String> missing = new ArrayList<>();
    if (!Files.isExecutable(CHROMIUM)) {
      missing.add(CHROMIUM + " (apt-get install chromium)");
    }
    if (!Files.isDirectory(EXAMPLES.resolve("node_modules/playwright-core"))) {
      missing.add("examples/node_modules (npm ci --prefix examples)");
    }
    if (!nodeRuns()) {
      missing.add("node on the PATH");
    }
    if (missing.isEmpty()) {
      return;
    }
    String reason = "browser end-to-end test needs " + String.join(", ", missing);
    if (System.getenv("CI") != null) {
      fail("CI is set, so this test may not be skipped: " + reason);
    }
    Assumptions.abort("SKIPPED: " + reason);
  }

  @Test
  void pageConnectsStreamsRunsTheTerminalAndReconnectsAfterAServerRestart() throws Exception {
    requireBrowserTooling();
    DemoOptions options = DemoOptions.defaults().onFreePorts().withShell(true)
        .withWordDelay(Duration.ofMillis(40));
    Path screenshots = EXAMPLES.resolve("target/e2e-screenshots");
    List<String> output = new ArrayList<>();
    try (DemoApp app = DemoApp.start(options)) {
      Process node = new ProcessBuilder("node", EXAMPLES.resolve("e2e/e2e.mjs").toString(),
          app.httpBase(), "--token", options.token(), "--shell", "--restart", "stdin",
          "--screenshots", screenshots.toString())
          .redirectErrorStream(true)
          .start();
      try (BufferedReader lines = new BufferedReader(
              new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8));
          Writer stdin = node.outputWriter(StandardCharsets.UTF_8)) {
        Thread reader = Thread.ofVirtual().start(() -> {
          try {
            for (String line; (line = lines.readLine()) != null; ) {
              System.out.println("[e2e] " + line);
              synchronized (output) {
                output.add(line);
              }
              if (line.startsWith("E2E:RESTART")) {
                String answer = "RESTARTED";
                try {
                  app.restartChannels();
                } catch (RuntimeException e) {
                  answer = "RESTART-FAILED " + e;
                }
                stdin.write(answer + "\n");
                stdin.flush();
              }
            }
          } catch (IOException e) {
            System.out.println("[e2e] reader stopped: " + e);
          }
        });
        boolean done = node.waitFor(LIMIT.toSeconds(), TimeUnit.SECONDS);
        if (!done) {
          node.descendants().forEach(ProcessHandle::destroyForcibly);
          node.destroyForcibly();
        }
        reader.join(Duration.ofSeconds(10));
        String log;
        synchronized (output) {
          log = String.join("\n", output);
        }
        assertThat(done).as("e2e script finished within %s; output:%n%s", LIMIT, log).isTrue();
        assertThat(node.exitValue()).as("e2e exit code; output:%n%s", log).isZero();
        assertThat(log).contains("E2E:PASS");
      }
    }
  }

  private static boolean nodeRuns() {
    try {
      Process p = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
