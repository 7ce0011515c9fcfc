package io.github.jchannels.benchmarks.load;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A redis-server for the scale-out benchmarks: started on a free loopback port without
 * persistence ({@code --save "" --appendonly no}), stopped by its PID ({@link Process#destroy},
 * then {@link Process#destroyForcibly}). Or, with the environment variable {@code REDIS_URI}
 * set, that Redis, which is neither started nor stopped.
 */
final class RedisServer implements AutoCloseable {
  private final String uri;
  /** Null when the server is an outside one (REDIS_URI): it is not this object's to stop. */
  private final @Nullable Process process;

  private RedisServer(String uri, @Nullable Process process) {
    this.uri = uri;
    this.process = process;
  }

  /** {@code REDIS_URI}, or a new redis-server on a free port. */
  static RedisServer start() throws IOException, InterruptedException {
    String given = System.getenv("REDIS_URI");
    if (given != null && !given.isBlank()) {
      return new RedisServer(given, null);
    }
    String binary = null;
    String path = System.getenv().getOrDefault("PATH", "/usr/bin");
    for (String dir : path.split(File.pathSeparator, -1)) {
      File f = new File(dir, "redis-server");
      if (f.canExecute()) {
        binary = f.getPath();
        break;
      }
    }
    if (binary == null) {
      throw new IllegalStateException("redis-server is not on the PATH (or set REDIS_URI)");
    }
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Process p = new ProcessBuilder(List.of(binary, "--port", Integer.toString(port),
        "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--loglevel", "warning"))
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    RedisServer r = new RedisServer("redis://127.0.0.1:" + port, p);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (true) {
      if (!p.isAlive()) {
        throw new IllegalStateException("redis-server exited with " + p.exitValue());
      }
      try {
        // it accepts connections: it is up
        new Socket(InetAddress.getLoopbackAddress(), port).close();
        break;
      } catch (IOException notYet) {
        if (System.nanoTime() > deadline) {
          r.close();
          throw new IllegalStateException("redis-server did not listen on " + port);
        }
        Thread.sleep(20);
      }
    }
    return r;
  }

  /** {@code redis://127.0.0.1:PORT}. */
  String uri() {
    return uri;
  }

  /** The PID of the redis-server started here, or -1. */
  long pid() {
    return process == null ? -1 : process.pid();
  }

  @Override
  public void close() {
    if (process == null) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt(); // the caller's interruption stays visible to it
    }
  }
}
