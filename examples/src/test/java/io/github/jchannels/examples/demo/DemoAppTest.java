package io.github.jchannels.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.jchannels.examples.cli.ChatCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import io.github.jchannels.server.ChannelServer;
import java.net.http.WebSocketHandshakeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The demo over real sockets: HTTP side, the Java CLI client against the fake agent, restart.
 * On the default transport (one port, Jetty); {@link JwsDemoAppTest} runs the same on
 * {@code --transport jws}.
 */
class DemoAppTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private DemoApp app;
  private HttpClient http;

  DemoOptions.Transport transport() {
    return DemoOptions.Transport.JAKARTA;
  }

  @BeforeEach
  void start() throws Exception {
    app = DemoApp.start(DemoOptions.defaults().onFreePorts().withTransport(transport())
        .withWordDelay(Duration.ofMillis(5)));
    http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  @AfterEach
  void stop() {
    if (app != null) {
      app.close();
    }
    if (http != null) {
      http.close();
    }
  }

  @Test
  void theDefaultTransportServesEverythingOnOnePort() {
    if (transport() == DemoOptions.Transport.JAKARTA) {
      assertThat(app.wsPort()).isEqualTo(app.httpPort());
      assertThat(app.wsUrl()).isEqualTo("ws://127.0.0.1:" + app.httpPort() + "/ws");
    } else {
      assertThat(app.wsPort()).isNotEqualTo(app.httpPort());
    }
  }

  @Test
  void servesThePageItsScriptsAndTheConfigNamingTheWebSocketPort() throws Exception {
    HttpResponse<String> page = get("/");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(
        t -> assertThat(t).startsWith("text/html"));
    assertThat(page.body()).contains("data-testid=\"connection-status\"");
    assertThat(page.body()).contains("src=\"/js/app.js\"");

    JsonNode config = JSON.readTree(get("/config.json").body());
    assertThat(config.get("wsPort").asInt()).isEqualTo(app.wsPort());
    assertThat(config.get("wsPath").asText()).isEqualTo("/ws");
    assertThat(config.get("shellPath").isNull()).isTrue();
  }

  @Test
  void refusesPathsOutsideTheStaticFolder() throws Exception {
    // Jetty refuses ambiguous paths itself (400), the JDK's server leaves it to us (404)
    assertThat(get("/../pom.xml").statusCode()).isIn(400, 404);
    assertThat(get("/js/..%2F..%2Fio/github/jchannels/examples/demo/DemoApp.class").statusCode())
        .isIn(400, 404);
    assertThat(get("/nope.js").statusCode()).isEqualTo(404);
  }

  @Test
  void inspectorRequiresTheTokenAndReportsTheServer() throws Exception {
    assertThat(get("/api/inspector").statusCode()).isEqualTo(401);
    assertThat(get("/api/inspector?token=wrong").statusCode()).isEqualTo(401);
    HttpResponse<String> ok = get("/api/inspector?token=demo-token");
    assertThat(ok.statusCode()).isEqualTo(200);
    JsonNode body = JSON.readTree(ok.body());
    assertThat(body.has("connections")).isTrue();
    assertThat(body.has("channels")).isTrue();
    assertThat(body.get("metrics").has("openConnections")).isTrue();
  }

  @Test
  void cliClientSendsAMessageAndPrintsTheWholeStream() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = ChatCli.run(new String[] {"--url", app.wsUrl(), "--token", "demo-token",
        "--session", "cli-test", "--timeout", "20", "streamed", "back", "to", "the", "cli"},
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    assertThat(code).as("exit code; stderr: %s", err).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("streamed back to the cli");
  }

  @Test
  void cliClientWithAWrongTokenFailsClearly() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = ChatCli.run(new String[] {"--url", app.wsUrl(), "--token", "wrong",
        "--timeout", "10", "hi"}, new PrintStream(new ByteArrayOutputStream()),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    assertThat(code).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8)).containsIgnoringCase("unauthorized");
  }

  @Test
  void webSocketAcceptsThePagesOwnOriginAndRefusesOthers() throws Exception {
    CompletableFuture<String> first = new CompletableFuture<>();
    WebSocket ws = http.newWebSocketBuilder()
        .header("Origin", "http://127.0.0.1:" + app.httpPort())
        .buildAsync(URI.create(app.wsUrl() + "?token=demo-token"), new WebSocket.Listener() {
          @Override
          public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
            first.complete(data.toString());
            return null;
          }
        }).get(10, TimeUnit.SECONDS);
    assertThat(first.get(10, TimeUnit.SECONDS)).contains("\"type\":\"connected\"");
    ws.abort();

    CompletableFuture<WebSocket> foreign = http.newWebSocketBuilder()
        .header("Origin", "http://evil.example")
        .buildAsync(URI.create(app.wsUrl() + "?token=demo-token"), new WebSocket.Listener() {});
    assertThatThrownBy(() -> foreign.get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause().isInstanceOfSatisfying(WebSocketHandshakeException.class,
            e -> assertThat(e.getResponse().statusCode())
                .isEqualTo(transport() == DemoOptions.Transport.JAKARTA ? 403 : 404));
  }

  @Test
  void restartKeepsTheWebSocketPortAndClientsGetAServerAgain() throws Exception {
    int before = app.wsPort();
    ChannelServer first = app.channels();
    app.restartChannels();
    assertThat(app.channels()).isNotSameAs(first);
    assertThat(app.wsPort()).isEqualTo(before);
    CompletableFuture<String> connected = new CompletableFuture<>();
    WebSocket ws = http.newWebSocketBuilder()
        .buildAsync(URI.create(app.wsUrl() + "?token=demo-token"), new WebSocket.Listener() {
          @Override
          public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
            connected.complete(data.toString());
            return null;
          }
        }).get(10, TimeUnit.SECONDS);
    assertThat(connected.get(10, TimeUnit.SECONDS)).contains("\"type\":\"connected\"");
    ws.abort();
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(app.httpBase() + path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
