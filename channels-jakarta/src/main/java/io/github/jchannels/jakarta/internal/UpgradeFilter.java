package io.github.jchannels.jakarta.internal;

import io.github.jchannels.server.Handshake;
import io.github.jchannels.server.transport.ConnectionEvents;
import io.github.jchannels.server.transport.TransportContext;
import io.github.jchannels.server.transport.UpgradeResult;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.websocket.DeploymentException;
import jakarta.websocket.server.ServerContainer;
import jakarta.websocket.server.ServerEndpointConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The servlet filter in front of the server's paths: admission happens here, in plain HTTP,
 * before anything is upgraded, so a refusal can carry any status (403 for an origin, 503 while
 * closing or over a limit, 404 for a path the core does not serve, 431 for a request over the
 * handshake size). An admitted request is upgraded with
 * {@link ServerContainer#upgradeHttpToWebSocket} (Jakarta WebSocket 2.1). Requests for other
 * paths, and every request before the server started, pass through untouched.
 */
public final class UpgradeFilter implements Filter {
  private static final Logger log = LoggerFactory.getLogger(UpgradeFilter.class);
  /** The servlet context attribute under which containers publish their ServerContainer. */
  public static final String SERVER_CONTAINER = "jakarta.websocket.server.ServerContainer";

  private final TransportState state;
  private volatile @Nullable ServletContext servletContext;

  /** A filter serving {@code state}'s server. */
  public UpgradeFilter(TransportState state) {
    this.state = state;
  }

  @Override
  public void init(FilterConfig config) {
    this.servletContext = config.getServletContext();
  }

  @Override
  public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    if (!(request instanceof HttpServletRequest req)
        || !(response instanceof HttpServletResponse resp)) {
      chain.doFilter(request, response);
      return;
    }
    TransportContext ctx = state.context();
    String path = pathInContext(req);
    if (ctx == null || !ctx.paths().contains(path)) {
      chain.doFilter(request, response);
      return;
    }
    if (!isUpgrade(req)) {
      resp.setHeader("Upgrade", "websocket");
      refuse(resp, 426, "WebSocket endpoint: upgrade required");
      return;
    }
    if (state.stopped()) {
      refuse(resp, 503, "server is shutting down");
      return;
    }
    int size = requestSize(req);
    if (size > ctx.limits().maxHandshakeSize()) {
      log.debug("Refused an upgrade of {} bytes (limit {})", size,
          ctx.limits().maxHandshakeSize());
      refuse(resp, 431, "request header fields too large");
      return;
    }
    upgrade(req, resp, ctx, path);
  }

  private void upgrade(HttpServletRequest req, HttpServletResponse resp, TransportContext ctx,
      String path) throws IOException {
    JakartaConnection conn = new JakartaConnection(ctx.executor(), ctx.scheduler(), ctx.limits(),
        state);
    ConnectionEvents events = ctx.connecting(conn);
    conn.events(events);
    Handshake handshake = handshake(req, path);
    conn.handshake(handshake, req);
    UpgradeResult result = conn.upgrade(handshake);
    if (!result.accepted()) {
      log.debug("Refused {}: {} {}", handshake, result.status(), result.reason());
      refuse(resp, result.status(), statusText(result.status()));
      conn.finish(1006, result.reason());
      return;
    }
    if (conn.abortRequested() || conn.closeRequested()) {
      refuse(resp, 503, "connection dropped");
      conn.finish(1006, "dropped before the upgrade");
      return;
    }
    ServerContainer container = container(req);
    if (container == null) {
      log.error("No Jakarta WebSocket ServerContainer in the servlet context (attribute {}): "
          + "is the container's WebSocket support on the classpath and initialised?",
          SERVER_CONTAINER);
      refuse(resp, 500, "no WebSocket container");
      conn.finish(1006, "no WebSocket container");
      return;
    }
    ServerEndpointConfig config = ServerEndpointConfig.Builder
        .create(ChannelsEndpoint.class, path)
        .configurator(new EndpointConfigurator(conn))
        .build();
    try {
      container.upgradeHttpToWebSocket(req, resp, config, Map.of());
    } catch (IOException | DeploymentException | RuntimeException e) {
      log.debug("Upgrade of {} failed: {}", handshake, e.toString());
      if (!resp.isCommitted()) {
        refuse(resp, 400, "bad WebSocket handshake");
      }
      conn.finish(1006, "upgrade failed");
      return;
    }
    if (resp.getStatus() >= 400) { // the container refused the handshake (bad headers)
      conn.finish(1006, "upgrade refused by the container: " + resp.getStatus());
    }
  }

  private @Nullable ServerContainer container(HttpServletRequest req) {
    Object c = req.getServletContext().getAttribute(SERVER_CONTAINER);
    if (c == null) {
      ServletContext sc = servletContext;
      c = sc == null ? null : sc.getAttribute(SERVER_CONTAINER);
    }
    return c instanceof ServerContainer sc ? sc : null;
  }

  static String pathInContext(HttpServletRequest req) {
    String uri = req.getRequestURI();
    String context = req.getContextPath();
    if (context != null && !context.isEmpty() && uri.startsWith(context)) {
      uri = uri.substring(context.length());
    }
    return uri.isEmpty() ? "/" : uri;
  }

  private static boolean isUpgrade(HttpServletRequest req) {
    String upgrade = req.getHeader("Upgrade");
    return upgrade != null && upgrade.trim().equalsIgnoreCase("websocket");
  }

  /** The request line and headers, as the peer sent them (about). */
  private static int requestSize(HttpServletRequest req) {
    int n = req.getMethod().length() + req.getRequestURI().length() + 12;
    String q = req.getQueryString();
    if (q != null) {
      n += q.length() + 1;
    }
    for (Enumeration<String> names = req.getHeaderNames(); names.hasMoreElements(); ) {
      String name = names.nextElement();
      for (Enumeration<String> values = req.getHeaders(name); values.hasMoreElements(); ) {
        n += name.length() + values.nextElement().length() + 4;
      }
    }
    return n;
  }

  private static Handshake handshake(HttpServletRequest req, String path) {
    Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    for (Enumeration<String> names = req.getHeaderNames(); names.hasMoreElements(); ) {
      String name = names.nextElement();
      List<String> values = Collections.list(req.getHeaders(name));
      headers.put(name, String.join(", ", values));
    }
    String q = req.getQueryString();
    return new Handshake(q == null ? path : path + "?" + q, headers, remote(req));
  }

  private static @Nullable InetSocketAddress remote(HttpServletRequest req) {
    try {
      String addr = req.getRemoteAddr();
      if (addr == null) {
        return null;
      }
      // a literal address: no name lookup happens
      return new InetSocketAddress(InetAddress.getByName(addr), req.getRemotePort());
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static void refuse(HttpServletResponse resp, int status, String text)
      throws IOException {
    if (resp.isCommitted()) {
      return;
    }
    resp.setStatus(status);
    // a refused upgrade ends the connection (no keep-alive: the peer wanted a WebSocket)
    resp.setHeader("Connection", "close");
    resp.setContentType("text/plain;charset=utf-8");
    resp.setHeader("Cache-Control", "no-store");
    byte[] body = (text + "\n").getBytes(StandardCharsets.UTF_8);
    resp.setContentLength(body.length);
    resp.getOutputStream().write(body);
  }

  private static String statusText(int status) {
    return switch (status) {
      case 403 -> "origin not allowed";
      case 404 -> "not found";
      case 503 -> "service unavailable";
      default -> "refused";
    };
  }
}
