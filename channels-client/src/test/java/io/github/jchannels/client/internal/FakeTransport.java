package io.github.jchannels.client.internal;

import io.github.jchannels.client.transport.ClientTransport;
import io.github.jchannels.client.transport.TransportListener;
import io.github.jchannels.client.transport.TransportRequest;
import io.github.jchannels.client.transport.TransportSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** An in-memory transport for unit tests of the client's logic: the test plays the server. */
final class FakeTransport implements ClientTransport {
  private final boolean canPause;
  final BlockingQueue<Socket> opened = new LinkedBlockingQueue<>();

  FakeTransport(boolean canPause) {
    this.canPause = canPause;
  }

  @Override
  public TransportSocket open(TransportRequest request, TransportListener listener) {
    Socket s = new Socket(request, listener);
    opened.add(s);
    return s;
  }

  @Override
  public String name() {
    return "fake";
  }

  Socket take() throws InterruptedException {
    Socket s = opened.poll(20, TimeUnit.SECONDS);
    if (s == null) {
      throw new AssertionError("no socket opened");
    }
    return s;
  }

  final class Socket implements TransportSocket {
    final TransportRequest request;
    final TransportListener listener;
    final List<String> sent = new CopyOnWriteArrayList<>();
    final BlockingQueue<Integer> closes = new LinkedBlockingQueue<>();
    volatile boolean paused;

    Socket(TransportRequest request, TransportListener listener) {
      this.request = request;
      this.listener = listener;
    }

    /** Opens and sends {@code connected}. */
    void ready() {
      listener.onOpen();
      listener.onText("{\"channel\":\"global\",\"type\":\"connected\",\"data\":{\"clientId\":"
          + "\"f1\",\"serverTime\":1,\"heartbeatIntervalMs\":30000}}");
    }

    int takeClose() throws InterruptedException {
      Integer c = closes.poll(20, TimeUnit.SECONDS);
      if (c == null) {
        throw new AssertionError("socket not closed");
      }
      return c;
    }

    @Override
    public boolean send(String text) {
      sent.add(text);
      return true;
    }

    @Override
    public long queuedBytes() {
      return 0;
    }

    @Override
    public boolean canPauseReading() {
      return canPause;
    }

    @Override
    public void pauseReading() {
      paused = true;
    }

    @Override
    public void resumeReading() {
      paused = false;
    }

    @Override
    public void close(int code, String reason) {
      closes.add(code);
      listener.onClosed(code, reason, false);
    }

    @Override
    public void abort() {
      closes.add(1006);
      listener.onClosed(1006, "aborted", false);
    }

    @Override
    public boolean awaitTermination(Duration timeout) {
      return true;
    }
  }
}
