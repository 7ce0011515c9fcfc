package io.github.jchannels.server.internal.jws;

import io.github.jchannels.core.transport.CloseCodes;
import io.github.jchannels.server.Handshake;
import io.github.jchannels.server.transport.ConnectionEvents;
import io.github.jchannels.server.transport.TransportContext;
import io.github.jchannels.server.transport.UpgradeResult;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.java_websocket.SSLSocketChannel2;
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
 * The Java-WebSocket server: turns its callbacks (on its selector and decoder threads, which
 * must never block) into the core's {@link ConnectionEvents}. Configured against the library's
 * traps (NOTES.md): a bounded draft, no deflate, no automatic pongs and no lost-connection
 * timer (the core does both), SO_REUSEADDR, a socket factory that counts bytes.
 */
final class JwsServer extends WebSocketServer {
  private static final Logger log = LoggerFactory.getLogger(JwsServer.class);

  private final TransportContext context;
  private final JwsTransport transport;
  /** The selector thread, known once {@link #onStart()} ran. */
  private volatile @Nullable Thread selectorThread;
  private volatile @Nullable Exception startFailure;
  private final CountDownLatch started = new CountDownLatch(1);

  JwsServer(InetSocketAddress address, int decoders, TransportContext context,
      JwsTransport transport) {
    super(address, decoders, List.of(new LimitedDraft(new InboundBudget(context.limits(),
        context.scheduler()))));
    this.context = context;
    this.transport = transport;
    setMaxPendingConnections(context.limits().acceptBacklog()); // Java-WebSocket's default: 50
    setReuseAddr(true);
    setTcpNoDelay(true);
    setConnectionLostTimeout(0); // pings are the core's
    setWebSocketFactory(new Factory());
  }

  JwsTransport transport() {
    return transport;
  }

  /** Waits for the bind; rethrows its failure. */
  void awaitStart(long timeoutMillis) throws IOException, InterruptedException {
    if (!started.await(timeoutMillis, TimeUnit.MILLISECONDS)) {
      throw new IOException("server did not start within " + timeoutMillis + " ms");
    }
    Exception e = startFailure;
    if (e instanceof IOException io) {
      throw io;
    }
    if (e != null) {
      throw new IOException(e);
    }
  }

  @Nullable Thread selectorThread() {
    return selectorThread;
  }

  /** The decoder threads. */
  List<WebSocketWorker> workers() {
    return List.copyOf(decoders);
  }

  private static @Nullable ConnectionEvents events(WebSocket conn) {
    JwsConnection c = conn.getAttachment();
    return c == null ? null : c.events();
  }

  // ------------------------------------------------------------- callbacks

  @Override
  public void onStart() {
    selectorThread = Thread.currentThread();
    started.countDown();
  }

  // ------------------------------------------------------------- descriptors

  /**
   * One descriptor held in reserve. Java-WebSocket 1.6.0 closes its listening socket when an
   * {@code accept} fails (EMFILE/ENFILE end in its generic IOException handler), so the server
   * would never accept again. Before each accept the reserve is given up, which guarantees the
   * accept a descriptor; after it the reserve is taken again. If that fails the process is at
   * its limit: the new connection is closed, and accepting pauses for {@link #ACCEPT_PAUSE}
   * (real time: a wake-up of this transport, not a protocol timer), then resumes.
   */
  private @Nullable DatagramChannel reserve = openReserve();
  private static final Duration ACCEPT_PAUSE = Duration.ofMillis(100);
  private volatile @Nullable SelectionKey acceptKey;

  private static @Nullable DatagramChannel openReserve() {
    try {
      return DatagramChannel.open();
    } catch (IOException e) {
      return null; // out of descriptors already: retried at the next accept
    }
  }

  @Override
  protected boolean onConnect(SelectionKey key) {
    acceptKey = key;
    DatagramChannel r = reserve;
    if (r != null) {
      try {
        r.close();
      } catch (IOException e) {
        log.trace("Closing the reserve descriptor failed", e);
      }
      reserve = null;
    }
    return true;
  }

  /** Right after an accept (selector thread): takes the reserve back, or pauses accepting. */
  boolean afterAccept() {
    reserve = openReserve();
    if (reserve != null) {
      return true;
    }
    SelectionKey k = acceptKey;
    if (k != null && k.isValid()) {
      log.warn("Out of file descriptors: not accepting for {} ms", ACCEPT_PAUSE.toMillis());
      k.interestOps(0);
      transport.afterRealDelay(ACCEPT_PAUSE, () -> {
        try {
          if (k.isValid()) {
            k.interestOps(SelectionKey.OP_ACCEPT);
            k.selector().wakeup();
          }
        } catch (CancelledKeyException e) {
          log.trace("Accept key cancelled", e);
        }
      });
    }
    return false;
  }

  void releaseReserve() {
    DatagramChannel r = reserve;
    reserve = null;
    if (r != null) {
      try {
        r.close();
      } catch (IOException e) {
        log.trace("Closing the reserve descriptor failed", e);
      }
    }
  }

  @Override
  public ServerHandshakeBuilder onWebsocketHandshakeReceivedAsServer(WebSocket conn, Draft draft,
      ClientHandshake request) throws InvalidDataException {
    ServerHandshakeBuilder response = super.onWebsocketHandshakeReceivedAsServer(conn, draft,
        request);
    ConnectionEvents e = events(conn);
    if (e == null) {
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
    } catch (RuntimeException ex) {
      log.trace("No remote address", ex);
    }
    UpgradeResult r = e.upgrade(new Handshake(request.getResourceDescriptor(), headers, remote));
    JwsConnection jc = conn.getAttachment();
    if (r.status() == 503 && jc != null) {
      // Over a connection limit (or shutting down): Java-WebSocket cannot answer 503, so the
      // upgrade completes and the connection is closed with 1013 at once (PROTOCOL.md 7).
      jc.refuseAfterUpgrade(r.reason());
      return response;
    }
    if (!r.accepted()) {
      JwsConnection c = conn.getAttachment();
      if (c != null) {
        c.refused();
      }
      // Java-WebSocket 1.6.0 answers every refusal with HTTP 404 (upstream issue 1423)
      throw new InvalidDataException(CloseFrame.POLICY_VALIDATION, r.reason());
    }
    return response;
  }

  @Override
  public void onOpen(WebSocket conn, ClientHandshake handshake) {
    JwsConnection c = conn.getAttachment();
    if (c == null) {
      return;
    }
    String refusal = c.refusedAfterUpgrade();
    if (refusal != null) {
      conn.close(CloseCodes.TRY_AGAIN_LATER, refusal);
      return;
    }
    c.opened();
  }

  @Override
  public void onMessage(WebSocket conn, String message) {
    ConnectionEvents e = events(conn);
    if (e != null) {
      e.text(message);
    }
  }

  @Override
  public void onMessage(WebSocket conn, ByteBuffer message) {
    ConnectionEvents e = events(conn);
    if (e != null) {
      e.binary(message);
    }
  }

  @Override
  public void onWebsocketPong(WebSocket conn, Framedata f) {
    ConnectionEvents e = events(conn);
    if (e != null) {
      e.pong(f.getPayloadData());
    }
  }

  @Override
  public void onWebsocketPing(WebSocket conn, Framedata f) {
    // no super call: the core decides whether and how to answer (JwsConnection.pong)
    ConnectionEvents e = events(conn);
    if (e != null) {
      e.ping(f.getPayloadData());
    }
  }

  @Override
  public void onCloseInitiated(WebSocket conn, int code, String reason) {
    ConnectionEvents e = events(conn);
    if (e != null) {
      e.closeSent(code);
    }
  }

  @Override
  public void onClose(WebSocket conn, int code, String reason, boolean remote) {
    JwsConnection c = conn.getAttachment();
    if (c != null) {
      c.closed(code, reason == null ? "" : reason);
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
      WebSocketImpl impl = new CountedSocket(a, drafts);
      JwsConnection c = new JwsConnection(impl, JwsServer.this);
      impl.setAttachment(c);
      transport.remember(c);
      c.events(context.connecting(c));
      return impl;
    }

    @Override
    public ByteChannel wrapChannel(SocketChannel channel, SelectionKey key) throws IOException {
      WebSocketImpl impl = (WebSocketImpl) key.attachment();
      JwsConnection c = impl.getAttachment();
      if (!afterAccept()) {
        // Drop the new connection, but let Java-WebSocket finish its accept normally: an
        // exception here would leave the accept key in its selected set (a busy loop)
        channel.close();
        c.channelClosed();
        return new CountingChannel(channel, c, context.limits().maxHandshakeSize());
      }
      if (c.accepted(channel)) {
        c.channelClosed();
        return new CountingChannel(channel, c, context.limits().maxHandshakeSize());
      }
      ByteChannel inner = channel;
      SSLContext tls = context.tls();
      if (tls != null) {
        SSLEngine engine = tls.createSSLEngine();
        engine.setUseClientMode(false);
        inner = new SSLSocketChannel2(channel, engine, context.executor(), key);
      }
      return new CountingChannel(inner, c, context.limits().maxHandshakeSize());
    }

    @Override
    public void close() {
    }
  }
}
