package io.github.jchannels.benchmarks.load;

import io.github.jchannels.core.Channels;
import io.github.jchannels.redis.RedisBroker;
import io.github.jchannels.server.ChannelServer;
import io.github.jchannels.server.broker.History;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Failover of a node with recovery (issue 14): node A runs in a child JVM
 * ({@link ScaleOutNode}), node B in this process, both on one Redis ({@link RedisServer}) with
 * the benchmark family's history. N subscribers ({@link LoadClient}, one thread) join the
 * benchmark channel on node A; node B publishes at a fixed rate throughout; node A is killed
 * ({@code SIGKILL}). Every connection then reconnects to node B and resubscribes with
 * {@code since} = the last (epoch, seq) it received ({@link LoadClient#failoverTo}).
 *
 * <p>Reports when the clients saw their connections drop (the kernel closes the killed JVM's
 * sockets), the time from the kill until every connection is resubscribed (and how many got
 * {@code recovered: true}), and until every connection has received every event published up to
 * then, so that it is live again with nothing missing; and the gaps, duplicates or reorderings
 * seen by the clients (0 expected).
 *
 * <pre>
 * benchmarks/bench failover --n 1000 --rate 20 --rounds 3
 * </pre>
 */
public final class ScaleOutBench {
  /**
   * The benchmark family's history here: 1,000 events for 5 minutes, so that the events missed
   * during a failover of several seconds at the default rate are all in it.
   */
  static final History HISTORY = History.of(1000, Duration.ofMinutes(5));

  /** What one failover measured. */
  public record Result(int subscribers, int droppedConnections, int resubscribed, int recovered,
      int notRecovered, int failoverFailed, long firstDropNanos, long lastDropNanos,
      long resubscribedNanos, long caughtUpNanos, long missedBroadcasts, long gaps,
      long outOfOrder, double rate, long failedPublishes, long spreadNanos) {}

  private final PrintStream out;

  /** Prints to {@code out}. */
  public ScaleOutBench(PrintStream out) {
    this.out = out;
  }

  static ChannelServer node(RedisBroker broker) {
    return ChannelServer.builder().host("127.0.0.1").port(0)
        .history(Channels.SESSION, HISTORY).broker(broker).build().start();
  }

  /**
   * {@code --n 1000 --rate 20 --rounds 1 --before-seconds 2 --reconnect-spread-ms 1000}: each
   * dropped client reconnects after a random delay in [spread/2, spread), like the Java client's
   * first reconnect delay (1 s, equal jitter); 0 reconnects all at once.
   */
  public static void main(String[] args) throws Exception {
    int n = 1000;
    int rate = 20;
    int rounds = 1;
    double before = 2;
    long spreadMs = 1000;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--n" -> n = Integer.parseInt(args[i + 1].replace("_", ""));
        case "--rate" -> rate = Integer.parseInt(args[i + 1]);
        case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
        case "--before-seconds" -> before = Double.parseDouble(args[i + 1]);
        case "--reconnect-spread-ms" -> spreadMs = Long.parseLong(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]
            + " (--n, --rate, --rounds, --before-seconds, --reconnect-spread-ms)");
      }
    }
    ScaleOutBench bench = new ScaleOutBench(System.out);
    for (int r = 0; r < rounds; r++) {
      bench.run(n, rate, before, Duration.ofMillis(spreadMs));
    }
  }

  /**
   * One failover: N subscribers on node A (a child JVM), node B publishing {@code rate}
   * broadcasts/s, node A killed after {@code beforeSeconds}.
   */
  public Result run(int n, int rate, double beforeSeconds, Duration spread) throws Exception {
    try (RedisServer redis = RedisServer.start()) {
      RedisBroker brokerB = RedisBroker.builder().uri(redis.uri()).nodeId("bench-b").build();
      ChannelServer b = node(brokerB);
      Process a = startChild(redis.uri());
      try (BufferedReader aOut = new BufferedReader(new InputStreamReader(a.getInputStream(),
          StandardCharsets.UTF_8));
          Writer aIn = new OutputStreamWriter(a.getOutputStream(), StandardCharsets.UTF_8);
          LoadClient clients = new LoadClient("failover-client", new InetSocketAddress(
              InetAddress.getLoopbackAddress(), port(aOut)), b.path(),
              LoadClient.Protocol.CHANNELS)) {
        clients.failoverTo(new InetSocketAddress(InetAddress.getLoopbackAddress(), b.port()),
            spread);
        int ready = clients.connect(n, Duration.ofMinutes(2));
        if (ready != n) {
          throw new IllegalStateException("only " + ready + " of " + n + " connected: "
              + clients.lastError());
        }
        // node A subscribes to the channel in Redis once its first subscriber joined; wait until
        // it says it has all of them (its broker subscription then exists)
        if (receivers(aIn, aOut, n) != n) {
          throw new IllegalStateException("node A does not see " + n + " subscribers");
        }
        AtomicLong seq = new AtomicLong();
        AtomicBoolean publishing = new AtomicBoolean(true);
        AtomicLong failedPublishes = new AtomicLong();
        Thread publisher = new Thread(() -> publish(b, rate, seq, publishing, failedPublishes),
            "failover-pub");
        publisher.start();
        try {
          waitFor(() -> clients.minExpected() >= 2 && clients.minExpected() != Long.MAX_VALUE,
              Duration.ofSeconds(30), "no event reached every subscriber on node A");
          LockSupport.parkNanos((long) (beforeSeconds * 1e9));

          long seqAtKill = seq.get();
          long killed = Payload.nanoTime();
          a.destroyForcibly();
          waitFor(() -> clients.resubscribed() + clients.failoverFailed() >= n,
              Duration.ofMinutes(2), "not every connection resubscribed");
          long resubscribed = clients.lastResubscribedNanos();
          long target = seq.get();
          waitFor(() -> clients.minExpected() >= target, Duration.ofMinutes(2),
              "not every connection caught up");
          long caughtUp = Payload.nanoTime();
          publishing.set(false);
          publisher.join();
          Result r = new Result(n, clients.dropped(), clients.resubscribed(),
              clients.recovered(), clients.notRecovered(), clients.failoverFailed(),
              clients.firstDroppedNanos() - killed, clients.lastDroppedNanos() - killed,
              resubscribed - killed, caughtUp - killed,
              Math.max(0, target - seqAtKill), clients.gaps(), clients.outOfOrder(), rate,
              failedPublishes.get(), spread.toNanos());
          print(r);
          return r;
        } finally {
          publishing.set(false);
          publisher.join();
        }
      } finally {
        a.destroyForcibly();
        a.waitFor(10, TimeUnit.SECONDS);
        b.close();
        brokerB.close();
      }
    }
  }

  private void print(Result r) {
    out.printf(Locale.ROOT, "failover N=%d: node A killed; %d connections dropped (first seen"
            + " after %s, last after %s), %d resubscribed on node B (recovered %d, not recovered"
            + " %d, failed %d) in %s;"
            + " every connection caught up (all %d broadcasts since the kill received) in %s |"
            + " gaps %d out-of-order/duplicates %d | publishing %d broadcasts/s (%d publishes"
            + " failed and were retried) | reconnect spread %s%n",
        r.subscribers(), r.droppedConnections(), LoadHarness.ms(r.firstDropNanos()),
        LoadHarness.ms(r.lastDropNanos()), r.resubscribed(), r.recovered(),
        r.notRecovered(), r.failoverFailed(), LoadHarness.ms(r.resubscribedNanos()),
        r.missedBroadcasts(), LoadHarness.ms(r.caughtUpNanos()), r.gaps(), r.outOfOrder(),
        (int) r.rate(), r.failedPublishes(), LoadHarness.ms(r.spreadNanos()));
  }

  private static void publish(ChannelServer node, int rate, AtomicLong seq,
      AtomicBoolean publishing, AtomicLong failed) {
    long period = (long) (1e9 / rate);
    long next = Payload.nanoTime();
    while (publishing.get()) {
      long wait = next - Payload.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
        continue;
      }
      long s = seq.get();
      try {
        node.broadcast(Payload.CHANNEL, Payload.event(s, Payload.nanoTime()));
        seq.set(s + 1);
      } catch (RuntimeException e) {
        failed.incrementAndGet(); // the same event again at the next tick: no hole in seq
      }
      next += period;
    }
  }

  private static Process startChild(String redisUri) throws IOException {
    String javaCmd = ProcessHandle.current().info().command().orElse("java");
    String cp = System.getProperty("surefire.test.class.path",
        System.getProperty("java.class.path"));
    List<String> cmd = new ArrayList<>(List.of(javaCmd, "-Xmx512m", "-cp", cp,
        ScaleOutNode.class.getName(), redisUri, "bench-a"));
    return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
  }

  private static int port(BufferedReader aOut) throws IOException {
    String first = aOut.readLine();
    if (first == null || !first.startsWith("PORT ")) {
      throw new IOException("node A did not start: " + first);
    }
    return Integer.parseInt(first.substring(5).trim());
  }

  private static int receivers(Writer aIn, BufferedReader aOut, int n) throws Exception {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    int got = -1;
    while (System.nanoTime() < until) {
      aIn.write("RECEIVERS\n");
      aIn.flush();
      String line = aOut.readLine();
      if (line == null || !line.startsWith("RECEIVERS ")) {
        throw new IOException("node A answered " + line);
      }
      got = Integer.parseInt(line.substring(10).trim());
      if (got >= n) {
        return got;
      }
      Thread.sleep(10);
    }
    return got;
  }

  @FunctionalInterface
  private interface Check {
    boolean ok() throws Exception;
  }

  private static void waitFor(Check check, Duration timeout, String what) throws Exception {
    long until = System.nanoTime() + timeout.toNanos();
    while (!check.ok()) {
      if (System.nanoTime() > until) {
        throw new IllegalStateException(what + " within " + timeout);
      }
      Thread.sleep(1);
    }
  }

}
