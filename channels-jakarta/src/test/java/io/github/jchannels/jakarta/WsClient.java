package io.github.jchannels.jakarta;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A recording JDK WebSocket client: whole text messages and the close code, with timeouts. */
final class WsClient implements WebSocket.Listener, AutoCloseable {
  /** How long a test waits for something to arrive: generous, a busy machine is slow. */
  static final Duration WAIT = Duration.ofSeconds(20);
  final BlockingQueue<String> texts = new LinkedBlockingQueue<>();
  final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
  private final StringBuilder part = new StringBuilder();
  private final HttpClient http = HttpClient.newHttpClient();
  final WebSocket socket;

  private WsClient(URI uri, String... headers) throws Exception {
    WebSocket.Builder b = http.newWebSocketBuilder().connectTimeout(WAIT);
    for (int i = 0; i + 1 < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    socket = b.buildAsync(uri, this).get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  static WsClient connect(int port, String path, String... headers) throws Exception {
    return new WsClient(URI.create("ws://127.0.0.1:" + port + path), headers);
  }

  String next() throws InterruptedException {
    String s = texts.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
    if (s == null) {
      throw new AssertionError("no message within " + WAIT);
    }
    return s;
  }

  int awaitClose() throws Exception {
    return closeCode.get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  @Override
  public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
    part.append(data);
    if (last) {
      texts.add(part.toString());
      part.setLength(0);
    }
    ws.request(1);
    return null;
  }

  @Override
  public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
    ws.request(1);
    return null;
  }

  @Override
  public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
    closeCode.complete(statusCode);
    return null;
  }

  @Override
  public void onError(WebSocket ws, Throwable error) {
    closeCode.complete(1006);
  }

  @Override
  public void close() {
    socket.abort();
    http.close();
  }
}
