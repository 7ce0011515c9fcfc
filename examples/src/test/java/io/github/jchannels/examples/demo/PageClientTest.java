package io.github.jchannels.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Runs the unit tests of the page's protocol client ({@code e2e/channels.test.mjs}, Node's
 * built-in test runner with a fake WebSocket and fake timers): readiness, the 100-message
 * queue, resubscribe order, heartbeat, backoff 1-2-4-8-16 s with 5 attempts, final close codes,
 * request/reply. Needs only {@code node}; skipped without it locally, failed without it in CI.
 */
class PageClientTest {
  private static final Path EXAMPLES =
      Path.of(System.getProperty("channels.examples.dir", ".")).toAbsolutePath();

  @Test
  void browserProtocolClientPassesItsNodeTests() throws Exception {
    Process node;
    try {
      node = new ProcessBuilder("node", "--test", "e2e/channels.test.mjs")
          .directory(EXAMPLES.toFile())
          .redirectErrorStream(true)
          .start();
    } catch (IOException e) {
      if (System.getenv("CI") != null) {
        fail("CI is set, so this test may not be skipped: node is not on the PATH");
      }
      Assumptions.abort("SKIPPED: node is not on the PATH");
      return;
    }
    String output = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(node.waitFor(2, TimeUnit.MINUTES)).isTrue();
    System.out.println(output);
    assertThat(node.exitValue()).as("node --test output:%n%s", output).isZero();
    assertThat(output).contains("# fail 0").doesNotContain("# pass 0");
  }
}
