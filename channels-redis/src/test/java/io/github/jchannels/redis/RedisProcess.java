package io.github.jchannels.redis;

import static org.assertj.core.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.Assumptions;
import org.jspecify.annotations.Nullable;

/**
 * A real redis-server for tests, on a free loopback port, without persistence
 * ({@code --save "" --appendonly no}), stopped by its PID. Missing binary: the test is skipped
 * with a message, or fails under {@code CI=true}.
 */
final class RedisProcess implements AutoCloseable {
  private final int port;
  private @Nullable Process process;

  private RedisProcess(int port) {
    this.port = port;
  }

  /** Starts a Redis on a free port. */
  static RedisProcess start() throws IOException, InterruptedException {
    String binary = binary();
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    RedisProcess r = new RedisProcess(port);
    r.launch(binary);
    return r;
  }

  private static String binary() {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
      File f = new File(dir, "redis-server");
      if (f.canExecute()) {
        return f.getPath();
      }
    }
    if ("true".equals(System.getenv("CI"))) {
      fail("redis-server is not installed (CI=true: the Redis tests are required)");
    }
    Assumptions.assumeThat(false).as("redis-server is not installed: skipping the Redis tests")
        .isTrue();
    throw new IllegalStateException("unreachable");
  }

  private void launch(String binary) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(List.of(binary, "--port", Integer.toString(port),
        "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--loglevel", "notice"))
        .redirectErrorStream(true).start();
    process = p;
    CountDownLatch ready = new CountDownLatch(1);
    StringBuilder out = new StringBuilder();
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(),
          StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          synchronized (out) {
            if (out.length() < 20_000) {
              out.append(line).append('\n');
            }
          }
          if (line.contains("Ready to accept connections")) {
            ready.countDown();
          }
        }
      } catch (IOException e) {
        // the process ended
      }
    }, "redis-" + port + "-output");
    reader.setDaemon(true);
    reader.start();
    if (!ready.await(20, TimeUnit.SECONDS)) {
      stop();
      synchronized (out) {
        fail("redis-server did not start on port " + port + ":\n" + out);
      }
    }
  }

  int port() {
    return port;
  }

  String uri() {
    return "redis://127.0.0.1:" + port;
  }

  /** Stops the process (SIGTERM, then SIGKILL) and waits for it to exit. */
  void stop() throws InterruptedException {
    Process p = process;
    process = null;
    if (p == null) {
      return;
    }
    p.destroy();
    if (!p.waitFor(10, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** Starts a new, empty Redis on the same port (after {@link #stop()}). */
  void startAgain() throws IOException, InterruptedException {
    if (process != null) {
      throw new IllegalStateException("still running");
    }
    launch(binary());
  }

  @Override
  public void close() throws InterruptedException {
    stop();
  }
}
