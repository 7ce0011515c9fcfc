package io.github.jchannels.benchmarks.load;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Idle cost per connection: starts each server in its own JVM ({@link IdleServer}), measures
 * heap after GC, RSS and threads with no connections, then with 1,000, 5,000 and 10,000 idle
 * connections (held by one {@link LoadClient} thread here; for channels each is subscribed to
 * one channel), and reports the per-connection increase and the channels/bare ratio.
 *
 * <pre>
 * ulimit -n 20000; java -cp benchmarks/target/benchmarks.jar \
 *     io.github.jchannels.benchmarks.load.IdleCost --n 1000,5000,10000
 * (options: --targets bare,channels; --histogram LINES prints the server's class histogram at
 * the largest count; --server-classes DIR_OR_JAR runs another channels-server build)
 * </pre>
 */
public final class IdleCost {
  /** One measurement of one server at one connection count. */
  public record Row(String target, int connections, int receivers, long heap, long rssKb,
      int threads, double heapPerConn, double rssPerConn, double threadsPerConn) {}

  private final PrintStream out;
  private final List<String> childJvmArgs;
  /** Lines of {@code jcmd GC.class_histogram} to print at the largest count (0: none). */
  private int histogramLines;
  /** Another channels-server build (classes dir or jar) put first on the server's class path. */
  private @Nullable String serverClasses;

  /** Prints to {@code out}; {@code childJvmArgs} go to each server JVM. */
  public IdleCost(PrintStream out, List<String> childJvmArgs) {
    this.out = out;
    this.childJvmArgs = childJvmArgs;
  }

  /** {@code --n 1000,5000,10000 --targets bare,channels --child-jvm-args "-Xmx1g"}. */
  public static void main(String[] args) throws Exception {
    List<Integer> ns = List.of(1000, 5000, 10_000);
    List<String> targets = List.of("bare", "channels");
    // a fixed, pre-touched heap: RSS then grows only by what a connection costs outside the heap
    List<String> jvm = List.of("-Xms512m", "-Xmx512m", "-XX:+AlwaysPreTouch");
    int histogram = 0;
    String serverClasses = null;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--n" -> {
          List<Integer> l = new ArrayList<>();
          for (String s : args[i + 1].split(",", -1)) {
            l.add(Integer.parseInt(s.trim().replace("_", "")));
          }
          ns = l;
        }
        case "--targets" -> targets = List.of(args[i + 1].split(",", -1));
        case "--child-jvm-args" -> jvm = List.of(args[i + 1].trim().split("\\s+", -1));
        case "--histogram" -> histogram = Integer.parseInt(args[i + 1]);
        case "--server-classes" -> serverClasses = args[i + 1];
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    IdleCost c = new IdleCost(System.out, jvm);
    c.histogramLines = histogram;
    c.serverClasses = serverClasses;
    Map<String, List<Row>> rows = new LinkedHashMap<>();
    for (String t : targets) {
      int eq = t.indexOf('=');
      rows.put(eq > 0 ? t.substring(0, eq) : t, c.measure(t, ns));
    }
    c.printSummary(rows);
  }

  /** Measures {@code target} at each connection count (ascending). */
  public List<Row> measure(String target, List<Integer> counts) throws Exception {
    String javaCmd = ProcessHandle.current().info().command().orElse("java");
    String cp = System.getProperty("surefire.test.class.path",
        System.getProperty("java.class.path"));
    List<String> cmd = new ArrayList<>();
    cmd.add(javaCmd);
    cmd.addAll(childJvmArgs);
    cmd.add("-cp");
    cmd.add(serverClasses == null ? cp : serverClasses + File.pathSeparator + cp);
    cmd.add(IdleServer.class.getName());
    cmd.add(target);
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    List<Row> rows = new ArrayList<>();
    try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(),
        StandardCharsets.UTF_8));
        Writer w = new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8)) {
      String first = in.readLine();
      if (first == null || !first.startsWith("PORT ")) {
        throw new IOException("server did not start: " + first);
      }
      String[] f = first.split(" ", -1);
      int port = Integer.parseInt(f[1]);
      String path = f[3];
      long[] base = ask(in, w, p);
      long baseRss = rssKb(p.pid());
      try (LoadClient client = new LoadClient("idle-client",
          new InetSocketAddress(InetAddress.getLoopbackAddress(), port), path,
          target.endsWith("bare") ? LoadClient.Protocol.BARE : LoadClient.Protocol.CHANNELS)) {
        int have = 0;
        for (int n : counts) {
          int got = client.connect(n - have, Duration.ofMinutes(2));
          have = n;
          long[] m = ask(in, w, p);
          long rss = rssKb(p.pid());
          Row r = new Row(target, got, (int) m[2], m[0], rss, (int) m[1],
              (double) (m[0] - base[0]) / got, (rss - baseRss) * 1024.0 / got,
              (double) (m[1] - base[1]) / got);
          rows.add(r);
          if (histogramLines > 0 && n == counts.get(counts.size() - 1)) {
            printHistogram(javaCmd, p.pid());
          }
          out.printf(Locale.ROOT, "%-8s %,6d connections (server sees %,d): heap %,.0f KB"
                  + " (+%,.0f B/conn), RSS %,d KB (+%,.0f B/conn), threads %d (+%.4f/conn)%s%n",
              target, got, r.receivers(), r.heap() / 1024.0, r.heapPerConn(), rss,
              r.rssPerConn(), r.threads(), r.threadsPerConn(),
              got < n ? " [only " + got + " of " + n + " connected: " + client.lastError() + "]"
                  : "");
        }
      }
      w.write("QUIT\n");
      w.flush();
    } finally {
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
    return rows;
  }

  /** The top of the server's class histogram (live objects): what a connection is made of. */
  private void printHistogram(String javaCmd, long pid) throws IOException, InterruptedException {
    Path jcmd = Path.of(javaCmd).resolveSibling("jcmd");
    Process h = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.class_histogram")
        .redirectErrorStream(true).start();
    List<String> lines = new String(h.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
        .lines().toList();
    h.waitFor(30, TimeUnit.SECONDS);
    lines.stream().limit(histogramLines + 3L).forEach(out::println);
  }

  private static long[] ask(BufferedReader in, Writer w, Process p) throws IOException {
    w.write("MEASURE\n");
    w.flush();
    String line = in.readLine();
    if (line == null || !line.startsWith("HEAP ")) {
      throw new IOException("unexpected answer from server " + p.pid() + ": " + line);
    }
    String[] f = line.split(" ", -1);
    return new long[] {Long.parseLong(f[1]), Long.parseLong(f[3]), Long.parseLong(f[5])};
  }

  /** VmRSS of a process, in KB (0 where /proc is not available). */
  static long rssKb(long pid) {
    try {
      for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (l.startsWith("VmRSS:")) {
          return Long.parseLong(l.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | NumberFormatException e) {
      return 0;
    }
    return 0;
  }

  /** Prints the per-connection table: every target against the first one (the baseline). */
  public void printSummary(Map<String, List<Row>> rows) {
    List<String> names = new ArrayList<>(rows.keySet());
    if (names.isEmpty()) {
      return;
    }
    String baseName = names.get(0);
    List<Row> bare = Objects.requireNonNull(rows.get(baseName), baseName);
    out.println();
    out.println("| connections | target | " + baseName + " heap B/conn | target heap B/conn |"
        + " heap ratio (<= 2.0) | " + baseName + " RSS B/conn | target RSS B/conn | threads/conn "
        + baseName + " / target | total threads " + baseName + " / target |");
    out.println("|---|---|---|---|---|---|---|---|---|");
    for (String name : names.subList(1, names.size())) {
      List<Row> ch = Objects.requireNonNull(rows.get(name), name);
      for (int i = 0; i < Math.min(bare.size(), ch.size()); i++) {
        Row b = bare.get(i);
        Row c = ch.get(i);
        out.printf(Locale.ROOT, "| %,d | %s | %,.0f | %,.0f | %.2f | %,.0f | %,.0f | %.4f / %.4f"
                + " | %d / %d |%n", c.connections(), name, b.heapPerConn(), c.heapPerConn(),
            c.heapPerConn() / b.heapPerConn(), b.rssPerConn(), c.rssPerConn(),
            b.threadsPerConn(), c.threadsPerConn(), b.threads(), c.threads());
      }
    }
  }
}
