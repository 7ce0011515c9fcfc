package io.github.jchannels.server.hostile;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, item 3: running out of file descriptors never stops the server from accepting. A
 * child JVM runs the server under a limit of 200 descriptors ({@code prlimit}); 400 TCP
 * connections exhaust it and are then closed; after that, clients are served again (the
 * listening socket stays open).
 */
class DescriptorExhaustionTest {
  private Process child;

  @AfterEach
  void stop() throws Exception {
    if (child != null) {
      child.getOutputStream().close();
      if (!child.waitFor(10, TimeUnit.SECONDS)) {
        child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  private static boolean prlimitAvailable() {
    return new File("/usr/bin/prlimit").canExecute();
  }

  @Test
  void clientsAreServedAgainOnceTheBurstIsOver() throws Exception {
    if (!prlimitAvailable()) {
      if ("true".equals(System.getenv("CI"))) {
        throw new AssertionError("prlimit (util-linux) is missing under CI=true");
      }
      Assumptions.abort("prlimit (util-linux) is missing");
    }
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> cmd = List.of("/usr/bin/prlimit", "--nofile=200:200", java, "-Xmx256m",
        "-cp", System.getProperty("java.class.path"), FdLimitedServer.class.getName());
    child = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    // drain the child's output (its log too) all along, so that it never blocks on a full pipe
    CompletableFuture<Integer> portSeen = new CompletableFuture<>();
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Process p = child;
    Thread.ofVirtual().start(() -> {
      try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(),
          StandardCharsets.UTF_8))) {
        for (String line; (line = out.readLine()) != null; ) {
          if (line.startsWith("PORT ")) {
            portSeen.complete(Integer.parseInt(line.substring(5).trim()));
          } else if (line.startsWith("OPEN ")) {
            lines.add(line);
          }
        }
      } catch (IOException e) {
        portSeen.completeExceptionally(e);
      }
      portSeen.completeExceptionally(new AssertionError("the child ended"));
    });
    int port = portSeen.get(60, TimeUnit.SECONDS);

    List<Attacker> burst = new ArrayList<>();
    int upgraded = 0;
    try {
      for (int i = 0; i < 400; i++) {
        burst.add(Attacker.tcp(port, 0)); // the kernel completes these without the server
      }
      for (Attacker a : burst) {
        a.write(Attacker.request("/ws", Map.of()).getBytes(StandardCharsets.US_ASCII));
      }
      for (Attacker a : burst.subList(0, 50)) { // the first ones fit under the limit
        a.socket.setSoTimeout(5000);
        try {
          if (a.readHead().startsWith("HTTP/1.1 101")) {
            upgraded++;
          }
        } catch (RuntimeException e) {
          // not served (yet)
        }
      }
    } finally {
      burst.forEach(Attacker::close);
    }
    assertThat(upgraded).as("some connections of the burst were served").isPositive();
    // Once the burst is gone, a client is served again (retrying while the server's accept
    // loop resumes from its pause).
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    AssertionError last = null;
    while (System.nanoTime() < deadline) {
      try {
        Servers.assertLegitimateClientServed(port);
        last = null;
        break;
      } catch (AssertionError | RuntimeException e) {
        last = e instanceof AssertionError ae ? ae : new AssertionError(e);
      }
    }
    if (last != null) {
      throw last;
    }
    OutputStream in = child.getOutputStream();
    in.write('\n');
    in.flush();
    assertThat(lines.poll(30, TimeUnit.SECONDS)).as("the child is alive").startsWith("OPEN ");
  }
}
