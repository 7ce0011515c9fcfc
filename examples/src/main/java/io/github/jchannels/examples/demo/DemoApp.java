package io.github.jchannels.examples.demo;

import io.github.jchannels.core.Channels;
import io.github.jchannels.core.SessionEvent;
import io.github.jchannels.jakarta.JakartaTransport;
import io.github.jchannels.redis.RedisBroker;
import io.github.jchannels.server.Authenticator;
import io.github.jchannels.server.ChannelServer;
import io.github.jchannels.server.ConnectionInfo;
import io.github.jchannels.server.Presence;
import io.github.jchannels.server.broker.History;
import io.github.jchannels.shell.ShellEndpoint;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.Principal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The whole demo in one object: a {@link ChannelServer} ({@code /ws}, and {@code /shell} with
 * {@code --shell}), the {@link FakeAgent} answering {@code send_message}, and the page,
 * {@code /config.json} and the inspector ({@link WebContent}).
 *
 * <p>By default everything is on one port: embedded Jetty ({@link JettyWebServer}) serves the
 * HTTP side, and the channels server runs on channels-jakarta's transport in the same Jetty.
 * With {@code --transport jws} the channels server has a port of its own (Java-WebSocket) and
 * the JDK's HTTP server ({@link WebServer}) serves the rest.
 *
 * <p>{@link #restartChannels()} closes the channels server (every client sees 1001) and starts
 * a new one on the same port, as a redeploy would: the end-to-end test uses it to check that
 * pages reconnect.
 */
public final class DemoApp implements AutoCloseable {
  /**
   * The principal of every connection that presented the demo token: named by the page's
   * {@code ?name=} (the tab's display name, see {@link #displayName}), else {@code demo}.
   */
  public record DemoUser(String getName) implements Principal {}

  /** A display name a connection may choose: letters, digits, {@code _.-}, 1 to 32. */
  private static final Pattern NAME =
      Pattern.compile("[A-Za-z0-9_.-]{1,32}");

  private final DemoOptions options;
  private final FakeAgent agent;
  private final DemoHttp web;
  /** The Jetty server when the channels server runs in it (the default); else null. */
  private final @Nullable JettyWebServer jetty;
  private final Instant startedAt = Instant.now();
  private final Object lock = new Object();
  /** The running channels server; replaced by {@link #restartChannels()}. Guarded by lock. */
  private ChannelServer channels;
  /** The terminal endpoint mounted on {@link #channels},
      or null without --shell. Guarded by lock. */
  private @Nullable ShellEndpoint shell;
  /** The real WebSocket port, fixed after the first start so restarts reuse it. */
  private final int wsPort;
  private final List<String> origins;
  /**
   * With {@code --redis}: the broker shared with the other demo processes; it outlives
   * {@link #restartChannels()} (history lives in Redis). Null: one process, in-memory history.
   */
  private final @Nullable RedisBroker broker;

  private DemoApp(DemoOptions options) throws IOException {
    this.options = options;
    String redis = options.redis();
    this.broker = redis == null ? null : RedisBroker.builder().uri(redis).build();
    this.agent = new FakeAgent(options.wordDelay());
    WebContent content = new WebContent(this::config, this::inspect, options.token());
    if (options.transport() == DemoOptions.Transport.JAKARTA) {
      this.jetty = new JettyWebServer(options.host(), options.port(), content);
      this.web = jetty;
    } else {
      this.jetty = null;
      this.web = new WebServer(options.host(), options.port(), content);
    }
    try {
      this.origins = origins(options, web.port());
      Started started = startChannels(options.wsPort());
      this.channels = started.server();
      this.shell = started.shell();
      this.wsPort = jetty != null ? web.port() : channels.port();
    } catch (RuntimeException e) {
      web.close();
      agent.close();
      if (broker != null) {
        broker.close();
      }
      throw e;
    }
  }

  /** Starts the demo: its port (both, with {@code --transport jws}) is bound when this returns. */
  public static DemoApp start(DemoOptions options) throws IOException {
    return new DemoApp(options);
  }

  /** The page's address, with the token, as printed on start. */
  public String pageUrl() {
    return "http://" + displayHost() + ":" + web.port() + "/?token=" + options.token();
  }

  /** The HTTP base address (page, config, inspector). */
  public String httpBase() {
    return "http://" + displayHost() + ":" + web.port();
  }

  /** The channels endpoint, for Java clients. */
  public String wsUrl() {
    return "ws://" + displayHost() + ":" + wsPort + "/ws";
  }

  /** The HTTP port. */
  public int httpPort() {
    return web.port();
  }

  /** The WebSocket port (the HTTP port on the default transport). */
  public int wsPort() {
    return wsPort;
  }

  /** The running channels server (changes after {@link #restartChannels()}). */
  public ChannelServer channels() {
    synchronized (lock) {
      return channels;
    }
  }

  /** Closes the channels server (clients see 1001) and starts a new one on the same port. */
  public void restartChannels() {
    synchronized (lock) {
      stopChannels();
      Started started = startChannels(wsPort);
      channels = started.server();
      shell = started.shell();
    }
  }

  /** A started channels server and the terminal endpoint mounted on it (null without --shell). */
  private record Started(ChannelServer server, @Nullable ShellEndpoint shell) {}

  private Started startChannels(int port) {
    synchronized (lock) {
      ShellEndpoint endpoint = options.shell() ? DemoShell.endpoint(authenticator(options.token()))
          : null;
      ChannelServer.Builder b = channelsBuilder(port);
      JakartaTransport transport = null;
      if (jetty != null) {
        transport = JakartaTransport.create();
        b.transport(transport);
      }
      if (endpoint != null) {
        endpoint.mountOn(b);
      }
      try {
        ChannelServer server = b.build().start();
        if (jetty != null && transport != null) {
          jetty.transport(transport);
        }
        return new Started(server, endpoint);
      } catch (RuntimeException e) {
        if (endpoint != null) {
          endpoint.close();
        }
        throw e;
      }
    }
  }

  private void stopChannels() {
    synchronized (lock) {
      channels.close();
      if (shell != null) {
        shell.close();
      }
    }
  }

  private ChannelServer.Builder channelsBuilder(int port) {
    ChannelServer.Builder b = ChannelServer.builder();
    if (broker != null) {
      b.broker(broker); // several demo processes on one Redis behave as one server
    }
    return b
        .host(options.host())
        .port(port)
        .path("/ws")
        // Sessions keep their last 1,000 events for 10 minutes: a client that reconnects
        // mid-stream resubscribes with `since` and gets the words it missed (docs/scale-out.md).
        .history(Channels.SESSION, History.of(1_000, Duration.ofMinutes(10)))
        // Who is in a session, and who is typing (meta.typing, set by the page with
        // presence_update): entries keyed by the principal's name, meta.name from the hook.
        .presence(Channels.SESSION, Presence.builder()
            .meta(DemoApp::presenceMeta)
            .build())
        .authenticator(authenticator(options.token()))
        .allowedOrigins(origins)
        // Permission check at subscribe time: sessions named "admin-..." are for admins only.
        .authorize(Channels.SESSION, (channel, conn) -> mayUse(conn.principal(),
            channel.id().orElseThrow()))
        .handle(Channels.SESSION, SessionEvent.SendMessage.class, agent::onSendMessage)
        .handle(Channels.SESSION, SessionEvent.TypingIndicator.class, agent::onTyping);
  }

  /** Who may join and write to a session: everyone authenticated, but admins-only sessions. */
  static boolean mayUse(@Nullable Principal principal, String sessionId) {
    if (principal == null) {
      return false;
    }
    return !sessionId.startsWith("admin-") || principal.getName().equals("admin");
  }

  /**
   * Accepts exactly the demo token (compared in constant time); the principal is named by the
   * query parameter {@code name} (the page sends its tab's name), see {@link #displayName}.
   */
  static Authenticator authenticator(String token) {
    byte[] expected = token.getBytes(StandardCharsets.UTF_8);
    return handshake -> handshake.bearerToken()
        .filter(given -> MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), expected))
        .<Principal>map(given ->
            new DemoUser(displayName(handshake.queryParameter("name").orElse(null))));
  }

  /** The presence hook: every entry of a session starts as {@code {"name": <principal>}}. */
  static Map<String, Object> presenceMeta(ConnectionInfo conn) {
    Principal p = conn.principal();
    return Map.of("name", p == null ? conn.id() : p.getName());
  }

  /**
   * The principal's name for a connection asking to be called {@code requested}: it when it is
   * 1 to 32 of {@code [A-Za-z0-9_.-]}, else {@code demo}. {@code admin} is never granted (it
   * would open the admins-only sessions of {@link #mayUse}).
   */
  static String displayName(@Nullable String requested) {
    return requested != null && NAME.matcher(requested).matches()
        && !requested.equalsIgnoreCase("admin") ? requested : "demo";
  }

  private static List<String> origins(DemoOptions options, int httpPort) {
    if (!options.origins().isEmpty()) {
      return options.origins();
    }
    Set<String> o = new LinkedHashSet<>();
    o.add("http://localhost:" + httpPort);
    o.add("http://127.0.0.1:" + httpPort);
    o.add("http://[::1]:" + httpPort);
    if (!options.host().equals("0.0.0.0") && !options.host().equals("::")) {
      o.add("http://" + options.host() + ":" + httpPort);
    }
    return List.copyOf(o);
  }

  private String displayHost() {
    String h = options.host();
    return h.equals("0.0.0.0") || h.equals("::") ? "localhost" : h;
  }

  private Map<String, Object> config() {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("wsPort", wsPort);
    c.put("wsPath", "/ws");
    c.put("shellPath", options.shell() ? DemoShell.PATH : null);
    c.put("sessionId", "demo");
    return c;
  }

  private Map<String, Object> inspect() {
    ChannelServer server = channels();
    List<Map<String, Object>> conns = new ArrayList<>();
    Map<String, Integer> subscribers = new TreeMap<>();
    for (ConnectionInfo c : server.connections()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("id", c.id());
      m.put("path", c.path());
      m.put("principal", c.principal() == null ? null : c.principal().getName());
      m.put("remoteAddress", c.remoteAddress() == null ? null : c.remoteAddress().toString());
      m.put("connectedAt", c.connectedAt().toString());
      m.put("channels", List.copyOf(new TreeSet<>(c.channels())));
      m.put("bufferedBytes", c.bufferedBytes());
      conns.add(m);
      c.channels().forEach(ch -> subscribers.merge(ch, 1, Integer::sum));
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("startedAt", startedAt.toString());
    out.put("wsUrl", wsUrl());
    out.put("transport", options.transport().name().toLowerCase(Locale.ROOT));
    out.put("shellEnabled", options.shell());
    out.put("broker", broker == null ? Map.of("type", "in-memory")
        : Map.of("type", "redis", "nodeId", broker.nodeId()));
    out.put("channels", subscribers);
    out.put("connections", conns);
    out.put("metrics", server.metrics());
    out.put("agent", Map.of("streamsInProgress", agent.streamsInProgress()));
    ShellEndpoint sh;
    synchronized (lock) {
      sh = shell;
    }
    out.put("shell", sh == null ? null : sh.stats());
    return out;
  }

  @Override
  public void close() {
    stopChannels();
    agent.close();
    web.close();
    if (broker != null) {
      broker.close(); // after the server, as docs/scale-out.md says
    }
  }
}
