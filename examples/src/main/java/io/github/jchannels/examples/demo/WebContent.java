package io.github.jchannels.examples.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the demo serves over plain HTTP, whichever server carries it: the page and its static
 * files from the classpath ({@code /static}), {@code /config.json} (where the WebSocket
 * endpoints are) and {@code /api/inspector} (a JSON snapshot of the channels server, for the
 * bearer token only). {@link JettyWebServer} (the default, one port with the WebSocket
 * endpoints) and {@link WebServer} (the JDK's server, beside Java-WebSocket) adapt it.
 */
final class WebContent {
  private static final Logger log = LoggerFactory.getLogger(WebContent.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Map<String, String> TYPES = Map.of(
      "html", "text/html; charset=utf-8",
      "js", "text/javascript; charset=utf-8",
      "mjs", "text/javascript; charset=utf-8",
      "css", "text/css; charset=utf-8",
      "json", "application/json",
      "png", "image/png",
      "svg", "image/svg+xml");

  /** One answer: status, content type, body. */
  @SuppressWarnings("ArrayRecordComponent") // a carrier handed to the server, never compared
  record Reply(int status, String contentType, byte[] body) {
    static Reply text(int status, String text) {
      return new Reply(status, "text/plain", text.getBytes(StandardCharsets.UTF_8));
    }
  }

  private final Supplier<Map<String, Object>> config;
  private final Supplier<Map<String, Object>> inspector;
  private final String token;

  /**
   * @param config the body of {@code /config.json}
   * @param inspector the body of {@code /api/inspector}
   * @param token the bearer token the inspector requires
   */
  WebContent(Supplier<Map<String, Object>> config, Supplier<Map<String, Object>> inspector,
      String token) {
    this.config = config;
    this.inspector = inspector;
    this.token = token;
  }

  /**
   * Answers a request.
   *
   * @param method the HTTP method
   * @param path the decoded request path
   * @param rawQuery the raw query string, or null
   * @param authorization the {@code Authorization} header, or null
   */
  Reply answer(String method, String path, @Nullable String rawQuery,
      @Nullable String authorization) {
    if (!"GET".equals(method) && !"HEAD".equals(method)) {
      return Reply.text(405, "GET only");
    }
    if (path.equals("/config.json")) {
      return json(200, config.get());
    }
    if (path.equals("/api/inspector")) {
      if (!authorized(authorization, rawQuery)) {
        return json(401, Map.of("error", "unauthorized",
            "message", "send Authorization: Bearer <token> or ?token=<token>"));
      }
      return json(200, inspector.get());
    }
    return file(path);
  }

  private static Reply file(String requested) {
    String path = requested.equals("/") ? "/index.html" : requested;
    // Only plain names below /static: no "..", no empty segments, no backslashes.
    if (!path.matches("(/[A-Za-z0-9_.-]+)+") || path.contains("..")) {
      return Reply.text(404, "not found");
    }
    try (InputStream in = WebContent.class.getResourceAsStream("/static" + path)) {
      if (in == null) {
        return Reply.text(404, "not found: " + path);
      }
      String ext = path.substring(path.lastIndexOf('.') + 1);
      return new Reply(200, TYPES.getOrDefault(ext, "application/octet-stream"),
          in.readAllBytes());
    } catch (IOException | UncheckedIOException e) {
      log.debug("Reading {} failed", path, e);
      return Reply.text(500, "read failed");
    }
  }

  private static Reply json(int status, Object body) {
    try {
      return new Reply(status, "application/json",
          JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(body));
    } catch (IOException | RuntimeException e) {
      log.warn("JSON answer failed", e);
      return Reply.text(500, "internal error");
    }
  }

  private boolean authorized(@Nullable String authorization, @Nullable String rawQuery) {
    Optional<String> given = Optional.ofNullable(authorization)
        .filter(h -> h.regionMatches(true, 0, "Bearer ", 0, 7))
        .map(h -> h.substring(7).strip())
        .or(() -> queryParameter(rawQuery, "token"));
    return given.map(t -> MessageDigest.isEqual(t.getBytes(StandardCharsets.UTF_8),
        token.getBytes(StandardCharsets.UTF_8))).orElse(false);
  }

  private static Optional<String> queryParameter(@Nullable String rawQuery, String name) {
    if (rawQuery == null) {
      return Optional.empty();
    }
    for (String pair : rawQuery.split("&", -1)) {
      int eq = pair.indexOf('=');
      if (eq > 0 && pair.substring(0, eq).equals(name)) {
        try {
          return Optional.of(URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
          return Optional.empty();
        }
      }
    }
    return Optional.empty();
  }
}
