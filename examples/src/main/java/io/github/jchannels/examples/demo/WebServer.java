package io.github.jchannels.examples.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The demo's HTTP side, on the JDK's built-in server ({@code com.sun.net.httpserver}): the
 * page and its static files from the classpath ({@code /static}), {@code /config.json} (tells
 * the page where the WebSocket endpoints are) and {@code /api/inspector} (a JSON snapshot of
 * the channels server, for the bearer token only).
 *
 * <p>Why not serve the page from the WebSocket port: Java-WebSocket only speaks WebSocket, so
 * the page needs an HTTP server anyway, and the JDK's needs no dependency. Two ports are the
 * price; {@code /config.json} hides it from the page.
 */
final class WebServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(WebServer.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Map<String, String> TYPES = Map.of(
      "html", "text/html; charset=utf-8",
      "js", "text/javascript; charset=utf-8",
      "mjs", "text/javascript; charset=utf-8",
      "css", "text/css; charset=utf-8",
      "json", "application/json",
      "png", "image/png",
      "svg", "image/svg+xml");

  private final HttpServer server;
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();

  /**
   * Binds and starts.
   *
   * @param config the body of {@code /config.json}
   * @param inspector the body of {@code /api/inspector}
   * @param token the bearer token the inspector requires
   */
  WebServer(String host, int port, Supplier<Map<String, Object>> config,
      Supplier<Map<String, Object>> inspector, String token) throws IOException {
    server = HttpServer.create(new InetSocketAddress(host, port), 64);
    server.setExecutor(executor);
    server.createContext("/config.json", ex -> json(ex, 200, config.get()));
    server.createContext("/api/inspector", ex -> {
      if (!authorized(ex, token)) {
        json(ex, 401, Map.of("error", "unauthorized",
            "message", "send Authorization: Bearer <token> or ?token=<token>"));
        return;
      }
      json(ex, 200, inspector.get());
    });
    server.createContext("/", this::file);
    server.start();
  }

  /** The bound port. */
  int port() {
    return server.getAddress().getPort();
  }

  private void file(HttpExchange ex) throws IOException {
    try (ex) {
      if (!"GET".equals(ex.getRequestMethod()) && !"HEAD".equals(ex.getRequestMethod())) {
        send(ex, 405, "text/plain", "GET only".getBytes(StandardCharsets.UTF_8));
        return;
      }
      String path = ex.getRequestURI().getPath();
      if (path.equals("/")) {
        path = "/index.html";
      }
      // Only plain names below /static: no "..", no empty segments, no backslashes.
      if (!path.matches("(/[A-Za-z0-9_.-]+)+") || path.contains("..")) {
        send(ex, 404, "text/plain", "not found".getBytes(StandardCharsets.UTF_8));
        return;
      }
      try (InputStream in = WebServer.class.getResourceAsStream("/static" + path)) {
        if (in == null) {
          send(ex, 404, "text/plain", ("not found: " + path).getBytes(StandardCharsets.UTF_8));
          return;
        }
        String ext = path.substring(path.lastIndexOf('.') + 1);
        send(ex, 200, TYPES.getOrDefault(ext, "application/octet-stream"), in.readAllBytes());
      }
    } catch (IOException | UncheckedIOException e) {
      log.debug("HTTP request failed", e);
    }
  }

  private static void json(HttpExchange ex, int status, Object body) throws IOException {
    try (ex) {
      send(ex, status, "application/json", JSON.writerWithDefaultPrettyPrinter()
          .writeValueAsBytes(body));
    } catch (RuntimeException e) {
      log.warn("JSON endpoint {} failed", ex.getRequestURI(), e);
    }
  }

  private static void send(HttpExchange ex, int status, String type, byte[] body)
      throws IOException {
    ex.getResponseHeaders().set("Content-Type", type);
    ex.getResponseHeaders().set("Cache-Control", "no-store");
    ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
    boolean head = "HEAD".equals(ex.getRequestMethod());
    ex.sendResponseHeaders(status, head ? -1 : body.length);
    if (!head) {
      ex.getResponseBody().write(body);
    }
  }

  private static boolean authorized(HttpExchange ex, String token) {
    Optional<String> given = Optional.ofNullable(ex.getRequestHeaders().getFirst("Authorization"))
        .filter(h -> h.regionMatches(true, 0, "Bearer ", 0, 7))
        .map(h -> h.substring(7).strip())
        .or(() -> queryParameter(ex.getRequestURI(), "token"));
    return given.map(t -> MessageDigest.isEqual(t.getBytes(StandardCharsets.UTF_8),
        token.getBytes(StandardCharsets.UTF_8))).orElse(false);
  }

  private static Optional<String> queryParameter(URI uri, String name) {
    String q = uri.getRawQuery();
    if (q == null) {
      return Optional.empty();
    }
    for (String pair : q.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0 && pair.substring(0, eq).equals(name)) {
        return Optional.of(URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return Optional.empty();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
