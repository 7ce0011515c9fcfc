package io.github.jchannels.redis;

import static org.assertj.core.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.assertj.core.api.Assumptions;
import org.jspecify.annotations.Nullable;

/**
 * A real redis-server for tests, on a free loopback port, without persistence
 * ({@code --save "" --appendonly no}), stopped by its PID. Missing binary: the test is skipped
 * with a message, or fails under {@code CI=true}.
 */
final class RedisProcess implements AutoCloseable {
  private final int port;
  private final List<String> extraArgs;
  private @Nullable Process process;

  private RedisProcess(int port, List<String> extraArgs) {
    this.port = port;
    this.extraArgs = extraArgs;
  }

  /** Starts a Redis on a free port. */
  static RedisProcess start() throws IOException, InterruptedException {
    return start(port -> List.of());
  }

  /**
   * Starts a Redis on a free port with more arguments, computed from the port (a cluster node
   * names its config file after it).
   */
  static RedisProcess start(Function<Integer, List<String>> extraArgs)
      throws IOException, InterruptedException {
    String binary = binary();
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    RedisProcess r = new RedisProcess(port, List.copyOf(extraArgs.apply(port)));
    r.launch(binary);
    return r;
  }

  /** The redis-server binary on the PATH; skips the test (fails under CI=true) without it. */
  static String binary() {
    String path = System.getenv().getOrDefault("PATH", "/usr/bin");
    for (String dir : path.split(File.pathSeparator, -1)) {
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
    List<String> command = new ArrayList<>(List.of(binary, "--port", Integer.toString(port),
        "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--loglevel", "notice"));
    command.addAll(extraArgs);
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
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

  /** Stops the process; an interrupt while waiting for it is kept for the caller to see. */
  @Override
  public void close() {
    try {
      stop();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
