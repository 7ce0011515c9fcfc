package io.github.jchannels.benchmarks.load;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.pty4j.PtyProcess;
import com.pty4j.PtyProcessBuilder;
import io.github.jchannels.server.ChannelServer;
import io.github.jchannels.shell.ShellConfig;
import io.github.jchannels.shell.ShellEndpoint;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Principal;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The shell endpoint against the PTY itself, in one process:
 * <ul>
 *   <li>throughput: {@code cat} of a large file read straight from a pty4j PTY, then the same
 *       {@code cat} as the shell endpoint's program, read by a WebSocket client (the JDK's
 *       {@code java.net.http}) as {@code output} events until {@code exit};</li>
 *   <li>keystroke echo: the program is {@code cat} on a raw, non-echoing terminal, so each
 *       typed character is read and written back by the program (as a shell's line editor
 *       does); one keystroke at a time, the time from sending {@code input} to receiving its
 *       {@code output}.</li>
 * </ul>
 * Both run with the endpoint's default output coalescing (5 ms) and with coalescing off
 * ({@code ShellConfig.coalesce(0 ms, ...)}), to show what the delay costs.
 */
public final class ShellBench {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The results of one run. */
  public record Result(long bytes, double directBytesPerSec, double socketBytesPerSec,
      double socketNoCoalesceBytesPerSec, Histogram echoDefault, Histogram echoNoCoalesce) {}

  private final PrintStream out;

  /** Prints to {@code out}. */
  public ShellBench(PrintStream out) {
    this.out = out;
  }

  /** {@code --mb 64 --keystrokes 500 --rounds 3}. */
  public static void main(String[] args) throws Exception {
    int mb = 64;
    int keys = 300;
    int rounds = 3;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--mb" -> mb = Integer.parseInt(args[i + 1]);
        case "--keystrokes" -> keys = Integer.parseInt(args[i + 1]);
        case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    new ShellBench(System.out).run(mb, keys, rounds);
    System.exit(0);
  }

  /** Runs everything; {@code mb} MiB of text, {@code keys} keystrokes, best of {@code rounds}. */
  public Result run(int mb, int keys, int rounds) throws Exception {
    Path dir = Files.createTempDirectory("shellbench");
    Path file = dir.resolve("big.txt");
    long size = writeText(file, mb);
    try {
      double direct = 0;
      double socket = 0;
      double socketNoCoalesce = 0;
      long bytes = 0;
      for (int r = 0; r < rounds && mb > 0; r++) {
        long[] d = direct(file, dir);
        double dr = d[0] * 1e9 / d[1];
        long[] s = viaSocket(file, dir, true);
        double sr = s[0] * 1e9 / s[1];
        long[] z = viaSocket(file, dir, false);
        double zr = z[0] * 1e9 / z[1];
        out.printf(Locale.ROOT, "cat %,d bytes (file %,d): direct PTY %.1f MB/s | via socket %.1f"
                + " MB/s (%.2fx; this process %.2f cores, of which the client %.2f)"
                + " | via socket, no coalescing %.1f MB/s (%.2fx)%n", d[0], size,
            dr / 1e6, sr / 1e6, sr / dr, s[3] / (double) s[1], s[2] / (double) s[1], zr / 1e6,
            zr / dr);
        if (s[0] != d[0] || z[0] != d[0]) {
          out.printf(Locale.ROOT, "  note: byte counts differ (direct %d, socket %d / %d)%n",
              d[0], s[0], z[0]);
        }
        bytes = d[0];
        direct = Math.max(direct, dr);
        socket = Math.max(socket, sr);
        socketNoCoalesce = Math.max(socketNoCoalesce, zr);
      }
      Histogram echo = echo(dir, keys, true, out);
      Histogram echoZero = echo(dir, keys, false, out);
      out.printf(Locale.ROOT,
          "echo (default coalescing 5 ms): %d keystrokes p50 %s p99 %s max %s%n",
          echo.count(), LoadHarness.ms(echo.percentile(50)), LoadHarness.ms(echo.percentile(99)),
          LoadHarness.ms(echo.max()));
      out.printf(Locale.ROOT, "echo (coalescing off): %d keystrokes p50 %s p99 %s max %s%n",
          echoZero.count(), LoadHarness.ms(echoZero.percentile(50)),
          LoadHarness.ms(echoZero.percentile(99)), LoadHarness.ms(echoZero.max()));
      if (mb == 0) {
        return new Result(0, 0, 0, 0, echo, echoZero);
      }
      out.printf(Locale.ROOT, "%n| shell | direct PTY | via socket (default) | ratio (>= 0.9) |"
          + " via socket (coalesce 0) | ratio |%n|---|---|---|---|---|---|%n"
          + "| cat %d MiB, best of %d | %.1f MB/s | %.1f MB/s | %.2f | %.1f MB/s | %.2f |%n",
          mb, rounds, direct / 1e6, socket / 1e6, socket / direct, socketNoCoalesce / 1e6,
          socketNoCoalesce / direct);
      return new Result(bytes, direct, socket, socketNoCoalesce, echo, echoZero);
    } finally {
      Files.deleteIfExists(file);
      Files.deleteIfExists(dir);
    }
  }

  /**
   * Per thread ({@code /proc/self/task/<tid>}: its {@code comm}, the first 15 characters of the
   * Java thread name), nanoseconds on a CPU and waiting in a run queue, from {@code schedstat};
   * empty where that is not readable.
   */
  static Map<String, long[]> schedstat() {
    Map<String, long[]> byTask = new HashMap<>();
    try (var tasks = Files.list(Path.of("/proc/self/task"))) {
      for (Path t : (Iterable<Path>) tasks::iterator) {
        try {
          String[] f = Files.readString(t.resolve("schedstat")).trim().split(" ", -1);
          String comm = Files.readString(t.resolve("comm")).trim();
          byTask.put(t.getFileName() + " " + comm,
              new long[] {Long.parseLong(f[0]), Long.parseLong(f[1])});
        } catch (IOException | RuntimeException e) {
          // the thread ended
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux
    }
    return byTask;
  }

  /** Prints what the threads of this process did between two {@link #schedstat()} samples. */
  static void printSchedstat(PrintStream out, String what, int keys, Map<String, long[]> before,
      Map<String, long[]> after) {
    Map<String, long[]> byName = new HashMap<>();
    long run = 0;
    long wait = 0;
    for (Map.Entry<String, long[]> e : after.entrySet()) {
      long[] b = before.getOrDefault(e.getKey(), new long[2]);
      long r = e.getValue()[0] - b[0];
      long w = e.getValue()[1] - b[1];
      run += r;
      wait += w;
      // group numbered threads: "shell-123-outpu" -> "shell-N-outpu", "HttpClient-1-Wo" ...
      String name = e.getKey().substring(e.getKey().indexOf(' ') + 1).replaceAll("\\d+", "N");
      long[] g = byName.computeIfAbsent(name, k -> new long[2]);
      g[0] += r;
      g[1] += w;
    }
    out.printf(Locale.ROOT, "echo (%s), this process over %d keystrokes: on a CPU %.1f ms,"
        + " waiting for a CPU %.1f ms (%.3f / %.3f ms per keystroke); by thread (CPU / wait"
        + " ms per keystroke):", what, keys, run / 1e6, wait / 1e6, run / 1e6 / keys,
        wait / 1e6 / keys);
    byName.entrySet().stream()
        .sorted((a, b) -> Long.compare(b.getValue()[0] + b.getValue()[1],
            a.getValue()[0] + a.getValue()[1]))
        .limit(8)
        .forEach(e -> out.printf(Locale.ROOT, " %s %.3f/%.3f;", e.getKey(),
            e.getValue()[0] / 1e6 / keys, e.getValue()[1] / 1e6 / keys));
    out.println();
  }

  private static long writeText(Path file, int mb) throws IOException {
    StringBuilder line = new StringBuilder();
    for (int i = 0; i < 79; i++) {
      line.append((char) ('a' + i % 26));
    }
    byte[] l = (line + "\n").getBytes(StandardCharsets.US_ASCII);
    long target = (long) mb << 20;
    long written = 0;
    try (var os = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
      while (written < target) {
        os.write(l);
        written += l.length;
      }
    }
    return written;
  }

  private static Map<String, String> env() {
    Map<String, String> env = new HashMap<>();
    env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
    env.put("TERM", "xterm-256color");
    env.put("LANG", "C.UTF-8");
    return env;
  }

  /** Reads {@code cat file} from a PTY directly; returns {bytes, nanos}. */
  static long[] direct(Path file, Path dir) throws Exception {
    long t0 = System.nanoTime();
    PtyProcess p = new PtyProcessBuilder(new String[] {"cat", file.toString()})
        .setEnvironment(env()).setDirectory(dir.toString()).setInitialColumns(200)
        .setInitialRows(50).start();
    long bytes = 0;
    byte[] buf = new byte[64 * 1024];
    try (InputStream in = p.getInputStream()) {
      int n;
      while (true) {
        try {
          n = in.read(buf, 0, buf.length);
        } catch (IOException e) {
          break; // EIO once the child is gone
        }
        if (n < 0) {
          break;
        }
        bytes += n;
      }
    }
    p.waitFor(10, TimeUnit.SECONDS);
    long t1 = System.nanoTime();
    p.destroyForcibly();
    return new long[] {bytes, t1 - t0};
  }

  private static ShellConfig.Builder config(Path dir, boolean coalesce) {
    ShellConfig.Builder b = ShellConfig.builder().directory(dir).environment(env());
    if (!coalesce) {
      b.coalesce(Duration.ZERO, 32 * 1024);
    }
    return b;
  }

  /** A server with the shell endpoint running {@code command}. */
  private static final class ShellServer implements AutoCloseable {
    final ShellEndpoint shells;
    final ChannelServer server;

    ShellServer(ShellConfig config) {
      Principal bench = () -> "bench";
      shells = ShellEndpoint.builder()
          .authenticator(h -> Optional.of(bench))
          .authorizer((p, id) -> true)
          .config(config)
          .build();
      server = shells.mountOn(ChannelServer.builder().host("127.0.0.1").port(0)).build().start();
    }

    URI uri() {
      return URI.create("ws://127.0.0.1:" + server.port() + shells.path());
    }

    @Override
    public void close() {
      server.close();
      shells.close();
    }
  }

  /** A java.net.http WebSocket that queues each complete text message. */
  private static final class Client implements WebSocket.Listener, AutoCloseable {
    final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
    private final StringBuilder partial = new StringBuilder();
    final HttpClient http = HttpClient.newHttpClient();
    final WebSocket ws;

    Client(URI uri) throws Exception {
      ws = http.newWebSocketBuilder().buildAsync(uri, this).get(10, TimeUnit.SECONDS);
    }

    @Override
    public @Nullable CompletionStage<?> onText(WebSocket webSocket, CharSequence data,
        boolean last) {
      partial.append(data);
      if (last) {
        String text = partial.toString();
        partial.setLength(0);
        messages.add(text);
      }
      webSocket.request(1);
      return null;
    }

    String await(String type, Duration timeout) throws Exception {
      long end = System.nanoTime() + timeout.toNanos();
      while (true) {
        String m = messages.poll(Math.max(1, end - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (m == null) {
          throw new IllegalStateException("no '" + type + "' within " + timeout);
        }
        if (m.contains("\"type\":\"" + type + "\"")) {
          return m;
        }
        if (m.contains("\"type\":\"error\"")) {
          throw new IllegalStateException("shell error: " + m);
        }
      }
    }

    void send(String text) {
      ws.sendText(text, true).join();
    }

    @Override
    public void close() {
      ws.sendClose(WebSocket.NORMAL_CLOSURE, "").orTimeout(2, TimeUnit.SECONDS)
          .exceptionally(e -> null).join();
      http.close();
    }
  }

  private static String input(String shellId, String data) throws IOException {
    return "{\"channel\":\"shell:" + shellId + "\",\"type\":\"input\",\"data\":{\"data\":"
        + JSON.writeValueAsString(data) + "}}";
  }

  private static String init(String shellId) {
    return "{\"channel\":\"shell:" + shellId + "\",\"type\":\"init\",\"data\":"
        + "{\"cols\":200,\"rows\":50}}";
  }

  /**
   * {@code cat file} as the shell's program, read over the socket by {@link RawClient} (one
   * thread, no JSON tree: the load side's CPU is kept small, since it shares the 2 cores);
   * returns {bytes, nanos, CPU nanos of the client thread, CPU nanos of this process}.
   */
  static long[] viaSocket(Path file, Path dir, boolean coalesce) throws Exception {
    ShellConfig config = config(dir, coalesce).command("cat", file.toString()).build();
    try (ShellServer s = new ShellServer(config)) {
      var threads = ManagementFactory.getThreadMXBean();
      Probe.Snapshot a = new Probe(Set.of()).take();
      long cpu0 = threads.getCurrentThreadCpuTime();
      long[] r = RawClient.cat(s.server.port(), s.shells.path(), init("cat"));
      long cpu1 = threads.getCurrentThreadCpuTime();
      Probe.Snapshot b = new Probe(Set.of()).take();
      return new long[] {r[0], r[1], cpu1 - cpu0, b.processCpu() - a.processCpu()};
    }
  }

  /** A minimal blocking WebSocket client that counts the UTF-8 bytes of {@code output} events. */
  static final class RawClient {
    private static final byte[] OUTPUT = "\"type\":\"output\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EXIT = "\"type\":\"exit\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ERROR = "\"type\":\"error\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONNECTED =
        "\"type\":\"connected\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DATA =
        "\"data\":{\"data\":\"".getBytes(StandardCharsets.US_ASCII);

    /**
     * Connects, sends {@code init} after {@code connected}, reads until {@code exit}:
     * {bytes, nanos}.
     */
    static long[] cat(int port, String path, String init) throws IOException {
      try (SocketChannel ch = SocketChannel.open(
          new InetSocketAddress(InetAddress.getLoopbackAddress(), port))) {
        ch.write(ByteBuffer.wrap(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port
            + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: "
            + "dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII)));
        ByteBuffer buf = ByteBuffer.allocate(1 << 20);
        byte[] a = buf.array();
        int end = 0;
        int p;
        while ((p = indexOf(a, 0, end, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII))) < 0) {
          end = fill(ch, buf, end);
        }
        if (!new String(a, 0, 12, StandardCharsets.US_ASCII).startsWith("HTTP/1.1 101")) {
          throw new IOException("upgrade refused: "
              + new String(a, 0, p, StandardCharsets.US_ASCII));
        }
        p += 4;
        long bytes = 0;
        long t0 = 0;
        while (true) {
          if (end - p < 10 && (end - p < 2 || headerLength(a, p) > end - p)) {
            System.arraycopy(a, p, a, 0, end - p);
            end -= p;
            p = 0;
            end = fill(ch, buf, end);
            continue;
          }
          int h = headerLength(a, p);
          long len = payloadLength(a, p);
          if (len > a.length - 16) {
            throw new IOException("frame too large: " + len);
          }
          if (end - p < h + len) {
            System.arraycopy(a, p, a, 0, end - p);
            end -= p;
            p = 0;
            while (end < h + len) {
              end = fill(ch, buf, end);
            }
            continue;
          }
          int op = a[p] & 0x0f;
          int start = p + h;
          int stop = (int) (start + len);
          if (op == 1) {
            if (indexOf(a, start, Math.min(stop, start + 64), OUTPUT) >= 0) {
              bytes += unescapedLength(a, indexOf(a, start, stop, DATA) + DATA.length, stop);
            } else if (indexOf(a, start, stop, CONNECTED) >= 0) {
              t0 = System.nanoTime();
              ch.write(ByteBuffer.wrap(masked(init.getBytes(StandardCharsets.UTF_8))));
            } else if (indexOf(a, start, stop, EXIT) >= 0) {
              return new long[] {bytes, System.nanoTime() - t0};
            } else if (indexOf(a, start, stop, ERROR) >= 0) {
              throw new IOException(new String(a, start, stop - start, StandardCharsets.UTF_8));
            }
          } else if (op == 8) {
            throw new IOException("closed by the server");
          }
          p = stop;
        }
      }
    }

    private static int fill(SocketChannel ch, ByteBuffer buf, int end)
        throws IOException {
      buf.limit(buf.capacity()).position(end);
      if (ch.read(buf) < 0) {
        throw new IOException("connection closed");
      }
      return buf.position();
    }

    private static int headerLength(byte[] a, int p) {
      int l = a[p + 1] & 0x7f;
      return l < 126 ? 2 : l == 126 ? 4 : 10;
    }

    private static long payloadLength(byte[] a, int p) {
      int l = a[p + 1] & 0x7f;
      if (l < 126) {
        return l;
      }
      if (l == 126) {
        return ((a[p + 2] & 0xffL) << 8) | (a[p + 3] & 0xffL);
      }
      long n = 0;
      for (int i = 0; i < 8; i++) {
        n = (n << 8) | (a[p + 2 + i] & 0xff);
      }
      return n;
    }

    /** UTF-8 length of the JSON string starting at {@code from} (after its opening quote). */
    private static long unescapedLength(byte[] a, int from, int to) {
      long n = 0;
      int i = from;
      while (i < to) {
        byte b = a[i];
        if (b == '"') {
          return n;
        }
        if (b != '\\') {
          n++;
          i++;
          continue;
        }
        byte e = a[i + 1];
        if (e != 'u') {
          n++;
          i += 2;
          continue;
        }
        int c = Integer.parseInt(new String(a, i + 2, 4, StandardCharsets.US_ASCII), 16);
        n += c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isSurrogate((char) c) ? 2 : 3;
        i += 6;
      }
      return n;
    }

    private static int indexOf(byte[] a, int from, int to, byte[] key) {
      outer:
      for (int i = Math.max(0, from); i <= to - key.length; i++) {
        for (int k = 0; k < key.length; k++) {
          if (a[i + k] != key[k]) {
            continue outer;
          }
        }
        return i;
      }
      return -1;
    }

    private static byte[] masked(byte[] payload) {
      int len = payload.length;
      int header = len < 126 ? 2 : 4;
      byte[] out = new byte[header + 4 + len];
      out[0] = (byte) 0x81;
      if (len < 126) {
        out[1] = (byte) (0x80 | len);
      } else {
        out[1] = (byte) (0x80 | 126);
        out[2] = (byte) (len >>> 8);
        out[3] = (byte) len;
      }
      // mask key 0: the payload is sent as is
      System.arraycopy(payload, 0, out, header + 4, len);
      return out;
    }
  }

  /** Keystroke echo round trips through a raw-mode {@code cat}. */
  static Histogram echo(Path dir, int keys, boolean coalesce, PrintStream out) throws Exception {
    ShellConfig config = config(dir, coalesce)
        .command("sh", "-c", "stty raw -echo; echo ready; exec cat").build();
    Histogram h = new Histogram();
    try (ShellServer s = new ShellServer(config); Client c = new Client(s.uri())) {
      c.await("connected", Duration.ofSeconds(10));
      c.send(init("echo"));
      c.await("init", Duration.ofSeconds(10));
      waitForOutput(c, "ready", Duration.ofSeconds(10));
      String alphabet = "abcdefghijklmnopqrstuvwxyz";
      Map<String, long[]> before = null;
      for (int i = 0; i < keys + 20; i++) {
        if (i == 20) {
          before = schedstat();
        }
        String ch = String.valueOf(alphabet.charAt(i % alphabet.length()));
        long t0 = System.nanoTime();
        c.send(input("echo", ch));
        waitForOutput(c, ch, Duration.ofSeconds(5));
        long rtt = System.nanoTime() - t0;
        if (i >= 20) { // the first 20 keystrokes warm up
          h.record(rtt);
        }
        Thread.sleep(12); // a fast typist, under the default inbound rate limit (100/s)
      }
      Map<String, long[]> after = schedstat();
      if (before != null) {
        printSchedstat(out, coalesce ? "default" : "coalescing off", keys, before, after);
      }
    }
    return h;
  }

  private static void waitForOutput(Client c, String expected, Duration timeout)
      throws Exception {
    StringBuilder seen = new StringBuilder();
    long end = System.nanoTime() + timeout.toNanos();
    while (seen.indexOf(expected) < 0) {
      String m = c.messages.poll(Math.max(1, end - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (m == null) {
        throw new IllegalStateException("no output '" + expected + "' within " + timeout
            + "; saw '" + seen + "'");
      }
      if (m.contains("\"type\":\"output\"")) {
        seen.append(JSON.readTree(m).path("data").path("data").asText());
      } else if (m.contains("\"type\":\"error\"") || m.contains("\"type\":\"exit\"")) {
        throw new IllegalStateException("shell ended: " + m);
      }
    }
  }
}
