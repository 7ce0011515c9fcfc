package io.github.jchannels.test.client;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.jspecify.annotations.Nullable;

/**
 * A scripted channels server for client tests, in the manner of OkHttp's MockWebServer: a real
 * WebSocket server (RFC 6455, written on plain sockets so that every fault can be injected) on
 * loopback port 0.
 *
 * <ul>
 *   <li>By default it behaves like a polite server: {@code connected} on open, a {@code pong}
 *       for every {@code ping}, {@code subscription_success} for every {@code subscribe}
 *       (switch each off with {@link #autoConnected}, {@link #autoPong},
 *       {@link #autoSubscribe}).</li>
 *   <li>Script it: {@link #enqueueRefusal(int)} answers the next handshake with an HTTP status;
 *       {@link #sendAll}, {@link #closeAll}, {@link #dropAll}, or per connection
 *       {@link Conn#send}, {@link Conn#sendRaw}, {@link Conn#pauseReading()} (stop reading, so
 *       TCP pushes back on the client).</li>
 *   <li>Take what the client sent: {@link #takeFrame(Duration)}, {@link #takeFrame(String,
 *       Duration)}, {@link #takeHandshake(Duration)}, {@link #takeConnection(Duration)};
 *       {@link #assertNoFrame(Duration)}.</li>
 * </ul>
 *
 * <p>Thread-safe. {@link #close()} closes every connection and ends every thread it started.
 */
public final class ScriptedServer implements AutoCloseable {
  private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  private static final Pattern TYPE = Pattern.compile("\"type\"\\s*:\\s*\"([a-z_.0-9]+)\"");
  private static final Pattern REF = Pattern.compile("\"ref\"\\s*:\\s*\"([^\"]+)\"");
  private static final Pattern TIMESTAMP = Pattern.compile("\"timestamp\"\\s*:\\s*(\\d+)");
  private static final Pattern DATA_CHANNEL =
      Pattern.compile("\"data\"\\s*:\\s*\\{\\s*\"channel\"\\s*:\\s*\"([^\"]+)\"");

  /** A handshake request as the server saw it; header names are lower case. */
  public record Handshake(String path, Map<String, String> headers) {
    /** The header's value, or null. */
    public @Nullable String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  private final ServerSocket listener;
  private final boolean tls;
  private final Thread acceptor;
  private final List<Conn> connections = new CopyOnWriteArrayList<>();
  private final List<Thread> threads = new CopyOnWriteArrayList<>();
  private final BlockingQueue<String> frames = new LinkedBlockingQueue<>();
  private final BlockingQueue<Handshake> handshakes = new LinkedBlockingQueue<>();
  private final BlockingQueue<Conn> accepted = new LinkedBlockingQueue<>();
  private final ConcurrentLinkedQueue<Integer> refusals = new ConcurrentLinkedQueue<>();
  private final AtomicInteger upgraded = new AtomicInteger();
  private volatile boolean autoConnected = true;
  private volatile boolean autoPong = true;
  private volatile boolean autoSubscribe = true;
  private volatile long heartbeatIntervalMs = 30_000;
  private volatile boolean closed;
  private volatile @Nullable String lastTlsProtocol;

  private ScriptedServer(int port, @Nullable SSLContext tls) throws IOException {
    InetAddress loopback = InetAddress.getLoopbackAddress();
    this.tls = tls != null;
    ServerSocket s = tls == null ? new ServerSocket()
        : tls.getServerSocketFactory().createServerSocket();
    s.setReuseAddress(true);
    s.bind(new InetSocketAddress(loopback, port), 50);
    this.listener = s;
    this.acceptor = Thread.ofPlatform().daemon().name("scripted-server-accept")
        .start(this::acceptLoop);
  }

  /** A server on a free loopback port. */
  public static ScriptedServer start() throws IOException {
    return new ScriptedServer(0, null);
  }

  /** A server on loopback {@code port} (0 for a free one), e.g. to come back after a restart. */
  public static ScriptedServer start(int port) throws IOException {
    return new ScriptedServer(port, null);
  }

  /** A {@code wss://} server with {@code tls}'s certificate. */
  public static ScriptedServer startTls(SSLContext tls) throws IOException {
    return new ScriptedServer(0, tls);
  }

  public int port() {
    return listener.getLocalPort();
  }

  /** {@code ws://127.0.0.1:port/ws} (or {@code wss://}). */
  public URI uri() {
    return URI.create((tls ? "wss" : "ws") + "://127.0.0.1:" + port() + "/ws");
  }

  /** Whether {@code connected} is sent as soon as a connection opens. Default true. */
  public ScriptedServer autoConnected(boolean on) {
    this.autoConnected = on;
    return this;
  }

  /** Whether every {@code ping} is answered with a {@code pong}. Default true. */
  public ScriptedServer autoPong(boolean on) {
    this.autoPong = on;
    return this;
  }

  /** Whether every {@code subscribe} is answered with success. Default true. */
  public ScriptedServer autoSubscribe(boolean on) {
    this.autoSubscribe = on;
    return this;
  }

  /** The {@code heartbeatIntervalMs} of the {@code connected} events sent. Default 30 s. */
  public ScriptedServer heartbeatIntervalMs(long ms) {
    this.heartbeatIntervalMs = ms;
    return this;
  }

  /** The next handshake is answered with HTTP {@code status} (e.g. 401, 403, 503), no upgrade. */
  public ScriptedServer enqueueRefusal(int status) {
    refusals.add(status);
    return this;
  }

  /** The TLS protocol of the last TLS connection (e.g. {@code TLSv1.3}), or null. */
  public @Nullable String lastTlsProtocol() {
    return lastTlsProtocol;
  }

  /** How many connections were upgraded so far. */
  public int connectionCount() {
    return upgraded.get();
  }

  /** The connections open now. */
  public List<Conn> openConnections() {
    return connections.stream().filter(Conn::isOpen).toList();
  }

  /** The next upgraded connection, waiting up to {@code timeout}. */
  public Conn takeConnection(Duration timeout) throws InterruptedException {
    Conn c = accepted.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
    if (c == null) {
      throw new AssertionError("no connection within " + timeout);
    }
    return c;
  }

  /** The next handshake request (upgraded or refused), waiting up to {@code timeout}. */
  public Handshake takeHandshake(Duration timeout) throws InterruptedException {
    Handshake h = handshakes.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
    if (h == null) {
      throw new AssertionError("no handshake within " + timeout);
    }
    return h;
  }

  /** The next text frame any connection received, waiting up to {@code timeout}. */
  public String takeFrame(Duration timeout) throws InterruptedException {
    String f = frames.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
    if (f == null) {
      throw new AssertionError("no frame within " + timeout);
    }
    return f;
  }

  /** The next frame of {@code type}, skipping others, waiting up to {@code timeout} in all. */
  public String takeFrame(String type, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<String> skipped = new ArrayList<>();
    while (true) {
      long left = deadline - System.nanoTime();
      String f = left <= 0 ? null : frames.poll(left, TimeUnit.NANOSECONDS);
      if (f == null) {
        throw new AssertionError("no '" + type + "' frame within " + timeout + "; skipped "
            + skipped);
      }
      if (type.equals(typeOf(f))) {
        return f;
      }
      skipped.add(f);
    }
  }

  /** Fails if a frame arrives within {@code quiet} (a short real wait: use sparingly). */
  public void assertNoFrame(Duration quiet) throws InterruptedException {
    String f = frames.poll(quiet.toNanos(), TimeUnit.NANOSECONDS);
    if (f != null) {
      throw new AssertionError("unexpected frame: " + f);
    }
  }

  /** Frames received and not taken yet. */
  public List<String> pendingFrames() {
    return List.copyOf(frames);
  }

  /** Sends raw text to every open connection. */
  public void sendAll(String text) {
    openConnections().forEach(c -> c.send(text));
  }

  /** Sends {@code connected} to every open connection. */
  public void sendConnectedAll() {
    openConnections().forEach(Conn::sendConnected);
  }

  /** Closes every open connection with {@code code}. */
  public void closeAll(int code, String reason) {
    openConnections().forEach(c -> c.close(code, reason));
  }

  /** Drops every open connection's TCP connection without a close frame. */
  public void dropAll() {
    openConnections().forEach(Conn::drop);
  }

  /** The {@code type} of a frame's envelope, or null. */
  public static @Nullable String typeOf(String frame) {
    return field(TYPE, frame);
  }

  /** The {@code ref} of a frame's envelope, or null. */
  public static @Nullable String refOf(String frame) {
    return field(REF, frame);
  }

  /** The {@code data.channel} of a {@code subscribe} or {@code unsubscribe}, or null. */
  public static @Nullable String dataChannelOf(String frame) {
    return field(DATA_CHANNEL, frame);
  }

  private static @Nullable String field(Pattern p, String text) {
    Matcher m = p.matcher(text);
    return m.find() ? m.group(1) : null;
  }

  @Override
  public void close() throws IOException {
    closed = true;
    listener.close();
    for (Conn c : connections) {
      c.drop();
    }
    try {
      acceptor.join(5000);
      for (Thread t : threads) {
        t.join(5000);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // stop waiting: the threads are daemons
    }
  }

  // ================================================================= server side

  private void acceptLoop() {
    while (!closed) {
      Socket s;
      try {
        s = listener.accept();
      } catch (IOException e) {
        return; // closed
      }
      Thread t = Thread.ofPlatform().daemon().name("scripted-server-conn")
          .unstarted(() -> serve(s));
      threads.add(t);
      t.start();
    }
  }

  private void serve(Socket socket) {
    Conn conn = null;
    try (socket) {
      socket.setTcpNoDelay(true);
      if (socket instanceof SSLSocket ssl) {
        ssl.startHandshake();
        lastTlsProtocol = ssl.getSession().getProtocol();
      }
      InputStream in = socket.getInputStream();
      OutputStream out = socket.getOutputStream();
      String requestLine = readLine(in);
      Map<String, String> headers = new LinkedHashMap<>();
      for (String line = readLine(in); !line.isEmpty(); line = readLine(in)) {
        int colon = line.indexOf(':');
        if (colon > 0) {
          headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
              line.substring(colon + 1).trim());
        }
      }
      String[] parts = requestLine.split(" ", -1);
      handshakes.add(new Handshake(parts.length > 1 ? parts[1] : "", Map.copyOf(headers)));
      Integer refusal = refusals.poll();
      if (refusal != null) {
        String body = "refused by the scripted server";
        out.write(("HTTP/1.1 " + refusal + " Refused\r\nContent-Length: " + body.length()
            + "\r\nConnection: close\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return;
      }
      String key = headers.getOrDefault("sec-websocket-key", "");
      // registered before the 101 goes out: a client that saw its socket open is always counted
      conn = new Conn(socket, out, upgraded.incrementAndGet());
      connections.add(conn);
      out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
          + "Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept(key) + "\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      conn.open = true;
      accepted.add(conn);
      if (autoConnected) {
        conn.sendConnected();
      }
      conn.readFrames(in);
    } catch (IOException e) {
      // the connection ended
    } finally {
      if (conn != null) {
        conn.open = false;
      }
    }
  }

  private static String accept(String key) {
    try {
      MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
      return Base64.getEncoder().encodeToString(
          sha1.digest((key + GUID).getBytes(StandardCharsets.US_ASCII)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    while (true) {
      int c = in.read();
      if (c < 0) {
        throw new EOFException("handshake cut short");
      }
      if (c == '\n') {
        break;
      }
      if (c != '\r') {
        b.write(c);
      }
      if (b.size() > 16 * 1024) {
        throw new IOException("header line too long");
      }
    }
    return b.toString(StandardCharsets.ISO_8859_1);
  }

  private static byte[] readFully(InputStream in, long n) throws IOException {
    if (n > 64L * 1024 * 1024) {
      throw new IOException("frame too large for the scripted server: " + n);
    }
    byte[] b = in.readNBytes((int) n);
    if (b.length < n) {
      throw new EOFException();
    }
    return b;
  }

  /** One upgraded connection. */
  public final class Conn {
    private final Socket socket;
    private final OutputStream out;
    private final int number;
    /** Set once the 101 answer went out. */
    private volatile boolean open;
    private final Object pause = new Object();
    private boolean paused;
    private final BlockingQueue<String> received = new LinkedBlockingQueue<>();

    Conn(Socket socket, OutputStream out, int number) {
      this.socket = socket;
      this.out = out;
      this.number = number;
    }

    /** 1 for the first connection the server upgraded, 2 for the next ... */
    public int number() {
      return number;
    }

    public boolean isOpen() {
      return open && !socket.isClosed();
    }

    /** The next frame this connection received, waiting up to {@code timeout}. */
    public String takeFrame(Duration timeout) throws InterruptedException {
      String f = received.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
      if (f == null) {
        throw new AssertionError("no frame on connection " + number + " within " + timeout);
      }
      return f;
    }

    /** Sends a text frame; false if the connection is gone. */
    public boolean send(String text) {
      return write(1, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Sends a {@code connected} event. */
    public boolean sendConnected() {
      return send("{\"channel\":\"global\",\"type\":\"connected\",\"data\":{\"clientId\":\"c"
          + number + "\",\"serverTime\":" + System.currentTimeMillis()
          + ",\"heartbeatIntervalMs\":" + heartbeatIntervalMs + "}}");
    }

    /** Writes raw bytes on the socket (e.g. a malformed frame). */
    public boolean sendRaw(byte[] bytes) {
      try {
        synchronized (out) {
          out.write(bytes);
          out.flush();
        }
        return true;
      } catch (IOException e) {
        return false;
      }
    }

    /** Sends a close frame with {@code code} and closes the TCP connection. */
    public void close(int code, String reason) {
      byte[] r = reason.getBytes(StandardCharsets.UTF_8);
      byte[] payload = new byte[2 + r.length];
      payload[0] = (byte) (code >> 8);
      payload[1] = (byte) code;
      System.arraycopy(r, 0, payload, 2, r.length);
      write(8, payload);
      drop();
    }

    /** Closes the TCP connection without a close frame. */
    public void drop() {
      open = false;
      resumeReading();
      try {
        socket.close();
      } catch (IOException e) {
        // gone already
      }
    }

    /** Stops reading from the socket (the client's writes then back up). */
    public void pauseReading() {
      synchronized (pause) {
        paused = true;
      }
    }

    public void resumeReading() {
      synchronized (pause) {
        paused = false;
        pause.notifyAll();
      }
    }

    private boolean write(int opcode, byte[] payload) {
      ByteArrayOutputStream f = new ByteArrayOutputStream(payload.length + 10);
      f.write(0x80 | opcode);
      if (payload.length < 126) {
        f.write(payload.length);
      } else if (payload.length < 65536) {
        f.write(126);
        f.write(payload.length >> 8);
        f.write(payload.length);
      } else {
        f.write(127);
        long n = payload.length;
        for (int i = 7; i >= 0; i--) {
          f.write((int) (n >> (8 * i)));
        }
      }
      f.writeBytes(payload);
      return sendRaw(f.toByteArray());
    }

    private void awaitResume() throws IOException {
      synchronized (pause) {
        while (paused && open) {
          try {
            pause.wait();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
          }
        }
      }
    }

    void readFrames(InputStream in) throws IOException {
      ByteArrayOutputStream message = new ByteArrayOutputStream();
      int messageOpcode = 0;
      while (open) {
        awaitResume();
        if (!open) {
          return;
        }
        int b0 = in.read();
        int b1 = in.read();
        if (b0 < 0 || b1 < 0) {
          return;
        }
        boolean fin = (b0 & 0x80) != 0;
        int opcode = b0 & 0x0F;
        boolean masked = (b1 & 0x80) != 0;
        long len = b1 & 0x7F;
        if (len == 126) {
          byte[] l = readFully(in, 2);
          len = ((l[0] & 0xFFL) << 8) | (l[1] & 0xFFL);
        } else if (len == 127) {
          byte[] l = readFully(in, 8);
          len = 0;
          for (byte x : l) {
            len = (len << 8) | (x & 0xFF);
          }
        }
        byte[] mask = masked ? readFully(in, 4) : new byte[4];
        byte[] payload = readFully(in, len);
        for (int i = 0; i < payload.length; i++) {
          payload[i] ^= mask[i % 4];
        }
        switch (opcode) {
          case 0, 1, 2 -> {
            if (opcode != 0) {
              messageOpcode = opcode;
              message.reset();
            }
            message.writeBytes(payload);
            if (fin) {
              if (messageOpcode == 1) {
                onText(message.toString(StandardCharsets.UTF_8));
              } else {
                onText("<binary " + message.size() + " bytes>");
              }
              message.reset();
            }
          }
          case 8 -> {
            write(8, payload.length >= 2 ? new byte[] {payload[0], payload[1]} : new byte[0]);
            drop();
            return;
          }
          case 9 -> write(10, payload);
          default -> { } // pong
        }
      }
    }

    private void onText(String text) {
      received.add(text);
      frames.add(text);
      String type = typeOf(text);
      String ref = refOf(text);
      String refPart = ref == null ? "" : ",\"ref\":\"" + ref + "\"";
      if ("ping".equals(type) && autoPong) {
        send("{\"channel\":\"global\",\"type\":\"pong\",\"data\":{\"timestamp\":"
            + field(TIMESTAMP, text) + "}" + refPart + "}");
      } else if ("subscribe".equals(type) && autoSubscribe) {
        send("{\"channel\":\"global\",\"type\":\"subscription_success\",\"data\":{\"channel\":\""
            + dataChannelOf(text) + "\"}" + refPart + "}");
      } else if ("unsubscribe".equals(type)) {
        send("{\"channel\":\"global\",\"type\":\"unsubscribed\",\"data\":{\"channel\":\""
            + dataChannelOf(text) + "\"}" + refPart + "}");
      }
    }
  }
}
