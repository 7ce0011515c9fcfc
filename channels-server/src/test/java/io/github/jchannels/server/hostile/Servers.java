package io.github.jchannels.server.hostile;

import io.github.jchannels.server.ChannelServer;
import io.github.jchannels.server.ServerLimits;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.function.UnaryOperator;

/** Starting servers on loopback port 0, and measuring the heap, for the hostile tests. */
final class Servers {
  /** Long attack runs (full scale, as in issue 12) only with {@code -Dhostile.long=true}. */
  static final boolean LONG = Boolean.getBoolean("hostile.long");

  private Servers() {
  }

  /** A started server on 127.0.0.1:0 with {@code limits}. */
  static ChannelServer start(ServerLimits limits) {
    return start(b -> b.limits(limits));
  }

  /** A started server on 127.0.0.1:0, configured further by {@code configure}. */
  static ChannelServer start(UnaryOperator<ChannelServer.Builder> configure) {
    return configure.apply(ChannelServer.builder().host("127.0.0.1").port(0)).build().start();
  }

  /**
   * Heap used after full collections (three, so that finalisation and reference processing
   * have settled): the server shares this JVM with the test, which holds little.
   */
  static long heapAfterGc() {
    MemoryMXBean m = ManagementFactory.getMemoryMXBean();
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      System.gc();
      used = Math.min(used, m.getHeapMemoryUsage().getUsed());
    }
    return used;
  }

  /**
   * How long a legitimate client may take, from TCP connect to its pong, during an attack: 5 s
   * by default, so that a loaded build machine does not fail the test; issue 12's target of
   * 1 s is checked with {@code -Dhostile.legitMillis=1000} (see docs/testing.md).
   */
  static final Duration LEGIT_WITHIN = Duration.ofMillis(Long.getLong("hostile.legitMillis",
      5000));

  /**
   * A well-behaved client connects, gets {@code connected}, and its pong, all within
   * {@link #LEGIT_WITHIN}.
   */
  static void assertLegitimateClientServed(int port) {
    long start = System.nanoTime();
    try (Attacker legit = Attacker.open(port)) {
      Duration left = LEGIT_WITHIN.minusNanos(System.nanoTime() - start);
      if (left.isNegative()) {
        throw new AssertionError("connected only after " + LEGIT_WITHIN);
      }
      legit.assertServed(left);
    }
  }

  static final long MIB = 1024 * 1024;
}
