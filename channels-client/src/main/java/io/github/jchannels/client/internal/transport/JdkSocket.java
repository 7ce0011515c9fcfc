package io.github.jchannels.client.internal.transport;

import io.github.jchannels.client.transport.TransportListener;
import io.github.jchannels.client.transport.TransportRequest;
import io.github.jchannels.client.transport.TransportSocket;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection on {@code java.net.http.WebSocket}, with an {@code HttpClient} and an executor
 * of its own (released when the socket ends). Reading is demand-driven: one message is requested
 * at a time, and none while paused. Sends are chained (the JDK allows one outstanding send).
 */
final class JdkSocket implements TransportSocket, WebSocket.Listener {
  private static final Logger log = LoggerFactory.getLogger(JdkSocket.class);
  private static final AtomicInteger SEQ = new AtomicInteger();

  private final TransportRequest request;
  private final TransportListener listener;
  private final ExecutorService executor;
  private final HttpClient http;
  private final AtomicBoolean reported = new AtomicBoolean();
  /** Counted down once the outcome was reported. */
  private final CountDownLatch ended = new CountDownLatch(1);
  private final AtomicLong queued = new AtomicLong();
  private final Object lock = new Object();
  /** Null until open. */
  private volatile @Nullable WebSocket ws;
  /** Set when this side sent a close frame or aborted. */
  private volatile boolean closing;
  // guarded by lock
  private final ArrayDeque<String> outbox = new ArrayDeque<>();
  private boolean sending;
  private boolean paused;
  /** A request(1) owed because the last message arrived while paused. */
  private boolean owed;
  // confined to the JDK's delivery (one callback at a time per WebSocket)
  private @Nullable StringBuilder text;
  private long textBytes;
  private long binaryBytes;

  JdkSocket(TransportRequest request, TransportListener listener) {
    this.request = request;
    this.listener = listener;
    this.executor = Executors.newCachedThreadPool(
        new DaemonThreads("channels-jdk-ws-" + SEQ.incrementAndGet()));
    HttpClient.Builder b = HttpClient.newBuilder().executor(executor)
        .connectTimeout(request.connectTimeout());
    SSLContext ssl = request.sslContext();
    if (ssl != null) {
      b.sslContext(ssl);
    }
    SSLParameters params = request.sslParameters();
    if (params != null) {
      b.sslParameters(params);
    }
    InetSocketAddress proxy = request.proxy();
    if (proxy != null) {
      b.proxy(ProxySelector.of(proxy));
    }
    this.http = b.build();
  }

  void start() {
    WebSocket.Builder wb = http.newWebSocketBuilder().connectTimeout(request.connectTimeout());
    request.headers().forEach(wb::header);
    try {
      CompletableFuture<?> unused = wb.buildAsync(request.uri(), this).whenComplete((w, e) -> {
        if (e != null) {
          failed(e);
        }
      });
    } catch (RuntimeException e) { // a header the JDK refuses, a bad URI
      failed(e);
    }
  }

  private void failed(Throwable e) {
    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    if (cause instanceof WebSocketHandshakeException h) {
      int status = h.getResponse().statusCode();
      if (reported.compareAndSet(false, true)) {
        finish();
        try {
          listener.onRefused(status, "HTTP " + status);
        } finally {
          ended.countDown();
        }
      }
      return;
    }
    reportClosed(1006, String.valueOf(cause.getMessage() == null ? cause : cause.getMessage()),
        false);
  }

  private void reportClosed(int code, String reason, boolean remote) {
    if (reported.compareAndSet(false, true)) {
      WebSocket w = ws;
      if (w != null && !w.isOutputClosed()) {
        w.abort();
      }
      finish();
      try {
        listener.onClosed(code, reason, remote);
      } finally {
        ended.countDown();
      }
    }
  }

  private void finish() {
    synchronized (lock) {
      outbox.clear();
    }
    queued.set(0);
    http.shutdownNow();
    executor.shutdown();
  }

  // ---------------------------------------------------------------- WebSocket.Listener

  @Override
  public void onOpen(WebSocket webSocket) {
    ws = webSocket;
    listener.onOpen();
    webSocket.request(1);
  }

  @Override
  public @Nullable CompletionStage<?> onText(WebSocket webSocket, CharSequence data,
      boolean last) {
    textBytes += Utf8.length(data);
    if (textBytes > request.maxFrameSize()) {
      tooBig(webSocket);
      return null;
    }
    String whole;
    if (text == null && last) {
      whole = data.toString();
    } else {
      StringBuilder sb = text == null ? new StringBuilder() : text;
      sb.append(data);
      text = sb;
      if (!last) {
        webSocket.request(1);
        return null;
      }
      whole = sb.toString();
    }
    text = null;
    textBytes = 0;
    listener.onText(whole);
    demand(webSocket);
    return null;
  }

  @Override
  public @Nullable CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data,
      boolean last) {
    binaryBytes += data.remaining();
    if (last) {
      long n = binaryBytes;
      binaryBytes = 0;
      listener.onBinary((int) Math.min(Integer.MAX_VALUE, n));
      demand(webSocket);
    } else {
      webSocket.request(1);
    }
    return null;
  }

  @Override
  public @Nullable CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message) {
    webSocket.request(1); // the JDK answers with a pong by itself
    return null;
  }

  @Override
  public @Nullable CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message) {
    webSocket.request(1);
    return null;
  }

  @Override
  public @Nullable CompletionStage<?> onClose(WebSocket webSocket, int statusCode,
      String reason) {
    // our own close frame was sent first when closing: the server only answered it
    reportClosed(statusCode == -1 ? 1005 : statusCode, reason, !closing);
    return null;
  }

  @Override
  public void onError(WebSocket webSocket, Throwable error) {
    log.debug("WebSocket error: {}", error.toString());
    reportClosed(1006, String.valueOf(error.getMessage()), false);
  }

  private void tooBig(WebSocket webSocket) {
    text = null;
    closing = true;
    String why = "message over the client's frame limit of " + request.maxFrameSize() + " bytes";
    CompletableFuture<WebSocket> f = webSocket.sendClose(1009, "message too big");
    CompletableFuture<?> unused = f.whenComplete((w, e) -> webSocket.abort());
    reportClosed(1009, why, false);
  }

  private void demand(WebSocket webSocket) {
    synchronized (lock) {
      if (paused && !closing) {
        owed = true;
        return;
      }
    }
    webSocket.request(1);
  }

  // ---------------------------------------------------------------- TransportSocket

  @Override
  public boolean send(String message) {
    WebSocket w = ws;
    if (w == null || closing || reported.get()) {
      return false;
    }
    synchronized (lock) {
      outbox.addLast(message);
      queued.addAndGet(Utf8.length(message));
      if (sending) {
        return true;
      }
      sending = true;
    }
    pump(w);
    return true;
  }

  /** Sends the next queued message; its completion (on the executor) sends the one after. */
  private void pump(WebSocket w) {
    String next;
    synchronized (lock) {
      next = outbox.pollFirst();
      if (next == null) {
        sending = false;
        return;
      }
    }
    long len = Utf8.length(next);
    try {
      CompletableFuture<?> unused = w.sendText(next, true).whenCompleteAsync((x, e) -> {
        queued.addAndGet(-len);
        if (e != null) {
          log.debug("Send failed: {}", e.toString());
          synchronized (lock) {
            sending = false;
            outbox.clear();
          }
          return;
        }
        pump(w);
      }, executor);
    } catch (RuntimeException e) { // output closed, or the executor shut down
      synchronized (lock) {
        sending = false;
        outbox.clear();
      }
      queued.set(0);
    }
  }

  @Override
  public long queuedBytes() {
    return Math.max(0, queued.get());
  }

  @Override
  public boolean canPauseReading() {
    return true;
  }

  @Override
  public void pauseReading() {
    synchronized (lock) {
      paused = true;
    }
  }

  @Override
  public void resumeReading() {
    boolean request;
    synchronized (lock) {
      paused = false;
      request = owed;
      owed = false;
    }
    WebSocket w = ws;
    if (request && w != null) {
      w.request(1);
    }
  }

  @Override
  public void close(int code, String reason) {
    WebSocket w = ws;
    if (w == null) {
      abort();
      return;
    }
    closing = true;
    resumeReading(); // the server's close frame must be read
    try {
      CompletableFuture<?> unused = w.sendClose(code, reason).whenComplete((x, e) -> {
        if (e != null) {
          reportClosed(1006, "close failed: " + e, false);
        }
      });
    } catch (RuntimeException e) {
      reportClosed(1006, "close failed: " + e, false);
    }
  }

  @Override
  public void abort() {
    closing = true;
    WebSocket w = ws;
    if (w != null) {
      w.abort();
    }
    reportClosed(1006, "aborted", false);
  }

  @Override
  public boolean awaitTermination(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    if (!ended.await(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
      return false;
    }
    if (!http.awaitTermination(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())))) {
      return false;
    }
    return executor.awaitTermination(Math.max(0, deadline - System.nanoTime()),
        TimeUnit.NANOSECONDS);
  }

  @Override
  public String toString() {
    return "JdkSocket[" + request.uri() + "]";
  }
}
