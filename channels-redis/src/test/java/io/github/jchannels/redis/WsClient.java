package io.github.jchannels.redis;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A raw protocol client on the JDK's WebSocket, recording every frame it receives. */
final class WsClient implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration WAIT = Duration.ofSeconds(20);

  private final HttpClient http = HttpClient.newHttpClient();
  private final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
  private final WebSocket ws;
  private String clientId = "";

  private WsClient(URI uri) {
    StringBuilder partial = new StringBuilder();
    this.ws = http.newWebSocketBuilder().buildAsync(uri, new WebSocket.Listener() {
      @Override
      public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
          messages.add(partial.toString());
          partial.setLength(0);
        }
        webSocket.request(1);
        return null;
      }
    }).join();
  }

  /** Connects and takes {@code connected}. */
  static WsClient connect(URI uri) {
    WsClient c = new WsClient(uri);
    JsonNode first = c.take();
    assertThat(first.get("type").asText()).isEqualTo("connected");
    c.clientId = first.get("data").get("clientId").asText();
    return c;
  }

  synchronized void send(String text) {
    ws.sendText(text, true).join();
  }

  /** Subscribes (with {@code since} as raw JSON, or null) and returns subscription_success. */
  JsonNode subscribe(String channel, String since) {
    send("{\"channel\":\"global\",\"type\":\"subscribe\",\"data\":{\"channel\":\"" + channel
        + "\"" + (since == null ? "" : ",\"since\":" + since) + "},\"ref\":\"s\"}");
    JsonNode ok = take();
    assertThat(ok.get("type").asText()).as(ok.toString()).isEqualTo("subscription_success");
    JsonNode welcome = take();
    assertThat(welcome.get("type").asText()).as(welcome.toString())
        .isEqualTo("subscribe_success");
    return ok.get("data");
  }

  JsonNode take() {
    try {
      String s = messages.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      if (s == null) {
        throw new AssertionError("no message within " + WAIT);
      }
      return JSON.readTree(s);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** A ping round trip: everything sent before it was received, and nothing else came. */
  void assertNothingElse() {
    send("{\"channel\":\"global\",\"type\":\"ping\",\"data\":{\"timestamp\":1},\"ref\":\"p\"}");
    JsonNode pong = take();
    assertThat(pong.get("type").asText()).as(pong.toString()).isEqualTo("pong");
  }

  /** The connection id the server gave in {@code connected}. */
  String clientId() {
    return clientId;
  }

  /** Drops the TCP connection without a close frame. */
  void drop() {
    ws.abort();
  }

  @Override
  public void close() {
    try {
      ws.sendClose(1000, "bye").get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      ws.abort();
    }
    http.close();
  }
}
