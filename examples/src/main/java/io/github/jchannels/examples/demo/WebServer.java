package io.github.jchannels.examples.demo;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP side of {@code --transport jws}: the JDK's built-in server
 * ({@code com.sun.net.httpserver}) serving {@link WebContent}, beside Java-WebSocket's port
 * (which speaks only WebSocket). Two ports are the price; {@code /config.json} hides it from the
 * page. The default ({@link JettyWebServer}) needs one.
 */
final class WebServer implements DemoHttp {
  private static final Logger log = LoggerFactory.getLogger(WebServer.class);

  private final HttpServer server;
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();

  /** Binds and starts. */
  WebServer(String host, int port, WebContent content) throws IOException {
    server = HttpServer.create(new InetSocketAddress(host, port), 64);
    server.setExecutor(executor);
    server.createContext("/", ex -> answer(ex, content));
    server.start();
  }

  @Override
  public int port() {
    return server.getAddress().getPort();
  }

  private static void answer(HttpExchange ex, WebContent content) {
    try (ex) {
      WebContent.Reply r = content.answer(ex.getRequestMethod(), ex.getRequestURI().getPath(),
          ex.getRequestURI().getRawQuery(), ex.getRequestHeaders().getFirst("Authorization"));
      ex.getResponseHeaders().set("Content-Type", r.contentType());
      ex.getResponseHeaders().set("Cache-Control", "no-store");
      ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
      boolean head = "HEAD".equals(ex.getRequestMethod());
      ex.sendResponseHeaders(r.status(), head ? -1 : r.body().length);
      if (!head) {
        ex.getResponseBody().write(r.body());
      }
    } catch (IOException | RuntimeException e) {
      log.debug("HTTP request failed", e);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
