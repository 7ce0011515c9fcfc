package io.github.jchannels.examples.demo;

import io.github.jchannels.jakarta.JakartaTransport;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.EnumSet;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.ee10.websocket.jakarta.server.config.JakartaWebSocketServletContainerInitializer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.jspecify.annotations.Nullable;

/**
 * The demo on one port (the default): embedded Jetty 12 serves {@link WebContent} and, through
 * channels-jakarta's filter, the WebSocket endpoints ({@code /ws}, {@code /shell}) of the
 * current channels server. {@link #transport(JakartaTransport)} swaps the server behind the
 * filter, for {@link DemoApp#restartChannels()}.
 */
final class JettyWebServer implements DemoHttp {
  private final Server server;
  private final ServerConnector connector;
  private final SwitchableFilter channels = new SwitchableFilter();

  /** Binds and starts. */
  JettyWebServer(String host, int port, WebContent content) {
    QueuedThreadPool pool = new QueuedThreadPool(200, 4);
    pool.setName("demo-http");
    server = new Server(pool);
    connector = new ServerConnector(server);
    connector.setHost(host);
    connector.setPort(port);
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler("/");
    JakartaWebSocketServletContainerInitializer.configure(context, null);
    context.addFilter(new FilterHolder(channels), "/*", EnumSet.of(DispatcherType.REQUEST));
    context.addServlet(new ServletHolder(new ContentServlet(content)), "/");
    server.setHandler(context);
    try {
      server.start();
    } catch (Exception e) {
      close();
      if (e instanceof IOException io) {
        throw new UncheckedIOException("Could not bind " + host + ":" + port, io);
      }
      throw new IllegalStateException("Could not start the HTTP server on " + host + ":" + port,
          e);
    }
  }

  /** The channels server's transport the WebSocket paths go to from now on. */
  void transport(JakartaTransport transport) {
    channels.target = transport.filter();
  }

  @Override
  public int port() {
    return connector.getLocalPort();
  }

  @Override
  public void close() {
    try {
      server.stop();
    } catch (Exception e) {
      throw new IllegalStateException("Stopping Jetty failed", e);
    }
  }

  /** Passes requests to the current transport's filter (none before the first). */
  private static final class SwitchableFilter implements Filter {
    private volatile @Nullable Filter target;

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
        throws IOException, ServletException {
      Filter t = target;
      if (t == null) {
        chain.doFilter(request, response);
      } else {
        t.doFilter(request, response, chain);
      }
    }
  }

  /** {@link WebContent} as a servlet (HEAD is HttpServlet's: GET without the body). */
  private static final class ContentServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private final transient WebContent content;

    ContentServlet(WebContent content) {
      this.content = content;
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      String path;
      try {
        path = URI.create(req.getRequestURI()).getPath();
      } catch (IllegalArgumentException e) {
        path = "/-";
      }
      WebContent.Reply r = content.answer("GET", path, req.getQueryString(),
          req.getHeader("Authorization"));
      resp.setStatus(r.status());
      resp.setContentType(r.contentType());
      resp.setHeader("Cache-Control", "no-store");
      resp.setHeader("X-Content-Type-Options", "nosniff");
      resp.setContentLength(r.body().length);
      resp.getOutputStream().write(r.body());
    }
  }
}
