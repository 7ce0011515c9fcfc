package io.github.jchannels.test.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A plain TCP forwarder on loopback port 0: every accepted connection is piped to the current
 * target. Tests use it to cut a client's connection without touching the server
 * ({@link #dropAll()}: both sockets are reset, as when a network path dies) and to send the
 * client's next connection elsewhere ({@link #target}: another node of a cluster), since a
 * client keeps one URI. {@link #close()} ends every connection and thread.
 */
public final class TcpForwarder implements AutoCloseable {
  private final ServerSocket listener;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final List<Thread> threads = new CopyOnWriteArrayList<>();
  private final AtomicInteger accepted = new AtomicInteger();
  private final Thread acceptor;
  private volatile InetSocketAddress target;

  private TcpForwarder(InetSocketAddress target) throws IOException {
    this.target = Objects.requireNonNull(target, "target");
    listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    acceptor = Thread.ofPlatform().daemon().name("tcp-forwarder-accept").start(this::accept);
  }

  /** Starts a forwarder to {@code port} on loopback. */
  public static TcpForwarder toLoopbackPort(int port) throws IOException {
    return new TcpForwarder(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
  }

  /** The forwarder's own port. */
  public int port() {
    return listener.getLocalPort();
  }

  /** {@code ws://127.0.0.1:<port><path>}, the URI a client connects to. */
  public URI wsUri(String path) {
    return URI.create("ws://127.0.0.1:" + port() + path);
  }

  /** Connections accepted so far. */
  public int accepted() {
    return accepted.get();
  }

  /** Sends the connections accepted from now on to {@code port} on loopback. */
  public void target(int port) {
    this.target = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
  }

  /**
   * Resets every connection now open, on both sides (RST, no close handshake): the client sees
   * an abnormal end (1006) and the server a dead peer. New connections are still accepted.
   */
  public void dropAll() {
    for (Socket s : sockets) {
      try {
        s.setSoLinger(true, 0);
      } catch (IOException e) {
        // already closed
      }
      closeQuietly(s);
    }
    sockets.clear();
  }

  private void accept() {
    while (true) {
      Socket client;
      try {
        client = listener.accept();
      } catch (IOException e) {
        return;
      }
      accepted.incrementAndGet();
      sockets.add(client);
      start(() -> connect(client));
    }
  }

  private void connect(Socket client) {
    Socket upstream = new Socket();
    sockets.add(upstream);
    try {
      upstream.connect(target, 5000);
    } catch (IOException e) {
      closeQuietly(upstream);
      closeQuietly(client);
      return;
    }
    start(() -> pump(upstream, client));
    pump(client, upstream);
  }

  private void start(Runnable r) {
    Thread t = Thread.ofPlatform().daemon().name("tcp-forwarder").unstarted(r);
    threads.add(t);
    t.start();
  }

  private static void pump(Socket from, Socket to) {
    byte[] buf = new byte[16 * 1024];
    try {
      InputStream in = from.getInputStream();
      OutputStream out = to.getOutputStream();
      for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
        out.write(buf, 0, n);
        out.flush();
      }
    } catch (IOException e) {
      // one side ended
    } finally {
      closeQuietly(from);
      closeQuietly(to);
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // already closed
    }
  }

  @Override
  public void close() throws IOException {
    listener.close();
    for (Socket s : sockets) {
      closeQuietly(s);
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
}
