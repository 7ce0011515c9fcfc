package io.github.jchannels.test.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A minimal HTTP proxy that only does {@code CONNECT} tunnels, on loopback port 0: enough to
 * prove a client really goes through a proxy ({@link #tunnels()} counts them, {@link #targets()}
 * names them). {@link #close()} ends every tunnel and thread.
 */
public final class HttpConnectProxy implements AutoCloseable {
  private final ServerSocket listener;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final List<Thread> threads = new CopyOnWriteArrayList<>();
  private final List<String> targets = new CopyOnWriteArrayList<>();
  private final AtomicInteger tunnels = new AtomicInteger();
  private final Thread acceptor;

  public HttpConnectProxy() throws IOException {
    listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    acceptor = Thread.ofPlatform().daemon().name("connect-proxy-accept").start(this::accept);
  }

  /** Where clients point their proxy setting. */
  public InetSocketAddress address() {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), listener.getLocalPort());
  }

  /** How many tunnels were opened. */
  public int tunnels() {
    return tunnels.get();
  }

  /** The {@code host:port} of every CONNECT, in order. */
  public List<String> targets() {
    return List.copyOf(targets);
  }

  private void accept() {
    while (true) {
      Socket client;
      try {
        client = listener.accept();
      } catch (IOException e) {
        return;
      }
      sockets.add(client);
      start(() -> tunnel(client));
    }
  }

  private void start(Runnable r) {
    Thread t = Thread.ofPlatform().daemon().name("connect-proxy").unstarted(r);
    threads.add(t);
    t.start();
  }

  private void tunnel(Socket client) {
    try {
      InputStream in = client.getInputStream();
      OutputStream out = client.getOutputStream();
      String request = readHead(in);
      String[] first = request.split("\r\n", 2)[0].split(" ", -1);
      if (first.length < 2 || !first[0].equals("CONNECT")) {
        out.write("HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII));
        client.close();
        return;
      }
      String target = first[1];
      int colon = target.lastIndexOf(':');
      Socket upstream = new Socket(target.substring(0, colon),
          Integer.parseInt(target.substring(colon + 1)));
      sockets.add(upstream);
      targets.add(target);
      tunnels.incrementAndGet();
      out.write("HTTP/1.1 200 Connection Established\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      start(() -> pump(upstream, client));
      pump(client, upstream);
    } catch (IOException | RuntimeException e) {
      closeQuietly(client);
    }
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

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int state = 0;
    while (state < 4) {
      int c = in.read();
      if (c < 0) {
        throw new IOException("request cut short");
      }
      b.write(c);
      state = (c == '\r' && (state == 0 || state == 2)) || (c == '\n' && (state == 1
          || state == 3)) ? state + 1 : (c == '\r' ? 1 : 0);
      if (b.size() > 16 * 1024) {
        throw new IOException("request head too long");
      }
    }
    return b.toString(StandardCharsets.ISO_8859_1);
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
