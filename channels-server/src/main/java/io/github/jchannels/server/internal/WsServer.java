package io.github.jchannels.server.internal;

import io.github.jchannels.server.Handshake;
import io.github.jchannels.server.ServerLimits;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.java_websocket.WebSocket;
import org.java_websocket.WebSocketAdapter;
import org.java_websocket.WebSocketImpl;
import org.java_websocket.WebSocketServerFactory;
import org.java_websocket.drafts.Draft;
import org.java_websocket.exceptions.InvalidDataException;
import org.java_websocket.framing.CloseFrame;
import org.java_websocket.framing.Framedata;
import org.java_websocket.handshake.ClientHandshake;
import org.java_websocket.handshake.ServerHandshakeBuilder;
import org.java_websocket.server.WebSocketServer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Java-WebSocket side: turns its callbacks (on its selector and decoder threads, which must
 * never block) into {@link ServerRuntime} calls that queue work per connection. Configured
 * against the library's traps (NOTES.md): a bounded draft, no deflate, its own pings (the
 * library's lost-connection timer is off), SO_REUSEADDR, a socket factory that counts bytes.
 */
final class WsServer extends WebSocketServer {
  private static final Logger log = LoggerFactory.getLogger(WsServer.class);

  private final ServerRuntime runtime;
  /** The selector thread, known once {@link #onStart()} ran. */
  private volatile @Nullable Thread selectorThread;
  private volatile @Nullable Exception startFailure;
  private final java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);

  WsServer(InetSocketAddress address, int decoders, ServerRuntime runtime) {
    super(address, decoders, List.of(new LimitedDraft(runtime.limits().maxFrameSize())));
    this.runtime = runtime;
    setReuseAddr(true);
    setTcpNoDelay(true);
    setConnectionLostTimeout(0); // pings are ours: see ServerRuntime
    setWebSocketFactory(new Factory());
  }

  ServerLimits limits() {
    return runtime.limits();
  }

  Metrics metrics() {
    return runtime.metrics();
  }

  /** Waits for the bind; rethrows its failure. */
  void awaitStart(long timeoutMillis) throws Exception {
    if (!started.await(timeoutMillis, java.util.concurrent.TimeUnit.MILLISECONDS)) {
      throw new IOException("server did not start within " + timeoutMillis + " ms");
    }
    Exception e = startFailure;
    if (e != null) {
      throw e;
    }
  }

  @Nullable Thread selectorThread() {
    return selectorThread;
  }

  /** The decoder threads. */
  List<WebSocketWorker> workers() {
    return List.copyOf(decoders);
  }

  // ------------------------------------------------------------- callbacks

  @Override
  public void onStart() {
    selectorThread = Thread.currentThread();
    started.countDown();
  }

  @Override
  public ServerHandshakeBuilder onWebsocketHandshakeReceivedAsServer(WebSocket conn, Draft draft,
      ClientHandshake request) throws InvalidDataException {
    ServerHandshakeBuilder response = super.onWebsocketHandshakeReceivedAsServer(conn, draft,
        request);
    WsConnection c = conn.getAttachment();
    if (c == null) {
      throw new InvalidDataException(CloseFrame.POLICY_VALIDATION, "unknown connection");
    }
    Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    for (Iterator<String> it = request.iterateHttpFields(); it.hasNext(); ) {
      String name = it.next();
      headers.put(name, request.getFieldValue(name));
    }
    InetSocketAddress remote = null;
    try {
      remote = conn.getRemoteSocketAddress();
    } catch (RuntimeException e) {
      log.trace("No remote address", e);
    }
    Handshake h = new Handshake(request.getResourceDescriptor(), headers, remote);
    String refusal = runtime.admit(c, h);
    if (refusal != null) {
      throw new InvalidDataException(CloseFrame.POLICY_VALIDATION, refusal);
    }
    return response;
  }

  @Override
  public void onOpen(WebSocket conn, ClientHandshake handshake) {
    WsConnection c = conn.getAttachment();
    if (c != null) {
      runtime.opened(c);
    }
  }

  @Override
  public void onMessage(WebSocket conn, String message) {
    WsConnection c = conn.getAttachment();
    if (c != null) {
      runtime.text(c, message);
    }
  }

  @Override
  public void onMessage(WebSocket conn, ByteBuffer message) {
    // LimitedDraft refuses binary frames before they get here; this is a second line.
    conn.close(CloseFrame.REFUSE, "binary frames are not accepted");
  }

  @Override
  public void onWebsocketPong(WebSocket conn, Framedata f) {
    WsConnection c = conn.getAttachment();
    if (c != null) {
      c.lastSeen = System.nanoTime();
    }
  }

  @Override
  public void onWebsocketPing(WebSocket conn, Framedata f) {
    super.onWebsocketPing(conn, f); // answers with a pong
    WsConnection c = conn.getAttachment();
    if (c != null) {
      c.lastSeen = System.nanoTime();
    }
  }

  @Override
  public void onCloseInitiated(WebSocket conn, int code, String reason) {
    WsConnection c = conn.getAttachment();
    if (c != null) {
      runtime.closing(c, code);
    }
  }

  @Override
  public void onClose(WebSocket conn, int code, String reason, boolean remote) {
    WsConnection c = conn.getAttachment();
    if (c != null) {
      runtime.closed(c, code, reason == null ? "" : reason);
    }
  }

  @Override
  public void onError(@Nullable WebSocket conn, Exception ex) {
    if (conn == null && selectorThread == null) {
      startFailure = ex;
      started.countDown();
      return;
    }
    log.debug("WebSocket error on {}: {}", conn == null ? "server" : conn.getAttachment(),
        ex.toString());
  }

  /** Creates our connection object at TCP accept and wraps the socket. */
  private final class Factory implements WebSocketServerFactory {
    @Override
    public WebSocketImpl createWebSocket(WebSocketAdapter a, Draft d) {
      return createWebSocket(a, List.of(d));
    }

    @Override
    public WebSocketImpl createWebSocket(WebSocketAdapter a, List<Draft> drafts) {
      WebSocketImpl impl = new WebSocketImpl(a, drafts);
      impl.setAttachment(runtime.accepted(impl, WsServer.this));
      return impl;
    }

    @Override
    public ByteChannel wrapChannel(SocketChannel channel, SelectionKey key) throws IOException {
      WebSocketImpl impl = (WebSocketImpl) key.attachment();
      WsConnection c = impl.getAttachment();
      ByteChannel inner = channel;
      javax.net.ssl.SSLContext tls = runtime.tls();
      if (tls != null) {
        javax.net.ssl.SSLEngine engine = tls.createSSLEngine();
        engine.setUseClientMode(false);
        inner = new org.java_websocket.SSLSocketChannel2(channel, engine, runtime.executor(), key);
      }
      return new CountingChannel(inner, c, runtime.limits().maxHandshakeSize());
    }

    @Override
    public void close() {
    }
  }

  static int utf8Length(String s) {
    int n = s.length();
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      if (ch >= 0x80) {
        return s.getBytes(StandardCharsets.UTF_8).length;
      }
    }
    return n;
  }
}
