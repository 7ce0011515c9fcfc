package io.github.jchannels.jakarta;

import io.github.jchannels.jakarta.internal.TransportState;
import io.github.jchannels.jakarta.internal.UpgradeFilter;
import io.github.jchannels.server.Handshake;
import io.github.jchannels.server.transport.ServerTransport;
import io.github.jchannels.server.transport.TransportContext;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpSession;
import java.security.Principal;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Optional;

/**
 * Runs a {@link io.github.jchannels.server.ChannelServer} inside a Jakarta WebSocket 2.1+
 * container (Tomcat 10.1/11, Jetty 12 ee10, Undertow, Spring Boot's embedded servers) instead
 * of on a port of its own:
 *
 * <pre>{@code
 * JakartaTransport transport = JakartaTransport.create();
 * ChannelServer server = ChannelServer.builder().transport(transport)
 *     .authenticator(...)
 *     .build();
 * transport.mount(servletContext);   // while the servlet context initialises
 * server.start();                    // from now on /ws upgrades are admitted
 * }</pre>
 *
 * <p>The transport is a servlet {@link #filter() filter} on the server's paths: admission (path,
 * origin, server state, limits) is decided in plain HTTP before the upgrade, so a refused
 * origin gets HTTP 403 and a server that is closing or over its connection limit 503; an
 * admitted request is upgraded with {@code ServerContainer.upgradeHttpToWebSocket}. Everything
 * else (authentication from the upgrade request's headers and query, every limit, pings,
 * shutdown with 1001) is the server's, exactly as on its default transport. TLS, ports and
 * threads are the container's. See {@code docs/jakarta.md}.
 *
 * <p>Lifecycle: one transport serves one server. Requests that arrive before the server is
 * started pass through the filter (the container answers them, usually 404); after the server
 * is closed its paths answer 503. Closing the server closes its connections; it does not stop
 * the container. Thread-safe.
 */
public final class JakartaTransport implements ServerTransport {
  private final TransportState state = new TransportState();
  private final UpgradeFilter filter = new UpgradeFilter(state);

  private JakartaTransport() {}

  /** A transport to pass to {@code ChannelServer.Builder.transport(...)}. */
  public static JakartaTransport create() {
    return new JakartaTransport();
  }

  /**
   * The servlet filter that admits and upgrades the server's WebSocket requests; register it
   * for every request ({@code /*}) or for the server's paths, for {@code REQUEST} dispatches.
   * Requests for other paths pass through. Use it where the application registers filters
   * itself (Spring Boot: a {@code FilterRegistrationBean}); else {@link #mount}.
   */
  public Filter filter() {
    return filter;
  }

  /**
   * Registers {@link #filter()} in {@code context} for {@code /*} under the name
   * {@code channels}. Call it while the context initialises (a
   * {@code ServletContainerInitializer}, a {@code ServletContextListener}, Spring Boot's
   * {@code ServletContextInitializer}); the container must have Jakarta WebSocket support (its
   * {@code ServerContainer} in the context attribute
   * {@code jakarta.websocket.server.ServerContainer}).
   *
   * @throws IllegalStateException if the context is already initialised or a filter named
   *     {@code channels} exists
   */
  public JakartaTransport mount(ServletContext context) {
    Objects.requireNonNull(context, "context");
    FilterRegistration.Dynamic reg = context.addFilter("channels", filter);
    if (reg == null) {
      throw new IllegalStateException("A filter named 'channels' is already registered");
    }
    reg.setAsyncSupported(true);
    reg.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), false, "/*");
    return this;
  }

  /**
   * The user the servlet container (or a framework's security filter before this one)
   * authenticated on the upgrade request, for an {@link io.github.jchannels.server.Authenticator}
   * that trusts the application's own login. Known from the upgrade until the connection ends.
   */
  public Optional<Principal> userPrincipal(Handshake handshake) {
    return state.userPrincipal(handshake);
  }

  /**
   * The HTTP session the upgrade request belonged to (its session cookie), if it had one: an
   * authenticator can read the application's own login from it. Known from the upgrade until
   * the connection ends.
   */
  public Optional<HttpSession> httpSession(Handshake handshake) {
    return state.httpSession(handshake);
  }

  /** Called by the server: from now on the filter admits upgrades. */
  @Override
  public void start(TransportContext context) {
    state.start(Objects.requireNonNull(context, "context"));
  }

  /** -1: the container owns the port. */
  @Override
  public int port() {
    return -1;
  }

  /** Called by the server: refuses new upgrades (503), drops connections still open. */
  @Override
  public void stop() {
    state.stop();
  }

  @Override
  public String name() {
    return "jakarta";
  }

  /** How many connections are between their upgrade request and their end (for tests). */
  int liveConnections() {
    return state.liveConnections();
  }
}
