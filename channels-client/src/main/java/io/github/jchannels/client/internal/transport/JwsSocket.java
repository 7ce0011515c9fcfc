package io.github.jchannels.client.internal.transport;

import io.github.jchannels.client.transport.TransportListener;
import io.github.jchannels.client.transport.TransportRequest;
import io.github.jchannels.client.transport.TransportSocket;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import org.java_websocket.WebSocket;
import org.java_websocket.WebSocketImpl;
import org.java_websocket.client.WebSocketClient;
import org.java_websocket.drafts.Draft;
import org.java_websocket.drafts.Draft_6455;
import org.java_websocket.enums.HandshakeState;
import org.java_websocket.exceptions.InvalidHandshakeException;
import org.java_websocket.framing.CloseFrame;
import org.java_websocket.handshake.ClientHandshake;
import org.java_websocket.handshake.Handshakedata;
import org.java_websocket.handshake.ServerHandshake;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection on a fresh Java-WebSocket client (they cannot be reused). Pausing blocks the
 * connection's own reading thread between two messages, so the socket is not read and TCP
 * pushes back. The HTTP status of a refused handshake is taken from the draft, which sees the
 * response before Java-WebSocket turns it into a generic 1002.
 */
final class JwsSocket implements TransportSocket {
  private static final Logger log = LoggerFactory.getLogger(JwsSocket.class);

  private final TransportListener listener;
  private final Client client;
  private final AtomicBoolean reported = new AtomicBoolean();
  /** Counted down when the connect/read thread has left {@code run()}. */
  private final CountDownLatch finished = new CountDownLatch(1);
  private final AtomicBoolean started = new AtomicBoolean();
  /** The status line of the handshake response, 0 until one arrived. */
  private volatile int handshakeStatus;
  private volatile boolean closing;
  /** Guarded by itself: whether the reading thread should wait before the next message. */
  private final Object pause = new Object();
  private boolean paused;

  JwsSocket(TransportRequest request, TransportListener listener) {
    this.listener = listener;
    int timeoutMs = (int) Math.min(Integer.MAX_VALUE,
        Math.max(1, request.connectTimeout().toMillis()));
    this.client = new Client(request, new StatusDraft(request.maxFrameSize(), this),
        timeoutMs);
    client.setConnectionLostTimeout(0); // the protocol's own ping/pong does this job
    client.setTcpNoDelay(true);
    client.setDaemon(true);
    boolean tls = "wss".equals(request.uri().getScheme());
    InetSocketAddress proxy = request.proxy();
    if (proxy != null) {
      client.setProxy(new Proxy(Proxy.Type.HTTP, proxy));
    }
    SSLContext ssl = request.sslContext();
    if (tls && ssl != null) {
      // with a proxy, Java-WebSocket layers TLS over the tunnel with this factory
      client.setSocketFactory(ssl.getSocketFactory());
    }
  }

  void start() {
    started.set(true);
    client.connect();
  }

  @Override
  public boolean send(String text) {
    if (closing) {
      return false;
    }
    try {
      client.send(text);
      return true;
    } catch (RuntimeException e) { // WebsocketNotConnectedException and the like
      log.debug("Send on a closed socket dropped: {}", e.toString());
      return false;
    }
  }

  /**
   * Bytes in Java-WebSocket's unbounded out-queue. Counting walks the queue: the client asks
   * only near its cap (see {@code Outbound}).
   */
  @Override
  public long queuedBytes() {
    WebSocket c = client.getConnection();
    long n = 0;
    if (c instanceof WebSocketImpl impl) {
      for (ByteBuffer b : impl.outQueue) {
        n += b.remaining();
      }
    }
    return n;
  }

  @Override
  public boolean canPauseReading() {
    return true;
  }

  @Override
  public void pauseReading() {
    synchronized (pause) {
      paused = true;
    }
  }

  @Override
  public void resumeReading() {
    synchronized (pause) {
      paused = false;
      pause.notifyAll();
    }
  }

  /** On the reading thread, after a message: waits while paused and the socket is open. */
  private void awaitResume() {
    synchronized (pause) {
      while (paused && !closing && !reported.get()) {
        try {
          pause.wait();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  @Override
  public void close(int code, String reason) {
    closing = true;
    resumeReading();
    try {
      client.close(code, reason);
    } catch (RuntimeException e) {
      log.debug("close failed: {}", e.toString());
    }
  }

  @Override
  public void abort() {
    closing = true;
    resumeReading();
    try {
      client.closeConnection(CloseFrame.ABNORMAL_CLOSE, "aborted");
    } catch (RuntimeException e) {
      log.debug("abort failed: {}", e.toString());
    }
    if (!started.get() || finished.getCount() == 0) {
      report(1006, "aborted", false);
    }
  }

  @Override
  public boolean awaitTermination(Duration timeout) throws InterruptedException {
    if (!started.get()) {
      return true;
    }
    return finished.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  private void report(int code, String reason, boolean remote) {
    if (!reported.compareAndSet(false, true)) {
      return;
    }
    resumeReading();
    int status = handshakeStatus;
    if (status != 0 && status != 101) {
      listener.onRefused(status, "HTTP " + status);
    } else {
      listener.onClosed(code, reason, remote);
    }
  }

  /** Draft_6455 with the frame limit that also remembers the handshake's HTTP status. */
  private static final class StatusDraft extends Draft_6455 {
    private final int maxFrameSize;
    private final JwsSocket owner;

    StatusDraft(int maxFrameSize, JwsSocket owner) {
      super(List.of(), maxFrameSize);
      this.maxFrameSize = maxFrameSize;
      this.owner = owner;
    }

    /** Java-WebSocket refuses a status other than 101 while parsing: read it first. */
    @Override
    public Handshakedata translateHandshake(ByteBuffer buf) throws InvalidHandshakeException {
      ByteBuffer peek = buf.duplicate();
      StringBuilder line = new StringBuilder();
      while (peek.hasRemaining() && line.length() < 64) {
        char c = (char) (peek.get() & 0xFF);
        if (c == '\r' || c == '\n') {
          break;
        }
        line.append(c);
      }
      String[] parts = line.toString().split(" ", -1);
      if (parts.length > 1 && parts[0].startsWith("HTTP/")) {
        try {
          owner.handshakeStatus = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
          // not a status line: Java-WebSocket will say so
        }
      }
      return super.translateHandshake(buf);
    }

    @Override
    public HandshakeState acceptHandshakeAsClient(ClientHandshake request,
        ServerHandshake response) throws InvalidHandshakeException {
      owner.handshakeStatus = response.getHttpStatus();
      return super.acceptHandshakeAsClient(request, response);
    }

    @Override
    public Draft copyInstance() {
      return new StatusDraft(maxFrameSize, owner);
    }
  }

  private final class Client extends WebSocketClient {
    private final @Nullable SSLParameters sslParameters;

    Client(TransportRequest request, Draft draft, int timeoutMs) {
      super(request.uri(), draft, request.headers(), timeoutMs);
      this.sslParameters = request.sslParameters();
    }

    @Override
    public void run() {
      try {
        super.run();
      } finally {
        finished.countDown();
        report(1006, "connection ended", false); // no-op when onClose already reported
      }
    }

    @Override
    protected void onSetSSLParameters(SSLParameters p) {
      super.onSetSSLParameters(p); // host name verification (HTTPS endpoint identification)
      SSLParameters own = sslParameters;
      if (own != null) {
        if (own.getProtocols() != null) {
          p.setProtocols(own.getProtocols());
        }
        if (own.getCipherSuites() != null) {
          p.setCipherSuites(own.getCipherSuites());
        }
        if (own.getServerNames() != null) {
          p.setServerNames(own.getServerNames());
        }
        if (own.getApplicationProtocols().length > 0) {
          p.setApplicationProtocols(own.getApplicationProtocols());
        }
        if (own.getEndpointIdentificationAlgorithm() != null) {
          p.setEndpointIdentificationAlgorithm(own.getEndpointIdentificationAlgorithm());
        }
      }
    }

    @Override
    public void onOpen(ServerHandshake handshake) {
      listener.onOpen();
    }

    @Override
    public void onMessage(String message) {
      listener.onText(message);
      awaitResume();
    }

    @Override
    public void onMessage(ByteBuffer bytes) {
      listener.onBinary(bytes.remaining());
      awaitResume();
    }

    @Override
    public void onClose(int code, String reason, boolean remote) {
      // -1 (never connected) and other local pseudo codes read as an abnormal closure
      int c = code == CloseFrame.NEVER_CONNECTED || code == CloseFrame.BUGGYCLOSE
          || code == CloseFrame.FLASHPOLICY ? CloseFrame.ABNORMAL_CLOSE : code;
      report(c, reason == null ? "" : reason, remote);
    }

    @Override
    public void onError(@Nullable Exception ex) {
      log.debug("WebSocket error: {}", String.valueOf(ex));
    }
  }
}
