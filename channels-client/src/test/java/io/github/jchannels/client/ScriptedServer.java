package io.github.jchannels.client;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.java_websocket.WebSocket;
import org.java_websocket.handshake.ClientHandshake;
import org.java_websocket.server.WebSocketServer;

/**
 * A minimal scripted channels server for client-only behaviours (bad frames, heartbeat
 * failures, backoff, handshake headers): sends {@code connected} on open (unless told not to),
 * answers {@code ping} and {@code subscribe} (unless told not to), records every frame.
 */
final class ScriptedServer implements AutoCloseable {
  private static final Pattern TYPE = Pattern.compile("\"type\"\\s*:\\s*\"([a-z_.0-9]+)\"");
  private static final Pattern CHANNEL_FIELD = Pattern.compile("\"channel\"\\s*:\\s*\"([^\"]+)\"");
  private static final Pattern REF = Pattern.compile("\"ref\"\\s*:\\s*\"([^\"]+)\"");
  private static final Pattern TIMESTAMP = Pattern.compile("\"timestamp\"\\s*:\\s*(\\d+)");

  volatile boolean sendConnected = true;
  volatile boolean answerPings = true;
  volatile boolean answerSubscribes = true;
  volatile long heartbeatIntervalMs = 30_000;
  /** Records the Authorization header of each handshake ("" when absent). */
  final BlockingQueue<String> authorizations = new LinkedBlockingQueue<>();
  final BlockingQueue<String> frames = new LinkedBlockingQueue<>();
  final AtomicInteger connections = new AtomicInteger();
  final List<WebSocket> open = new CopyOnWriteArrayList<>();
  private final Server server;
  private final boolean tls;

  ScriptedServer() throws InterruptedException {
    this(0);
  }

  ScriptedServer(int port) throws InterruptedException {
    this(port, null);
  }

  /** A server on {@code port} speaking TLS ({@code wss://}) when {@code tls} is given. */
  ScriptedServer(int port, javax.net.ssl.SSLContext tls) throws InterruptedException {
    this.tls = tls != null;
    server = new Server(port);
    if (tls != null) {
      server.setWebSocketFactory(new org.java_websocket.server.DefaultSSLWebSocketServerFactory(tls));
    }
    server.setReuseAddr(true);
    server.setDaemon(true);
    server.start();
    if (!server.started.await(5, TimeUnit.SECONDS)) {
      throw new IllegalStateException("scripted server did not start");
    }
  }

  int port() {
    return server.getPort();
  }

  URI uri() {
    return URI.create((tls ? "wss" : "ws") + "://127.0.0.1:" + port() + "/ws");
  }

  /** Sends raw text to every open connection. */
  void sendAll(String text) {
    open.stream().filter(WebSocket::isOpen).forEach(c -> c.send(text));
  }

  /** Sends {@code connected} to every open connection. */
  void sendConnectedAll() {
    open.stream().filter(WebSocket::isOpen).forEach(this::connected);
  }

  /** Closes every open connection with {@code code}. */
  void closeAll(int code, String reason) {
    open.stream().filter(WebSocket::isOpen).forEach(c -> c.close(code, reason));
  }

  /** The next frame of {@code type} received, within 5 s, or null. */
  String take(String type) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (System.nanoTime() < deadline) {
      String f = frames.poll(50, TimeUnit.MILLISECONDS);
      if (f != null && type.equals(field(TYPE, f))) {
        return f;
      }
    }
    return null;
  }

  static String field(Pattern p, String text) {
    Matcher m = p.matcher(text);
    return m.find() ? m.group(1) : null;
  }

  static String typeOf(String frame) {
    return field(TYPE, frame);
  }

  static String refOf(String frame) {
    return field(REF, frame);
  }

  private void connected(WebSocket c) {
    c.send("{\"channel\":\"global\",\"type\":\"connected\",\"data\":{\"clientId\":\"c"
        + connections.get() + "\",\"serverTime\":" + System.currentTimeMillis()
        + ",\"heartbeatIntervalMs\":" + heartbeatIntervalMs + "}}");
  }

  @Override
  public void close() throws InterruptedException {
    server.stop(2000);
  }

  private final class Server extends WebSocketServer {
    final CountDownLatch started = new CountDownLatch(1);

    Server(int port) {
      super(new InetSocketAddress("127.0.0.1", port), 1);
    }

    @Override
    public void onOpen(WebSocket conn, ClientHandshake handshake) {
      String auth = handshake.getFieldValue("Authorization");
      authorizations.add(auth == null ? "" : auth);
      open.add(conn);
      connections.incrementAndGet();
      if (sendConnected) {
        connected(conn);
      }
    }

    @Override
    public void onClose(WebSocket conn, int code, String reason, boolean remote) {
      open.remove(conn);
    }

    @Override
    public void onMessage(WebSocket conn, String message) {
      frames.add(message);
      String type = field(TYPE, message);
      String ref = field(REF, message);
      String refPart = ref == null ? "" : ",\"ref\":\"" + ref + "\"";
      if ("ping".equals(type) && answerPings) {
        conn.send("{\"channel\":\"global\",\"type\":\"pong\",\"data\":{\"timestamp\":"
            + field(TIMESTAMP, message) + "}" + refPart + "}");
      } else if ("subscribe".equals(type) && answerSubscribes) {
        String channel = message.replaceAll(".*\"data\"\\s*:\\s*\\{\\s*\"channel\"\\s*:\\s*\"([^\"]+)\".*", "$1");
        conn.send("{\"channel\":\"global\",\"type\":\"subscription_success\",\"data\":{\"channel\":\""
            + channel + "\"}" + refPart + "}");
      }
    }

    @Override
    public void onMessage(WebSocket conn, ByteBuffer message) {}

    @Override
    public void onError(WebSocket conn, Exception ex) {}

    @Override
    public void onStart() {
      started.countDown();
    }
  }

  @SuppressWarnings("unused")
  private static String channelField(String frame) {
    return field(CHANNEL_FIELD, frame);
  }
}
