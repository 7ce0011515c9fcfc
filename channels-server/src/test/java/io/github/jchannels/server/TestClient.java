package io.github.jchannels.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.java_websocket.client.WebSocketClient;
import org.java_websocket.enums.Opcode;
import org.java_websocket.exceptions.WebsocketNotConnectedException;
import org.java_websocket.handshake.ServerHandshake;

/**
 * A recording WebSocket client for tests: every text frame goes into a queue that assertions
 * poll with a timeout; the close code is a future.
 */
final class TestClient implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Duration WAIT = Duration.ofSeconds(10);

  final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
  final CompletableFuture<Integer> closed = new CompletableFuture<>();
  final CompletableFuture<Boolean> opened = new CompletableFuture<>();
  private final WebSocketClient ws;

  private TestClient(URI uri, Map<String, String> headers) {
    ws = new WebSocketClient(uri, headers) {
      @Override
      public void onOpen(ServerHandshake handshake) {
        opened.complete(true);
      }

      @Override
      public void onMessage(String message) {
        messages.add(message);
      }

      @Override
      public void onClose(int code, String reason, boolean remote) {
        opened.complete(false);
        closed.complete(code);
      }

      @Override
      public void onError(Exception ex) {
      }
    };
    ws.setConnectionLostTimeout(0);
  }

  /** Opens a connection (the handshake may still fail: see {@link #opened}). */
  static TestClient open(URI uri, Map<String, String> headers) {
    TestClient c = new TestClient(uri, headers);
    try {
      c.ws.connectBlocking(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
    return c;
  }

  static TestClient open(URI uri) {
    return open(uri, Map.of());
  }

  /** Opens and takes the {@code connected} event; returns the client. */
  static TestClient connect(URI uri) {
    return connect(uri, Map.of());
  }

  static TestClient connect(URI uri, Map<String, String> headers) {
    return connect(uri, headers, ws -> { });
  }

  /** Connects after {@code configure} adjusted the underlying client (e.g. its TLS socket). */
  static TestClient connect(URI uri, Map<String, String> headers,
      Consumer<WebSocketClient> configure) {
    TestClient c = new TestClient(uri, headers);
    configure.accept(c.ws);
    try {
      c.ws.connectBlocking(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
    JsonNode first = c.take();
    assertThat(first.get("channel").asText()).isEqualTo("global");
    assertThat(first.get("type").asText()).isEqualTo("connected");
    c.clientId = first.get("data").get("clientId").asText();
    return c;
  }

  String clientId;

  /** Sends a text frame; dropped if the server already closed the connection. */
  void send(String text) {
    try {
      ws.send(text);
    } catch (WebsocketNotConnectedException e) {
      // closed by the server meanwhile: the test asserts the close
    }
  }

  void sendBinary(byte[] bytes) {
    ws.send(bytes);
  }

  void sendFragments(String... parts) {
    for (int i = 0; i < parts.length; i++) {
      ws.sendFragmentedFrame(Opcode.TEXT, ByteBuffer.wrap(parts[i].getBytes(
          StandardCharsets.UTF_8)),
          i == parts.length - 1);
    }
  }

  /** Sends an envelope; {@code data} is raw JSON. */
  void send(String channel, String type, String data, String ref) {
    send("{\"channel\":\"" + channel + "\",\"type\":\"" + type + "\",\"data\":" + data
        + (ref == null ? "" : ",\"ref\":\"" + ref + "\"") + "}");
  }

  void subscribe(String channel, String ref) {
    send("global", "subscribe", "{\"channel\":\"" + channel + "\"}", ref);
  }

  /** Subscribes and takes subscription_success (and the welcome, if {@code welcome}). */
  void join(String channel, boolean welcome) {
    subscribe(channel, "j");
    JsonNode ok = take();
    assertThat(ok.get("type").asText()).as(ok.toString()).isEqualTo("subscription_success");
    if (welcome) {
      take();
    }
  }

  JsonNode take() {
    return take(WAIT);
  }

  JsonNode take(Duration timeout) {
    try {
      String s = messages.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (s == null) {
        throw new AssertionError("no message within " + timeout);
      }
      return JSON.readTree(s);
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** Takes the next message, which must be a global error with {@code code}. */
  JsonNode takeError(String code) {
    JsonNode m = take();
    assertThat(m.get("channel").asText()).as(m.toString()).isEqualTo("global");
    assertThat(m.get("type").asText()).as(m.toString()).isEqualTo("error");
    assertThat(m.get("data").get("error").asText()).as(m.toString()).isEqualTo(code);
    return m;
  }

  /** A ping/pong round trip: proves the connection is open and everything before was read. */
  void assertAlive() {
    long ts = System.nanoTime();
    send("global", "ping", "{\"timestamp\":" + ts + "}", "alive");
    JsonNode pong = take();
    assertThat(pong.get("type").asText()).as(pong.toString()).isEqualTo("pong");
    assertThat(pong.get("data").get("timestamp").asLong()).isEqualTo(ts);
    assertThat(pong.get("ref").asText()).isEqualTo("alive");
  }

  /** Drops the TCP connection without a close frame (as a crashed peer would). */
  void drop() {
    try {
      ws.getSocket().close();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  int awaitClose() {
    return closed.orTimeout(WAIT.toMillis(), TimeUnit.MILLISECONDS).join();
  }

  boolean isOpen() {
    return ws.isOpen();
  }

  @Override
  public void close() {
    try {
      ws.closeBlocking();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
