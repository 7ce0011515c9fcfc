package io.github.jchannels.benchmarks.load;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;

/**
 * The server side of the idle-cost measurement, run as its own JVM by {@link IdleCost} so its
 * heap, RSS and threads are the server's alone. Prints {@code PORT <port> PATH <path>}, then
 * answers {@code MEASURE} on stdin with
 * {@code HEAP <bytes after GC> THREADS <live threads> RECEIVERS <n>}; {@code QUIT} stops it.
 */
public final class IdleServer {
  private IdleServer() {}

  /** {@code IdleServer bare|channels}. */
  public static void main(String[] args) throws Exception {
    try (Target target = LoadHarness.factory(args[0]).get()) {
      System.out.println("PORT " + target.port() + " PATH " + target.path());
      System.out.flush();
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in,
          StandardCharsets.UTF_8));
      String line;
      while ((line = in.readLine()) != null) {
        if (line.equals("MEASURE")) {
          long heap = Probe.heapAfterGc();
          int threads = ManagementFactory.getThreadMXBean().getThreadCount();
          System.out.println("HEAP " + heap + " THREADS " + threads + " RECEIVERS "
              + target.receivers());
          System.out.flush();
        } else if (line.equals("QUIT")) {
          break;
        }
      }
    }
    System.exit(0);
  }
}
