package io.github.jchannels.shell;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A bare WebSocket client (the JDK's) whose reading the test controls: it asks for the next
 * message only while {@link #demand} allows, so it can play a deliberately slow reader. While
 * it asks for nothing, the JDK stops reading the socket and TCP pushes back on the server.
 */
final class RawShellSocket implements WebSocket.Listener, AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  final BlockingQueue<JsonNode> frames = new LinkedBlockingQueue<>();
  final CompletableFuture<Integer> closed = new CompletableFuture<>();
  private final StringBuilder partial = new StringBuilder();
  /** Whole messages the test allows to be read and that have not arrived yet. */
  private final AtomicLong demand;
  private final HttpClient http = HttpClient.newHttpClient();
  private volatile WebSocket socket;

  private RawShellSocket(long initialDemand) {
    this.demand = new AtomicLong(initialDemand);
  }

  /** Connects; reads at most {@code initialDemand} messages until {@link #read} allows more. */
  static RawShellSocket connect(URI uri, String token, long initialDemand) throws Exception {
    RawShellSocket s = new RawShellSocket(initialDemand);
    WebSocket.Builder b = s.http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    s.socket = b.buildAsync(uri, s).get(10, TimeUnit.SECONDS);
    return s;
  }

  /** Allows {@code n} more messages to be read. */
  void read(long n) {
    if (demand.getAndAdd(n) <= 0) {
      socket.request(1);
    }
  }

  void send(String text) {
    socket.sendText(text, true).join();
  }

  JsonNode next() throws InterruptedException {
    JsonNode n = frames.poll(15, TimeUnit.SECONDS);
    if (n == null) {
      throw new AssertionError("no frame within 15 s");
    }
    return n;
  }

  @Override
  public void onOpen(WebSocket webSocket) {
    if (demand.get() > 0) {
      webSocket.request(1);
    }
  }

  @Override
  public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
    partial.append(data);
    if (last) {
      try {
        frames.add(JSON.readTree(partial.toString()));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
      partial.setLength(0);
      if (demand.decrementAndGet() > 0) {
        webSocket.request(1);
      }
    } else {
      webSocket.request(1);
    }
    return null;
  }

  @Override
  public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
    closed.complete(statusCode);
    return null;
  }

  @Override
  public void onError(WebSocket webSocket, Throwable error) {
    closed.completeExceptionally(error);
  }

  @Override
  public void close() {
    WebSocket s = socket;
    if (s != null) {
      s.abort();
    }
    http.close();
  }
}
