package io.github.jchannels.benchmarks.load;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.java_websocket.WebSocket;
import org.java_websocket.drafts.Draft;
import org.java_websocket.drafts.Draft_6455;
import org.java_websocket.handshake.ClientHandshake;
import org.java_websocket.server.WebSocketServer;
import org.jspecify.annotations.Nullable;

/**
 * The baseline: a bare Java-WebSocket 1.6.0 server that broadcasts the same frame text with
 * {@code broadcast(String, connections)}, nothing else (no protocol, no checks). Connections
 * are kept in a concurrent set, like the channels server's subscription index.
 */
public final class BareServer implements Target {
  private final Server server;
  private final Set<WebSocket> connections = ConcurrentHashMap.newKeySet();
  private final LongAdder serialised = new LongAdder();
  private final CountDownLatch started = new CountDownLatch(1);
  private volatile @Nullable Exception startError;

  /** A bare server on 127.0.0.1, any free port; call {@link #start()}. */
  public BareServer() {
    server = new Server(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    server.setReuseAddr(true);
    server.setTcpNoDelay(true);
    server.setDaemon(true);
  }

  /** Starts listening and waits until it does. */
  public BareServer start() {
    server.start();
    try {
      if (!started.await(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("bare server did not start");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    Exception error = startError;
    if (error != null) {
      throw new IllegalStateException("bare server did not start", error);
    }
    return this;
  }

  @Override
  public String name() {
    return "bare";
  }

  @Override
  public LoadClient.Protocol protocol() {
    return LoadClient.Protocol.BARE;
  }

  @Override
  public String path() {
    return "/";
  }

  @Override
  public int port() {
    return server.getPort();
  }

  @Override
  public int receivers() {
    return connections.size();
  }

  @Override
  public void broadcast(long seq, long sentNanos) {
    String text = Payload.text(seq, sentNanos);
    serialised.increment();
    server.broadcast(text, connections);
  }

  @Override
  public long serialisations() {
    return serialised.sum();
  }

  @Override
  public void close() {
    try {
      server.stop(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private final class Server extends WebSocketServer {
    Server(InetSocketAddress address) {
      super(address, List.<Draft>of(new Draft_6455()));
    }

    @Override
    public void onOpen(WebSocket conn, ClientHandshake handshake) {
      connections.add(conn);
    }

    @Override
    public void onClose(WebSocket conn, int code, String reason, boolean remote) {
      connections.remove(conn);
    }

    @Override
    public void onMessage(WebSocket conn, String message) {
      // the benchmark's clients send nothing after the upgrade
    }

    @Override
    public void onError(WebSocket conn, Exception ex) {
      if (conn == null) {
        startError = ex;
        started.countDown();
      }
    }

    @Override
    public void onStart() {
      started.countDown();
    }
  }
}
