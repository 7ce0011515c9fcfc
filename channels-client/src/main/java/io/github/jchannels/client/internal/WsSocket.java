package io.github.jchannels.client.internal;

import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLContext;
import org.java_websocket.client.WebSocketClient;
import org.java_websocket.drafts.Draft_6455;
import org.java_websocket.framing.CloseFrame;
import org.java_websocket.handshake.ServerHandshake;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection attempt: a fresh Java-WebSocket client (they cannot be reused). Its
 * callbacks only forward to the {@link SocketListener}. Thread-safe.
 */
final class WsSocket {
  private static final Logger log = LoggerFactory.getLogger(WsSocket.class);

  private final Client client;
  private final SocketListener listener;
  private final AtomicBoolean closeReported = new AtomicBoolean();
  /** Counted down when the connect/read thread has left {@code run()}. */
  private final CountDownLatch finished = new CountDownLatch(1);
  private final AtomicBoolean started = new AtomicBoolean();

  WsSocket(URI uri, Map<String, String> headers, Duration connectTimeout, int maxFrameSize,
      @Nullable SSLContext ssl, SocketListener listener) {
    this.listener = listener;
    int timeoutMs = (int) Math.min(Integer.MAX_VALUE, Math.max(1, connectTimeout.toMillis()));
    this.client = new Client(uri, new Draft_6455(List.of(), maxFrameSize), headers, timeoutMs);
    client.setConnectionLostTimeout(0); // the protocol's own ping/pong does this job
    client.setTcpNoDelay(true);
    client.setDaemon(true);
    if (ssl != null && "wss".equals(uri.getScheme())) {
      client.setSocketFactory(ssl.getSocketFactory());
    }
  }

  /** Starts connecting on a new thread of Java-WebSocket's. */
  void connect() {
    started.set(true);
    client.connect();
  }

  /** Sends a text frame; false if the socket is not open. */
  boolean send(String text) {
    try {
      client.send(text);
      return true;
    } catch (RuntimeException e) { // WebsocketNotConnectedException and the like
      log.debug("Send on a closed socket dropped: {}", e.toString());
      return false;
    }
  }

  /** Starts the closing handshake with {@code code}. */
  void close(int code, String reason) {
    try {
      client.close(code, reason);
    } catch (RuntimeException e) {
      log.debug("close failed: {}", e.toString());
    }
  }

  /** Drops the TCP connection without a closing handshake. */
  void abort(String reason) {
    try {
      client.closeConnection(CloseFrame.ABNORMAL_CLOSE, reason);
    } catch (RuntimeException e) {
      log.debug("abort failed: {}", e.toString());
    }
  }

  /** Waits until the socket's reading thread has ended (true) or the time is up (false). */
  boolean awaitFinished(Duration timeout) throws InterruptedException {
    if (!started.get()) {
      return true;
    }
    return finished.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  boolean isFinished() {
    return !started.get() || finished.getCount() == 0;
  }

  private void reportClose(int code, String reason, boolean remote) {
    if (closeReported.compareAndSet(false, true)) {
      listener.onClose(this, code, reason, remote);
    }
  }

  private final class Client extends WebSocketClient {
    Client(URI uri, Draft_6455 draft, Map<String, String> headers, int timeoutMs) {
      super(uri, draft, headers, timeoutMs);
    }

    @Override
    public void run() {
      try {
        super.run();
      } finally {
        finished.countDown();
      }
    }

    @Override
    public void onOpen(ServerHandshake handshake) {
      listener.onOpen(WsSocket.this);
    }

    @Override
    public void onMessage(String message) {
      listener.onText(WsSocket.this, message);
    }

    @Override
    public void onMessage(ByteBuffer bytes) {
      listener.onBinary(WsSocket.this, bytes.remaining());
    }

    @Override
    public void onClose(int code, String reason, boolean remote) {
      // -1 (never connected) and other local pseudo codes read as an abnormal closure
      int c = code == CloseFrame.NEVER_CONNECTED || code == CloseFrame.BUGGYCLOSE
          || code == CloseFrame.FLASHPOLICY ? CloseFrame.ABNORMAL_CLOSE : code;
      reportClose(c, reason == null ? "" : reason, remote);
    }

    @Override
    public void onError(@Nullable Exception ex) {
      log.debug("WebSocket error: {}", String.valueOf(ex));
    }
  }
}
