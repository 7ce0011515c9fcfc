package io.github.jchannels.benchmarks.load;

import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import org.jspecify.annotations.Nullable;

/**
 * The fan-out load harness: for each subscriber count N and each target (the bare
 * Java-WebSocket server, then the channels server, in one process and one invocation), it
 * connects N loopback subscribers held by {@link LoadClient} (one thread for all of them),
 * then runs
 * <ol>
 *   <li>a closed-loop phase: the publisher broadcasts as fast as the deliveries come back,
 *       never more than {@code window} deliveries outstanding, so throughput is measured
 *       without queues just filling up;</li>
 *   <li>an open-loop phase: broadcasts at a fixed delivery rate, latency measured from the
 *       intended send time to the receive time, on the one clock of this process.</li>
 * </ol>
 * It reports deliveries/s, latency percentiles, lost and out-of-order deliveries, serialisations
 * per broadcast, server-side and load-side CPU and allocation, and the channels/bare ratios.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.github.jchannels.benchmarks.load.LoadHarness \
 *     --n 100,1000,5000 --closed-seconds 10 --open-seconds 10 --rate 20000
 * </pre>
 */
public final class LoadHarness {
  /** Settings; see {@link #usage()}. */
  public record Options(List<Integer> subscribers, List<String> targets, double warmupSeconds,
      double closedSeconds, double openSeconds, int rate, int window, int clientThreads,
      int rounds) {

    /** Defaults for a full run. */
    public static Options defaults() {
      return new Options(List.of(100, 1000, 5000), List.of("bare", "channels"), 3, 10, 10,
          20_000, 10_000, 1, 1);
    }

    static Options parse(String[] args) {
      Options o = defaults();
      for (int i = 0; i < args.length; i += 2) {
        String v = i + 1 < args.length ? args[i + 1] : "";
        o = switch (args[i]) {
          case "--n" -> o.with(ints(v), null, -1, -1, -1, -1, -1, -1, -1);
          case "--targets" ->
              o.with(null, List.of(v.split(",", -1)), -1, -1, -1, -1, -1, -1, -1);
          case "--warmup-seconds" -> o.with(null, null, Double.parseDouble(v), -1, -1, -1, -1,
              -1, -1);
          case "--closed-seconds" -> o.with(null, null, -1, Double.parseDouble(v), -1, -1, -1,
              -1, -1);
          case "--open-seconds" -> o.with(null, null, -1, -1, Double.parseDouble(v), -1, -1,
              -1, -1);
          case "--rate" -> o.with(null, null, -1, -1, -1, Integer.parseInt(v), -1, -1, -1);
          case "--window" -> o.with(null, null, -1, -1, -1, -1, Integer.parseInt(v), -1, -1);
          case "--client-threads" -> o.with(null, null, -1, -1, -1, -1, -1, Integer.parseInt(
              v), -1);
          case "--rounds" -> o.with(null, null, -1, -1, -1, -1, -1, -1, Integer.parseInt(v));
          default -> throw new IllegalArgumentException("unknown option " + args[i] + "\n" + usage(
              ));
        };
      }
      return o;
    }

    /** A copy with the given values; null or a negative number keeps this one's. */
    private Options with(@Nullable List<Integer> n, @Nullable List<String> t, double w, double c,
        double op, int r, int win, int ct, int rounds) {
      return new Options(n != null ? n : subscribers, t != null ? t : targets,
          w >= 0 ? w : warmupSeconds, c >= 0 ? c : closedSeconds, op >= 0 ? op : openSeconds,
          r > 0 ? r : rate, win > 0 ? win : window, ct > 0 ? ct : clientThreads,
          rounds > 0 ? rounds : this.rounds);
    }

    private static List<Integer> ints(String csv) {
      List<Integer> out = new ArrayList<>();
      for (String s : csv.split(",", -1)) {
        out.add(Integer.parseInt(s.trim().replace("_", "")));
      }
      return out;
    }
  }

  /** What one run of one target at one N measured. */
  public record Result(String target, int subscribers, int connected, double deliveriesPerSec,
      long closedBroadcasts, double openRate, long latencySamples, long p50Nanos, long p99Nanos,
      long p999Nanos, long maxNanos, long lost, long outOfOrder, long gaps, long broadcasts,
      long serialisations, double serverCores, double clientCores, double serverCpuPerDelivery,
      double serverAllocPerDelivery, long heapAfterGc, int closedConnections,
      Map<String, Double> coresByThreadGroup, double writeSyscallsPerDelivery,
      double readSyscallsPerDelivery, String note, int nodes, long otherSerialisations) {

    /** Serialisations per broadcast on the publishing node (1.0 is the target). */
    public double serialisationsPerBroadcast() {
      return broadcasts == 0 ? 0 : (double) serialisations / broadcasts;
    }

    /** Serialisations per broadcast on the other nodes (0 is the target). */
    public double otherSerialisationsPerBroadcast() {
      return broadcasts == 0 ? 0 : (double) otherSerialisations / broadcasts;
    }
  }

  private final Options options;
  private final PrintStream out;

  /** A harness with these options, printing to {@code out}. */
  public LoadHarness(Options options, PrintStream out) {
    this.options = options;
    this.out = out;
  }

  /** Runs the harness; see the class comment. */
  public static void main(String[] args) throws Exception {
    if (args.length > 0 && (args[0].equals("-h") || args[0].equals("--help"))) {
      System.out.println(usage());
      return;
    }
    Options o = Options.parse(args);
    LoadHarness h = new LoadHarness(o, System.out);
    List<Result> results = h.run();
    h.printSummary(results);
  }

  static String usage() {
    return """
        LoadHarness options (defaults in brackets):
          --n 100,1000,5000        subscriber counts
          --targets bare,channels  servers to run, in this order: bare (Java-WebSocket alone),
                                   channels (default transport), jakarta (channels-jakarta in
                                   embedded Jetty 12), redis2 (two channels nodes sharing a
                                   RedisBroker, subscribers split; REDIS_URI or a redis-server
                                   started on a free port); channels@DIR_OR_JAR loads
                                   another channels-server build beside it (A/B in one run);
                                   LABEL=TARGET reports TARGET under LABEL
          --warmup-seconds 3       closed-loop warm-up per run (not measured)
          --closed-seconds 10      closed-loop (max throughput) phase
          --open-seconds 10        open-loop (fixed rate) phase
          --rate 20000             open-loop deliveries per second
          --window 10000           closed-loop bound on outstanding deliveries
          --client-threads 1       load-client threads (each holds N/threads connections)
          --rounds 1               repeat; round 2 runs the targets in reverse order (ABBA)
        """;
  }

  /** Runs every N and target; returns the results in run order. */
  public List<Result> run() throws Exception {
    out.printf(Locale.ROOT, "# LoadHarness %s%n# java %s, %d cpus, max heap %d MB%n", options,
        Runtime.version(), Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().maxMemory() >> 20);
    List<Result> results = new ArrayList<>();
    for (int n : options.subscribers()) {
      for (int round = 0; round < options.rounds(); round++) {
        List<String> order = new ArrayList<>(options.targets());
        if (round % 2 == 1) {
          Collections.reverse(order);
        }
        for (String t : order) {
          Result r = runOne(t, n);
          results.add(r);
          printResult(r);
        }
      }
    }
    return results;
  }

  static Supplier<Target> factory(String name) {
    int eq = name.indexOf('=');
    if (eq > 0) {
      String label = name.substring(0, eq);
      Supplier<Target> inner = factory(name.substring(eq + 1));
      return () -> new Renamed(inner.get(), label);
    }
    if (name.startsWith("channels@")) {
      String location = name.substring("channels@".length());
      return () -> new Renamed(VariantLoader.channels(location), name);
    }
    return switch (name) {
      case "bare" -> () -> new BareServer().start();
      case "channels" -> ChannelsTarget::new;
      case "jakarta" -> JakartaJettyTarget::new;
      case "redis2" -> RedisPairTarget::new;
      default -> throw new IllegalArgumentException("unknown target " + name);
    };
  }

  /** A target reported under another name (a variant build). */
  private record Renamed(Target target, String name) implements Target {
    @Override
    public LoadClient.Protocol protocol() {
      return target.protocol();
    }

    @Override
    public String path() {
      return target.path();
    }

    @Override
    public int port() {
      return target.port();
    }

    @Override
    public List<Integer> ports() {
      return target.ports();
    }

    @Override
    public long otherSerialisations() {
      return target.otherSerialisations();
    }

    @Override
    public int receivers() {
      return target.receivers();
    }

    @Override
    public void broadcast(long seq, long sentNanos) {
      target.broadcast(seq, sentNanos);
    }

    @Override
    public long serialisations() {
      return target.serialisations();
    }

    @Override
    public void close() {
      target.close();
    }
  }

  /** One target at one N: connect, warm up, closed loop, open loop, drain, close. */
  public Result runOne(String targetName, int n) throws Exception {
    Probe.heapAfterGc();
    try (Target target = factory(targetName).get()) {
      List<Integer> ports = target.ports();
      // at least one client thread per node: the subscribers are split across the nodes
      int threads = Math.max(ports.size(), Math.min(options.clientThreads(), n));
      List<LoadClient> clients = new ArrayList<>();
      Set<Long> clientThreads = new HashSet<>();
      try {
        for (int i = 0; i < threads; i++) {
          InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(),
              ports.get(i % ports.size()));
          LoadClient c = new LoadClient("bench-client-" + i, address, target.path(),
              target.protocol());
          clients.add(c);
          clientThreads.add(c.threadId());
        }
        int connected = 0;
        for (int i = 0; i < threads; i++) {
          int share = n / threads + (i < n % threads ? 1 : 0);
          connected += clients.get(i).connect(share, Duration.ofSeconds(60));
        }
        long waitUntil = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (target.receivers() < connected && System.nanoTime() < waitUntil) {
          Thread.sleep(5);
        }
        int receivers = target.receivers();
        if (connected < n || receivers != connected) {
          String why = clients.get(0).lastError();
          return failed(target.name(), n, connected, "connected " + connected + "/" + n
              + ", server sees " + receivers + (why.isEmpty() ? "" : ": " + why));
        }
        return measure(target, n, clients, new Probe(clientThreads), ports.size());
      } finally {
        for (LoadClient c : clients) {
          c.close();
        }
        // let the server see every connection go before it stops: a Java-WebSocket server
        // stopped with connections still open leaves their sockets (and file descriptors) open
        long until = System.nanoTime() + (Boolean.getBoolean("bench.closeServerAtOnce") ? 0
            : Duration.ofSeconds(20).toNanos());
        while (target.receivers() > 0 && System.nanoTime() < until) {
          Thread.sleep(10);
        }
      }
    }
  }

  private Result failed(String target, int n, int connected, String note) {
    return new Result(target, n, connected, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, Map.of(), 0, 0, note, 1, 0);
  }

  private long delivered(List<LoadClient> clients) {
    long d = 0;
    for (LoadClient c : clients) {
      d += c.delivered();
    }
    return d;
  }

  private int closedConnections(List<LoadClient> clients) {
    int d = 0;
    for (LoadClient c : clients) {
      d += c.closed();
    }
    return d;
  }

  private Result measure(Target target, int n, List<LoadClient> clients, Probe probe,
      int nodes) throws Exception {
    long seq = 0;
    long windowDeliveries = Math.max(options.window(), n);
    String note = "";

    // warm-up (closed loop, not measured)
    seq = closedLoop(target, n, clients, seq, options.warmupSeconds(), windowDeliveries);
    if (!drain(clients, seq * n, Duration.ofSeconds(10))) {
      note = "warm-up did not drain; ";
    }

    // closed loop
    long ser0 = target.serialisations();
    long other0 = target.otherSerialisations();
    long seq0 = seq;
    long d0 = delivered(clients);
    Probe.Snapshot s0 = probe.take();
    seq = closedLoop(target, n, clients, seq, options.closedSeconds(), windowDeliveries);
    Probe.Snapshot s1 = probe.take();
    long d1 = delivered(clients);
    double wall = (s1.wallNanos() - s0.wallNanos()) / 1e9;
    double rate = (d1 - d0) / wall;
    long closedBroadcasts = seq - seq0;
    if (!drain(clients, seq * n, Duration.ofSeconds(10))) {
      note += "closed loop did not drain; ";
    }
    long serverCpu = (s1.processCpu() - s0.processCpu()) - (s1.clientCpu() - s0.clientCpu());
    double serverCores = serverCpu / 1e9 / wall;
    double clientCores = (s1.clientCpu() - s0.clientCpu()) / 1e9 / wall;
    double cpuPerDelivery = d1 > d0 ? (double) serverCpu / (d1 - d0) : 0;
    double allocPerDelivery = d1 > d0 ? (double) probe.serverAllocBetween(s0, s1) / (d1 - d0) : 0;
    Map<String, Double> cores = new LinkedHashMap<>();
    Probe.cpuByGroup(s0, s1).forEach((k, v) -> cores.put(k, v / wall));

    // open loop at a fixed delivery rate
    long periodNanos = (long) (1e9 * n / options.rate());
    long count = Math.max(2, (long) (options.openSeconds() * 1e9 / periodNanos));
    long skip = Math.max(1, count / 10);
    long openStartSeq = seq;
    for (LoadClient c : clients) {
      c.takeHistogram(); // clear
      c.recordWindow(openStartSeq + skip, openStartSeq + count);
    }
    long od0 = delivered(clients);
    long t0 = Payload.nanoTime() + 1_000_000;
    long lastSend = t0;
    for (long k = 0; k < count; k++) {
      long intended = t0 + k * periodNanos;
      long wait;
      while ((wait = intended - Payload.nanoTime()) > 0) {
        LockSupport.parkNanos(wait);
      }
      target.broadcast(seq++, intended);
      lastSend = intended;
    }
    if (!drain(clients, seq * n, Duration.ofSeconds(10))) {
      note += "open loop did not drain; ";
    }
    double openWall = Math.max(1e-9, (lastSend + periodNanos - t0) / 1e9);
    double openRate = (delivered(clients) - od0) / openWall;
    Histogram h = new Histogram();
    for (LoadClient c : clients) {
      c.recordWindow(Long.MAX_VALUE, Long.MAX_VALUE);
      h.add(c.takeHistogram());
    }
    long ser1 = target.serialisations();
    long other1 = target.otherSerialisations();
    long expected = seq * n;
    long got = delivered(clients);
    long outOfOrder = 0;
    long gaps = 0;
    for (LoadClient c : clients) {
      outOfOrder += c.outOfOrder();
      gaps += c.gaps();
    }
    long heap = Probe.heapAfterGc();
    return new Result(target.name(), n, n, rate, closedBroadcasts, openRate, h.count(),
        h.percentile(50), h.percentile(99), h.percentile(99.9), h.max(),
        Math.max(0, expected - got), outOfOrder, gaps, seq - seq0, ser1 - ser0, serverCores,
        clientCores, cpuPerDelivery, allocPerDelivery, heap, closedConnections(clients),
        cores, d1 > d0 ? (double) (s1.writeSyscalls() - s0.writeSyscalls()) / (d1 - d0) : 0,
        d1 > d0 ? (double) (s1.readSyscalls() - s0.readSyscalls()) / (d1 - d0) : 0,
        note.isEmpty() ? "" : note.trim(), nodes, other1 - other0);
  }

  /** Broadcasts as fast as the window allows for {@code seconds}; returns the next seq. */
  private long closedLoop(Target target, int n, List<LoadClient> clients, long seq,
      double seconds, long windowDeliveries) {
    long end = System.nanoTime() + (long) (seconds * 1e9);
    long stalledSince = 0;
    while (true) {
      long now = System.nanoTime();
      if (now >= end) {
        return seq;
      }
      long outstanding = seq * n - delivered(clients);
      if (outstanding + n > windowDeliveries) {
        if (stalledSince == 0) {
          stalledSince = now;
        } else if (now - stalledSince > 5_000_000_000L) {
          return seq; // deliveries stopped (connections closed?): give up, drain reports it
        }
        LockSupport.parkNanos(20_000);
        continue;
      }
      stalledSince = 0;
      target.broadcast(seq++, Payload.nanoTime());
    }
  }

  /** Waits until {@code expected} deliveries arrived or none arrived for {@code quiet}. */
  private boolean drain(List<LoadClient> clients, long expected, Duration quiet)
      throws InterruptedException {
    long last = delivered(clients);
    long lastChange = System.nanoTime();
    while (true) {
      long d = delivered(clients);
      if (d >= expected) {
        return true;
      }
      if (d != last) {
        last = d;
        lastChange = System.nanoTime();
      } else if (System.nanoTime() - lastChange > quiet.toNanos()) {
        return false;
      }
      Thread.sleep(2);
    }
  }

  // ------------------------------------------------------------------ output

  private void printResult(Result r) {
    out.printf(Locale.ROOT, "%-8s N=%-5d %s%n", r.target(), r.subscribers(), describe(r));
  }

  static String describe(Result r) {
    if (r.deliveriesPerSec() == 0 && !r.note().isEmpty()) {
      return "FAILED: " + r.note();
    }
    return String.format(Locale.ROOT,
        "closed %,.0f deliveries/s (%d broadcasts) | open %,.0f/s p50 %s p99 %s p99.9 %s max %s"
            + " (%d samples) | lost %d out-of-order %d gaps %d closed %d | serialisations/broadcast"
            + " %.3f%s | server %.2f cores %.0f ns/delivery %.0f B/delivery | client %.2f cores"
            + " | write/read syscalls per delivery %.3f/%.3f | heap after GC %d MB"
            + " | cores by thread %s%s",
        r.deliveriesPerSec(), r.closedBroadcasts(), r.openRate(), ms(r.p50Nanos()),
        ms(r.p99Nanos()), ms(r.p999Nanos()), ms(r.maxNanos()), r.latencySamples(), r.lost(),
        r.outOfOrder(), r.gaps(), r.closedConnections(), r.serialisationsPerBroadcast(),
        r.nodes() > 1 ? String.format(Locale.ROOT, " (publishing node; other nodes %.3f)",
            r.otherSerialisationsPerBroadcast()) : "",
        r.serverCores(), r.serverCpuPerDelivery(), r.serverAllocPerDelivery(), r.clientCores(),
        r.writeSyscallsPerDelivery(), r.readSyscallsPerDelivery(), r.heapAfterGc() >> 20,
        cores(r.coresByThreadGroup()),
        r.note().isEmpty() ? "" : " | " + r.note());
  }

  private static String cores(Map<String, Double> m) {
    StringBuilder b = new StringBuilder();
    m.forEach((k, v) -> b.append(b.length() == 0 ? "" : " ").append(k).append('=')
        .append(String.format(Locale.ROOT, "%.2f", v)));
    return b.toString();
  }

  static String ms(long nanos) {
    return String.format(Locale.ROOT, "%.2fms", nanos / 1e6);
  }

  /**
   * Prints, per N, each target against the first one of {@code --targets} (the baseline, normally
   * {@code bare}): medians over rounds when there are several.
   */
  public void printSummary(List<Result> results) {
    String first = options.targets().get(0);
    String base = first.indexOf('=') > 0 ? first.substring(0, first.indexOf('=')) : first;
    Map<Integer, Map<String, List<Result>>> byN = new LinkedHashMap<>();
    for (Result r : results) {
      if (r.deliveriesPerSec() == 0) {
        continue; // a run that failed (its line says why) is not part of the medians
      }
      byN.computeIfAbsent(r.subscribers(), k -> new LinkedHashMap<>())
          .computeIfAbsent(r.target(), k -> new ArrayList<>()).add(r);
    }
    out.println();
    out.println("| N | target | " + base + " deliveries/s | target deliveries/s | ratio (>= 1.0) | "
        + base + " p99 @" + options.rate() + "/s | target p99 | p99 ratio (<= 1.2) | target p50 /"
        + " max | lost | out-of-order | serialisations/broadcast | server cores " + base
        + " / target | server CPU ns/delivery " + base + " / target | server B/delivery " + base
        + " / target | write syscalls/delivery " + base + " / target | client cores " + base
        + " / target | runs |");
    out.println("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (Map.Entry<Integer, Map<String, List<Result>>> e : byN.entrySet()) {
      List<Result> bare = e.getValue().getOrDefault(base, List.of());
      for (Map.Entry<String, List<Result>> t : e.getValue().entrySet()) {
        List<Result> ch = t.getValue();
        if (t.getKey().equals(base) || bare.isEmpty() || ch.isEmpty()) {
          continue;
        }
        double bt = median(bare, Result::deliveriesPerSec);
        double ct = median(ch, Result::deliveriesPerSec);
        double bp = median(bare, r -> r.p99Nanos());
        double cp = median(ch, r -> r.p99Nanos());
        long lost = 0;
        long ooo = 0;
        for (Result r : ch) {
          lost += r.lost();
          ooo += r.outOfOrder();
        }
        for (Result r : bare) {
          lost += r.lost();
          ooo += r.outOfOrder();
        }
        out.printf(Locale.ROOT,
            "| %d | %s | %,.0f | %,.0f | %.2f | %s | %s | %.2f | %s / %s | %d | %d | %.3f"
                + " | %.2f / %.2f | %,.0f / %,.0f | %.0f / %.0f | %.2f / %.2f | %.2f / %.2f"
                + " | %d+%d |%n",
            e.getKey(), t.getKey(), bt, ct, ct / bt, ms((long) bp), ms((long) cp), cp / bp,
            ms((long) median(ch, r -> r.p50Nanos())), ms((long) median(ch, r -> r.maxNanos())),
            lost, ooo, median(ch, Result::serialisationsPerBroadcast),
            median(bare, Result::serverCores), median(ch, Result::serverCores),
            median(bare, Result::serverCpuPerDelivery), median(ch, Result::serverCpuPerDelivery),
            median(bare, Result::serverAllocPerDelivery),
            median(ch, Result::serverAllocPerDelivery),
            median(bare, Result::writeSyscallsPerDelivery),
            median(ch, Result::writeSyscallsPerDelivery),
            median(bare, Result::clientCores), median(ch, Result::clientCores), bare.size(),
            ch.size());
      }
    }
  }

  private static double median(List<Result> rs, ToDoubleFunction<Result> f) {
    double[] v = rs.stream().mapToDouble(f).sorted().toArray();
    if (v.length == 0) {
      return 0;
    }
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }
}
