package io.github.jchannels.benchmarks.load;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * A WebSocket load client holding many connections on ONE thread (a NIO selector): no thread
 * per connection, so thousands of subscribers cost the load side little. It speaks just enough
 * RFC 6455 for the benchmark: the upgrade handshake, unmasked server frames, masked client
 * frames, pong for ping. With {@link Protocol#CHANNELS} it waits for {@code connected} and
 * subscribes each connection to {@link Payload#CHANNEL}; with {@link Protocol#BARE} a
 * connection is ready once upgraded.
 *
 * <p>For every data frame it reads the sequence number and send time that {@link Payload} put
 * in it, checks per-connection order (out-of-order and gap counts), counts deliveries, and
 * records the latency (receive time on {@link Payload#nanoTime()} minus send time) of
 * broadcasts in the recording window. Counters are written by the client thread only.
 */
public final class LoadClient implements AutoCloseable {
  /** What the server speaks. */
  public enum Protocol { BARE, CHANNELS }

  private static final int CONNECTING = 0;
  private static final int HANDSHAKE = 1;
  private static final int WAIT_CONNECTED = 2;
  private static final int SUBSCRIBING = 3;
  private static final int READY = 4;
  private static final int CLOSED = 5;

  private static final byte[] MESSAGE_KEY = ascii("\"message\":\"s");
  private static final byte[] TS_KEY = ascii("\"timestamp\":");
  private static final byte[] CONNECTED = ascii("\"type\":\"connected\"");
  private static final byte[] SUB_OK = ascii("\"type\":\"subscription_success\"");
  private static final byte[] SUB_ERR = ascii("\"type\":\"subscription_error\"");
  private static final byte[] RECOVERED = ascii("\"recovered\":true");
  private static final byte[] SEQ_KEY = ascii(",\"seq\":");
  private static final byte[] EPOCH_KEY = ascii("\"epoch\":\"");
  private static final byte[] HEADER_END = ascii("\r\n\r\n");
  private static final byte[] MASK = {0x37, 0x5a, (byte) 0xc1, 0x0e};
  private static final int MAX_HANDSHAKES_IN_FLIGHT = 64;

  private final InetSocketAddress address;
  private final String path;
  private final Protocol protocol;
  private final byte[] subscribeFrame;
  private final byte[] upgrade;
  private final Selector selector;
  private final Thread thread;
  private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final ByteBuffer buf = ByteBuffer.allocate(512 * 1024);
  private final List<Conn> conns = new ArrayList<>();
  private final Histogram histogram = new Histogram();
  private volatile boolean running = true;

  // written by the client thread only
  private final AtomicLong delivered = new AtomicLong();
  private final AtomicLong outOfOrder = new AtomicLong();
  private final AtomicLong gaps = new AtomicLong();
  private final AtomicLong otherFrames = new AtomicLong();
  private volatile int ready;
  private volatile int failed;
  private volatile int closed;
  private volatile String lastError = "";
  private int toOpen;
  private int inFlight;
  private long deliveredLocal;

  /**
   * Failover (ScaleOutBench): where a connection that drops after it was ready reconnects, once,
   * resubscribing with {@code since} = the last stream position (epoch, seq) it received. Null:
   * a dropped connection stays closed.
   */
  private volatile @Nullable InetSocketAddress failover;
  /** Failover: each dropped connection waits a random delay in [spread/2, spread) first. */
  private volatile long failoverSpreadNanos;
  private final ArrayDeque<Conn> waitingToReopen = new ArrayDeque<>();
  private final SplittableRandom random = new SplittableRandom(42);
  private byte @Nullable [] failoverUpgrade;
  private volatile int dropped;
  private volatile int resubscribed;
  private volatile int recovered;
  private volatile int notRecovered;
  private volatile int failoverFailed;
  private volatile long lastResubscribedNanos;
  private volatile long firstDroppedNanos;
  private volatile long lastDroppedNanos;

  /** Broadcasts with {@code recordFrom <= seq < recordTo} have their latency recorded. */
  private volatile long recordFrom = Long.MAX_VALUE;
  private volatile long recordTo = Long.MAX_VALUE;

  /** One connection. Client thread only. */
  private static final class Conn {
    /** Null until the socket is opened (before anything is read or written). */
    @Nullable SocketChannel channel;
    /** Null until the socket is registered with the selector. */
    @Nullable SelectionKey key;
    int state = CONNECTING;
    byte @Nullable [] leftover;
    int leftoverLen;
    @Nullable ByteBuffer pendingOut;
    long expected;
    /** Failover: the last stream position received, and whether this is the second socket. */
    long streamSeq;
    @Nullable String epoch;
    boolean failedOver;
    long reopenAt;

    SocketChannel channel() {
      return Objects.requireNonNull(channel, "the socket is not open yet");
    }

    SelectionKey key() {
      return Objects.requireNonNull(key, "the socket is not registered yet");
    }
  }

  /** A client for the server at {@code address}, endpoint {@code path}; call {@link #connect}. */
  public LoadClient(String name, InetSocketAddress address, String path, Protocol protocol)
      throws IOException {
    this.address = address;
    this.path = path;
    this.protocol = protocol;
    this.subscribeFrame = maskedText("{\"channel\":\"global\",\"type\":\"subscribe\",\"data\":"
        + "{\"channel\":\"" + Payload.CHANNEL.name() + "\"},\"ref\":\"1\"}", 1);
    this.upgrade = ascii("GET " + path + " HTTP/1.1\r\nHost: " + address.getHostString() + ":"
        + address.getPort() + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
    this.selector = Selector.open();
    this.thread = new Thread(this::loop, name);
    this.thread.setDaemon(true);
    this.thread.start();
  }

  /** The client thread's id (its CPU time is the load side's). */
  public long threadId() {
    return thread.threadId();
  }

  /**
   * Opens {@code n} more connections and waits until each is ready (subscribed, for
   * CHANNELS) or failed; returns how many became ready in all.
   */
  public int connect(int n, Duration timeout) throws InterruptedException {
    int target = ready + failed + n;
    tasks.add(() -> toOpen += n);
    selector.wakeup();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (ready + failed < target && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    return ready;
  }

  /**
   * From now on a connection that drops after it was ready reconnects to {@code to} and
   * resubscribes with {@code since} its last (epoch, seq); see {@link #resubscribed()},
   * {@link #recovered()}. Events must carry {@code seq}/{@code epoch} (a family with history).
   */
  public void failoverTo(InetSocketAddress to, Duration spread) {
    failoverSpreadNanos = spread.toNanos();
    failoverUpgrade = ascii("GET " + path + " HTTP/1.1\r\nHost: " + to.getHostString() + ":"
        + to.getPort() + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
    failover = to;
  }

  /** Connections that dropped after they were ready (failover mode). */
  public int dropped() {
    return dropped;
  }

  /** Failed-over connections whose resubscribe was answered {@code subscription_success}. */
  public int resubscribed() {
    return resubscribed;
  }

  /** Of those, answered {@code recovered: true}. */
  public int recovered() {
    return recovered;
  }

  /** Of those, answered without {@code recovered: true} (state stale). */
  public int notRecovered() {
    return notRecovered;
  }

  /** Failed-over connections that could not reconnect or resubscribe. */
  public int failoverFailed() {
    return failoverFailed;
  }

  /** {@link Payload#nanoTime()} when the first ready connection was seen dropped. */
  public long firstDroppedNanos() {
    return firstDroppedNanos;
  }

  /** {@link Payload#nanoTime()} when the last ready connection was seen dropped. */
  public long lastDroppedNanos() {
    return lastDroppedNanos;
  }

  /** {@link Payload#nanoTime()} when the last resubscribe was answered. */
  public long lastResubscribedNanos() {
    return lastResubscribedNanos;
  }

  /**
   * The lowest payload sequence number still expected over the connections that are ready
   * (every connection has received every broadcast below it), or Long.MAX_VALUE with none.
   */
  public long minExpected() throws InterruptedException {
    long[] min = {Long.MAX_VALUE};
    CountDownLatch done = new CountDownLatch(1);
    tasks.add(() -> {
      for (Conn c : conns) {
        if (c.state == READY) {
          min[0] = Math.min(min[0], c.expected);
        }
      }
      done.countDown();
    });
    selector.wakeup();
    if (!done.await(10, TimeUnit.SECONDS)) {
      throw new IllegalStateException("client thread did not answer");
    }
    return min[0];
  }

  /** Connections ready now. */
  public int ready() {
    return ready;
  }

  /** Connections that failed to connect, upgrade or subscribe. */
  public int failed() {
    return failed;
  }

  /** Connections closed after being ready (by the server or an error). */
  public int closed() {
    return closed;
  }

  /** The last connection error seen, or "". */
  public String lastError() {
    return lastError;
  }

  /** Data frames received so far (all connections). */
  public long delivered() {
    return delivered.get();
  }

  /** Data frames whose sequence number was below the one expected on their connection. */
  public long outOfOrder() {
    return outOfOrder.get();
  }

  /** Sequence numbers skipped on a connection (a later one arrived first). */
  public long gaps() {
    return gaps.get();
  }

  /** Text frames that were not data frames after subscribing (welcome events). */
  public long otherFrames() {
    return otherFrames.get();
  }

  /** Records latencies of broadcasts {@code from <= seq < to} from now on. */
  public void recordWindow(long from, long to) {
    recordTo = to;
    recordFrom = from;
  }

  /**
   * A copy of the latency histogram, taken on the client thread, then cleared there.
   */
  public Histogram takeHistogram() throws InterruptedException {
    Histogram copy = new Histogram();
    CountDownLatch done = new CountDownLatch(1);
    tasks.add(() -> {
      copy.add(histogram);
      histogram.reset();
      done.countDown();
    });
    selector.wakeup();
    if (!done.await(10, TimeUnit.SECONDS)) {
      throw new IllegalStateException("client thread did not answer");
    }
    return copy;
  }

  @Override
  public void close() {
    running = false;
    selector.wakeup();
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // the caller's interruption stays visible to it
    }
  }

  // ------------------------------------------------------------------ client thread

  private void loop() {
    try {
      while (running) {
        Runnable t;
        while ((t = tasks.poll()) != null) {
          t.run();
        }
        openMore();
        reopenDue();
        selector.select(waitingToReopen.isEmpty() ? 50 : 2);
        Iterator<SelectionKey> it = selector.selectedKeys().iterator();
        while (it.hasNext()) {
          SelectionKey key = it.next();
          it.remove();
          Conn c = (Conn) key.attachment();
          try {
            if (!key.isValid()) {
              continue;
            }
            if (key.isConnectable()) {
              finishConnect(c);
            } else {
              if (key.isWritable()) {
                flush(c);
              }
              if (key.isValid() && key.isReadable()) {
                read(c);
              }
            }
          } catch (IOException | RuntimeException e) {
            fail(c, e.toString());
          }
        }
        delivered.setRelease(deliveredLocal);
      }
    } catch (IOException e) {
      lastError = e.toString();
    } finally {
      for (Conn c : conns) {
        if (c.channel == null) {
          continue;
        }
        try {
          // abortive close (RST): no TIME_WAIT left on the load side, so runs of thousands of
          // connections back to back do not run out of loopback ports
          c.channel().setOption(StandardSocketOptions.SO_LINGER, 0);
        } catch (IOException | RuntimeException ignored) {
          // closing anyway
        }
        try {
          c.channel().close();
        } catch (IOException ignored) {
          // closing anyway
        }
      }
      try {
        selector.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
  }

  private void openMore() throws IOException {
    while (toOpen > 0 && inFlight < MAX_HANDSHAKES_IN_FLIGHT) {
      toOpen--;
      inFlight++;
      Conn c = new Conn();
      conns.add(c);
      try {
        c.channel = SocketChannel.open();
        c.channel().configureBlocking(false);
        c.channel().setOption(StandardSocketOptions.TCP_NODELAY, true);
        c.key = c.channel().register(selector, SelectionKey.OP_CONNECT, c);
        if (c.channel().connect(address)) {
          finishConnect(c);
        }
      } catch (IOException e) {
        fail(c, e.toString());
      }
    }
  }

  private void finishConnect(Conn c) throws IOException {
    if (!c.channel().finishConnect()) {
      return;
    }
    c.state = HANDSHAKE;
    c.key().interestOps(SelectionKey.OP_READ);
    write(c, c.failedOver ? Objects.requireNonNull(failoverUpgrade) : upgrade);
  }

  // the counters have one writer, the client thread; readers need visibility, not atomicity
  @SuppressWarnings("NonAtomicVolatileUpdate")
  private void fail(Conn c, String why) {
    lastError = why;
    if (c.state == CLOSED) {
      return;
    }
    if (c.failedOver && c.state != READY) {
      failoverFailed++;
    } else if (c.state == READY && failover != null && !c.failedOver) {
      long t = Payload.nanoTime();
      if (dropped == 0) {
        firstDroppedNanos = t;
      }
      lastDroppedNanos = t;
      dropped++;
      reopen(c);
      return;
    } else if (c.state == READY) {
      closed++;
    } else {
      failed++;
      inFlight--;
    }
    c.state = CLOSED;
    if (c.key != null) {
      c.key().cancel();
    }
    try {
      if (c.channel != null) {
        c.channel().close();
      }
    } catch (IOException ignored) {
      // already failing
    }
  }

  /**
   * Failover: closes the dropped socket and queues the connection record for a new socket to
   * {@link #failover} after a random delay in [spread/2, spread) (the Java client's first
   * reconnect delay with its default equal jitter is 0.5-1 s).
   */
  private void reopen(Conn c) {
    if (c.key != null) {
      c.key().cancel();
    }
    try {
      c.channel().close();
    } catch (IOException ignored) {
      // dropped anyway
    }
    c.failedOver = true;
    c.state = CONNECTING;
    c.leftoverLen = 0;
    c.pendingOut = null;
    long spread = failoverSpreadNanos;
    c.reopenAt = System.nanoTime() + (spread <= 1 ? 0 : spread / 2 + random.nextLong(spread / 2));
    waitingToReopen.add(c);
  }

  /** Opens the sockets of the failed-over connections whose delay is over. */
  private void reopenDue() {
    if (waitingToReopen.isEmpty()) {
      return;
    }
    long now = System.nanoTime();
    for (Iterator<Conn> it = waitingToReopen.iterator(); it.hasNext(); ) {
      Conn c = it.next();
      if (c.reopenAt <= now) {
        it.remove();
        connectFailover(c);
      }
    }
  }

  private void connectFailover(Conn c) {
    try {
      c.channel = SocketChannel.open();
      c.channel().configureBlocking(false);
      c.channel().setOption(StandardSocketOptions.TCP_NODELAY, true);
      c.key = c.channel().register(selector, SelectionKey.OP_CONNECT, c);
      if (c.channel().connect(Objects.requireNonNull(failover, "failover target"))) {
        finishConnect(c);
      }
    } catch (IOException e) {
      fail(c, e.toString());
    }
  }

  // the counters have one writer, the client thread; readers need visibility, not atomicity
  @SuppressWarnings("NonAtomicVolatileUpdate")
  private void becomeReady(Conn c) {
    if (c.failedOver) {
      c.state = READY;
      return;
    }
    c.state = READY;
    inFlight--;
    ready++;
  }

  private void write(Conn c, byte[] bytes) throws IOException {
    if (c.pendingOut != null) {
      ByteBuffer more = ByteBuffer.allocate(c.pendingOut.remaining() + bytes.length);
      more.put(c.pendingOut).put(bytes).flip();
      c.pendingOut = more;
      return;
    }
    ByteBuffer b = ByteBuffer.wrap(bytes);
    c.channel().write(b);
    if (b.hasRemaining()) {
      c.pendingOut = b;
      c.key().interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
    }
  }

  private void flush(Conn c) throws IOException {
    if (c.pendingOut != null) {
      c.channel().write(c.pendingOut);
      if (!c.pendingOut.hasRemaining()) {
        c.pendingOut = null;
        c.key().interestOps(SelectionKey.OP_READ);
      }
    }
  }

  private void read(Conn c) throws IOException {
    long now = Payload.nanoTime();
    byte[] a = buf.array();
    while (c.state != CLOSED) {
      buf.clear();
      if (c.leftoverLen > 0) {
        buf.put(Objects.requireNonNull(c.leftover), 0, c.leftoverLen);
      }
      int n = c.channel().read(buf);
      if (n < 0) {
        fail(c, "server closed the connection");
        return;
      }
      int end = buf.position();
      if (n == 0) {
        return;
      }
      int used = parse(c, a, end, now);
      int rest = end - used;
      if (rest > 0) {
        if (c.leftover == null || c.leftover.length < rest) {
          c.leftover = new byte[Math.max(rest, 256)];
        }
        System.arraycopy(a, used, c.leftover, 0, rest);
      }
      c.leftoverLen = rest;
      if (buf.hasRemaining()) {
        return; // the socket had less than the buffer: drained
      }
    }
  }

  /** Parses what it can of {@code a[0, end)}; returns how many bytes it used. */
  private int parse(Conn c, byte[] a, int end, long now) throws IOException {
    int p = 0;
    if (c.state == HANDSHAKE) {
      int h = indexOf(a, 0, end, HEADER_END);
      if (h < 0) {
        if (end > 16 * 1024) {
          fail(c, "handshake response too long");
        }
        return 0;
      }
      String status = new String(a, 0, Math.min(h, 12), StandardCharsets.US_ASCII);
      if (!status.startsWith("HTTP/1.1 101")) {
        fail(c, "upgrade refused: " + new String(a, 0, h, StandardCharsets.US_ASCII));
        return end;
      }
      p = h + HEADER_END.length;
      if (protocol == Protocol.BARE) {
        becomeReady(c);
      } else {
        c.state = WAIT_CONNECTED;
      }
    }
    while (end - p >= 2 && c.state != CLOSED) {
      int b0 = a[p] & 0xff;
      int b1 = a[p + 1] & 0xff;
      int op = b0 & 0x0f;
      boolean masked = (b1 & 0x80) != 0;
      long len = b1 & 0x7f;
      int header = 2;
      if (len == 126) {
        if (end - p < 4) {
          break;
        }
        len = ((a[p + 2] & 0xffL) << 8) | (a[p + 3] & 0xffL);
        header = 4;
      } else if (len == 127) {
        if (end - p < 10) {
          break;
        }
        len = 0;
        for (int i = 0; i < 8; i++) {
          len = (len << 8) | (a[p + 2 + i] & 0xff);
        }
        header = 10;
      }
      if (masked) {
        header += 4;
      }
      if (len > buf.capacity() / 2) {
        fail(c, "frame of " + len + " bytes is too large for the load client");
        return end;
      }
      if (end - p < header + len) {
        break;
      }
      int start = p + header;
      int length = (int) len;
      if (masked) {
        for (int i = 0; i < length; i++) {
          a[start + i] ^= a[start - 4 + (i & 3)];
        }
      }
      switch (op) {
        case 1 -> onText(c, a, start, length, now);
        case 9 -> write(c, masked(0xA, a, start, length));
        case 8 -> {
          fail(c, "server closed with " + (length >= 2
              ? ((a[start] & 0xff) << 8 | (a[start + 1] & 0xff)) : 1005));
          return end;
        }
        default -> { } // pong, continuation, binary: not expected here
      }
      p = start + length;
    }
    return p;
  }

  // the counters have one writer, the client thread; readers need visibility, not atomicity
  @SuppressWarnings("NonAtomicVolatileUpdate")
  private void onText(Conn c, byte[] a, int start, int length, long now) throws IOException {
    int end = start + length;
    switch (c.state) {
      case READY -> {
        int m = indexOf(a, start, end, MESSAGE_KEY);
        if (m < 0) {
          otherFrames.incrementAndGet();
          return;
        }
        int i = m + MESSAGE_KEY.length;
        long seq = 0;
        while (i < end && a[i] >= '0' && a[i] <= '9') {
          seq = seq * 10 + (a[i++] - '0');
        }
        int t = indexOf(a, i, end, TS_KEY);
        long sent = 0;
        if (t >= 0) {
          int j = t + TS_KEY.length;
          while (j < end && a[j] >= '0' && a[j] <= '9') {
            sent = sent * 10 + (a[j++] - '0');
          }
        }
        if (failover != null) {
          int q = indexOf(a, i, end, SEQ_KEY);
          if (q >= 0) {
            long ss = 0;
            for (int j = q + SEQ_KEY.length; j < end && a[j] >= '0' && a[j] <= '9'; j++) {
              ss = ss * 10 + (a[j] - '0');
            }
            c.streamSeq = ss;
            if (c.epoch == null) {
              int e = indexOf(a, q, end, EPOCH_KEY);
              if (e >= 0) {
                int from = e + EPOCH_KEY.length;
                int to = from;
                while (to < end && a[to] != '"') {
                  to++;
                }
                c.epoch = new String(a, from, to - from, StandardCharsets.UTF_8);
              }
            }
          }
        }
        deliveredLocal++;
        if (seq == c.expected) {
          c.expected++;
        } else if (seq > c.expected) {
          gaps.addAndGet(seq - c.expected);
          c.expected = seq + 1;
        } else {
          outOfOrder.incrementAndGet();
        }
        if (seq >= recordFrom && seq < recordTo) {
          histogram.record(now - sent);
        }
      }
      case WAIT_CONNECTED -> {
        if (indexOf(a, start, end, CONNECTED) >= 0) {
          c.state = SUBSCRIBING;
          if (c.failedOver && c.epoch != null) {
            write(c, maskedText("{\"channel\":\"global\",\"type\":\"subscribe\",\"data\":"
                + "{\"channel\":\"" + Payload.CHANNEL.name() + "\",\"since\":{\"epoch\":\""
                + c.epoch + "\",\"seq\":" + c.streamSeq + "}},\"ref\":\"2\"}", 1));
          } else {
            write(c, subscribeFrame);
          }
        }
      }
      case SUBSCRIBING -> {
        if (indexOf(a, start, end, SUB_OK) >= 0) {
          if (c.failedOver) {
            if (indexOf(a, start, end, RECOVERED) >= 0) {
              recovered++;
            } else {
              notRecovered++;
            }
            resubscribed++;
            lastResubscribedNanos = now;
          }
          becomeReady(c);
        } else if (indexOf(a, start, end, SUB_ERR) >= 0) {
          fail(c, new String(a, start, length, StandardCharsets.UTF_8));
        }
      }
      default -> { }
    }
  }

  // ------------------------------------------------------------------ bytes

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static int indexOf(byte[] a, int from, int to, byte[] key) {
    byte first = key[0];
    int last = to - key.length;
    outer:
    for (int i = from; i <= last; i++) {
      if (a[i] != first) {
        continue;
      }
      for (int k = 1; k < key.length; k++) {
        if (a[i + k] != key[k]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private static byte[] maskedText(String text, int opcode) {
    byte[] payload = text.getBytes(StandardCharsets.UTF_8);
    return masked(opcode, payload, 0, payload.length);
  }

  /** A client frame (masked, FIN) with {@code opcode} and the given payload. */
  private static byte[] masked(int opcode, byte[] payload, int off, int len) {
    int header = len < 126 ? 2 : len <= 0xFFFF ? 4 : 10;
    byte[] out = new byte[header + 4 + len];
    out[0] = (byte) (0x80 | opcode);
    if (len < 126) {
      out[1] = (byte) (0x80 | len);
    } else if (len <= 0xFFFF) {
      out[1] = (byte) (0x80 | 126);
      out[2] = (byte) (len >>> 8);
      out[3] = (byte) len;
    } else {
      out[1] = (byte) (0x80 | 127);
      for (int i = 0; i < 8; i++) {
        out[2 + i] = (byte) ((long) len >>> (56 - 8 * i));
      }
    }
    System.arraycopy(MASK, 0, out, header, 4);
    for (int i = 0; i < len; i++) {
      out[header + 4 + i] = (byte) (payload[off + i] ^ MASK[i & 3]);
    }
    return out;
  }
}
