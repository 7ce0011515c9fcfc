package io.github.jchannels.server;

import io.github.jchannels.core.Channel;
import io.github.jchannels.core.Codec;
import io.github.jchannels.core.CodecLimits;
import io.github.jchannels.core.Channels;
import io.github.jchannels.core.Event;
import io.github.jchannels.core.EventRegistry;
import io.github.jchannels.core.Family;
import io.github.jchannels.core.SessionEvent;
import io.github.jchannels.core.time.Scheduler;
import io.github.jchannels.core.time.SystemScheduler;
import io.github.jchannels.core.transport.ConnectionHandler;
import io.github.jchannels.server.broker.Broker;
import io.github.jchannels.server.broker.BrokerException;
import io.github.jchannels.server.broker.History;
import io.github.jchannels.server.broker.InMemoryBroker;
import io.github.jchannels.server.broker.PresenceEntry;
import io.github.jchannels.server.internal.BrokerLink;
import io.github.jchannels.server.internal.Endpoint;
import io.github.jchannels.server.internal.Engine;
import io.github.jchannels.server.internal.Metrics;
import io.github.jchannels.server.internal.PresenceHub;
import io.github.jchannels.server.internal.Route;
import io.github.jchannels.server.internal.ServerCore;
import io.github.jchannels.server.transport.ServerTransport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;

/**
 * A WebSocket server speaking the channels protocol (PROTOCOL.md sections 4 to 7), embeddable
 * in any application with a few lines:
 *
 * <pre>{@code
 * try (ChannelServer server = ChannelServer.builder()
 *     .port(8080)
 *     .authenticator(Authenticator.bearer(tokens::lookup))
 *     .authorize(Channels.SESSION, (channel, conn) -> sessions.canRead(conn.principal(), channel))
 *     .handle(Channels.SESSION, SessionEvent.SendMessage.class, request -> agent.send(request))
 *     .build()
 *     .start()) {
 *   server.broadcast(Channels.session("abc"), new SessionEvent.StreamOutput("abc", "hi", now));
 * }
 * }</pre>
 *
 * <p>Lifecycle: built, then {@link #start() started} once, then {@link #close() closed} once; a
 * closed server cannot be restarted. Thread-safe: every method may be called from any thread.
 * Handlers, authorizers, authenticators and listeners run on the server's executor (virtual
 * threads), never on a socket thread, in order per connection.
 */
public final class ChannelServer implements AutoCloseable, Publisher {
  /** Default most missed events one subscribe with {@code since} may replay. */
  public static final int DEFAULT_RECOVERY_LIMIT = 300;
  /** Default time a broadcast or subscribe waits for the broker. */
  public static final Duration DEFAULT_BROKER_TIMEOUT = Duration.ofSeconds(10);
  private final Config config;
  private final Engine engine;
  private final ServerCore runtime;
  private final ServerTransport transport;
  private final Metrics metrics = new Metrics();
  /** Null when no family keeps history and no broker was given. */
  private final @Nullable BrokerLink brokerLink;
  /** Null when no family has presence. */
  private final @Nullable PresenceHub presenceHub;

  private ChannelServer(Config config) {
    this.config = config;
    ServerLimits limits = config.limits;
    CodecLimits.Builder codecLimits = CodecLimits.builder()
        .maxDocumentLength(limits.maxFrameSize());
    if (limits.maxFrameSize() > CodecLimits.defaults().maxStringLength()) {
      codecLimits.maxStringLength(limits.maxFrameSize());
    }
    Codec codec = Codec.forServer(config.registry, codecLimits.build());
    List<Route> routes = new ArrayList<>();
    for (HandlerSpec h : config.handlers) {
      routes.add(new Route(h.family(), h.type(), h.handler()));
    }
    Scheduler scheduler = config.scheduler;
    SystemScheduler owned = null;
    if (scheduler == null) {
      owned = Scheduler.system("channels-server-" + ServerCore.nextNumber() + "-timer");
      scheduler = owned;
    }
    this.transport = config.transport != null ? config.transport : ServerTransport.javaWebSocket();
    this.engine = new Engine(codec, limits, routes, config.authorizers, config.welcomes,
        config.listeners, metrics, ServerCore.clock(scheduler), config.path);
    engine.publisher(this);
    this.brokerLink = brokerLink(config, engine, scheduler);
    if (brokerLink != null && !config.presences.isEmpty()) {
      this.presenceHub = new PresenceHub(config.presences, brokerLink.broker(), scheduler,
          config.brokerTimeout, limits.maxFrameSize());
      brokerLink.presence(presenceHub);
      engine.presence(presenceHub);
    } else {
      this.presenceHub = null;
    }
    List<Endpoint> endpoints = new ArrayList<>();
    endpoints.add(new Endpoint(config.path, config.authenticator, engine, true));
    for (EndpointSpec e : config.endpoints.values()) {
      endpoints.add(new Endpoint(e.path(), e.authenticator(), e.handler(), false));
    }
    this.runtime = new ServerCore(transport, config.host, config.port, config.tls, endpoints,
        config.allowedOrigins, config.requireOrigin, limits, metrics, engine, scheduler, owned);
  }

  /** A builder with the documented defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Starts the transport (the default one binds the port) and returns once the server accepts
   * connections. Throws {@link java.io.UncheckedIOException} if the port cannot be bound and
   * {@link IllegalStateException} if called twice.
   */
  public ChannelServer start() {
    if (brokerLink != null) {
      brokerLink.start();
    }
    runtime.start();
    return this;
  }

  /**
   * The port the server listens on (the real one when built with port 0). Throws
   * {@link IllegalStateException} before {@link #start()}, and for a transport mounted in a
   * container that owns the port.
   */
  public int port() {
    int p = runtime.boundPort();
    if (p < 0) {
      throw new IllegalStateException(runtime.running()
          ? "The transport " + transport.name() + " has no port of its own"
          : "The server is not started");
    }
    return p;
  }

  /** The transport the server runs on. */
  public ServerTransport transport() {
    return transport;
  }

  /** The path of the channels endpoint, e.g. {@code /ws}. */
  public String path() {
    return config.path;
  }

  /** The registry of families this server speaks. */
  public EventRegistry registry() {
    return config.registry;
  }

  /** The limits this server enforces. */
  public ServerLimits limits() {
    return config.limits;
  }

  @Override
  public <E extends Event> int broadcast(Channel<E> channel, E event) {
    return engine.broadcast(channel, event);
  }

  /**
   * {@inheritDoc} Connections of extra endpoints are not reached (they have their own
   * handlers).
   */
  @Override
  public <E extends Event> boolean send(String connectionId, Channel<E> channel, E event) {
    return engine.send(connectionId, channel, event);
  }

  /** {@inheritDoc} Connections of extra endpoints are not reached. */
  @Override
  public <E extends Event> int notice(Channel<E> channel, E event) {
    return engine.notice(channel, event);
  }

  /** Every open (authenticated) connection of every endpoint (a snapshot). */
  public List<ConnectionInfo> connections() {
    return runtime.connections();
  }

  /** One open connection. */
  public Optional<ConnectionInfo> connection(String connectionId) {
    return runtime.connection(connectionId);
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalArgumentException if the channel's family has no presence
   */
  @Override
  public Map<String, List<PresenceEntry>> presence(Channel<?> channel) {
    Objects.requireNonNull(channel, "channel");
    return engine.presence(channel);
  }

  /** How many connections are subscribed to {@code channel}. */
  public int subscriberCount(Channel<?> channel) {
    return engine.subscriberCount(channel.name());
  }

  /**
   * Closes a connection with a WebSocket close {@code code} (e.g. 1000, 1008, 4000-4999).
   *
   * @return false if no open connection has that id
   */
  public boolean disconnect(String connectionId, int code) {
    return disconnect(connectionId, code, "");
  }

  /** Closes a connection with a close code and a short reason (at most 123 bytes). */
  public boolean disconnect(String connectionId, int code, String reason) {
    return runtime.disconnect(connectionId, code, Objects.requireNonNull(reason, "reason"));
  }

  /** A snapshot of the server's counters. */
  public ServerMetrics metrics() {
    var subs = engine.subscriptions();
    return metrics.snapshot(runtime.openConnections(), subs.subscriptionCount(),
        subs.channelCount(), engine.codec().encodedFrames());
  }

  /**
   * Closes every connection of every endpoint with 1001, stops accepting, and releases the port
   * and every thread, within about {@link ServerLimits#closeTimeout()}. Idempotent. Must not
   * be called from a handler or listener of this server (it waits for them).
   */
  @Override
  public void close() {
    runtime.close();
    if (presenceHub != null) {
      presenceHub.close();
    }
    if (brokerLink != null) {
      brokerLink.close();
    }
  }

  // ----------------------------------------------------------------- builder

  /** A registered handler. */
  record HandlerSpec(Family<?> family, Class<?> type, EventHandler<?, ?> handler) {}

  /** An extra endpoint. */
  record EndpointSpec(String path, @Nullable Authenticator authenticator,
      ConnectionHandler handler) {}

  private static @Nullable BrokerLink brokerLink(Config config, Engine engine,
      Scheduler scheduler) {
    if (config.broker == null && config.histories.isEmpty() && config.presences.isEmpty()) {
      return null;
    }
    Broker broker = config.broker != null ? config.broker
        : InMemoryBroker.builder().scheduler(scheduler).build();
    BrokerLink link = new BrokerLink(broker, config.broker == null, config.broker != null,
        config.histories, config.presences.keySet(), config.recoveryLimit, config.brokerTimeout,
        engine.subscriptions());
    engine.broker(link);
    return link;
  }

  /** Immutable configuration taken from the builder. */
  static final class Config {
    final String host;
    final int port;
    final String path;
    final EventRegistry registry;
    final @Nullable Authenticator authenticator;
    final Set<String> allowedOrigins;
    final boolean requireOrigin;
    final List<HandlerSpec> handlers;
    final Map<Family<?>, SubscribeAuthorizer<?>> authorizers;
    final Map<Family<?>, Function<?, ?>> welcomes;
    final ServerLimits limits;
    final List<ServerListener> listeners;
    final Map<String, EndpointSpec> endpoints;
    final @Nullable SSLContext tls;
    final @Nullable ServerTransport transport;
    final @Nullable Scheduler scheduler;
    final @Nullable Broker broker;
    final Map<Family<?>, History> histories;
    final Map<Family<?>, Presence> presences;
    final int recoveryLimit;
    final Duration brokerTimeout;

    Config(Builder b) {
      this.broker = b.broker;
      this.histories = Map.copyOf(b.histories);
      this.presences = Map.copyOf(b.presences);
      this.recoveryLimit = b.recoveryLimit;
      this.brokerTimeout = b.brokerTimeout;
      this.host = b.host;
      this.port = b.port;
      this.path = b.path;
      this.registry = b.registry;
      this.authenticator = b.authenticator;
      this.allowedOrigins = Set.copyOf(b.allowedOrigins);
      this.requireOrigin = b.requireOrigin;
      this.handlers = List.copyOf(b.handlers);
      this.authorizers = Map.copyOf(b.authorizers);
      this.welcomes = Map.copyOf(b.welcomes);
      this.limits = b.limits;
      this.listeners = List.copyOf(b.listeners);
      this.endpoints = Map.copyOf(b.endpoints);
      this.tls = b.tls;
      this.transport = b.transport;
      this.scheduler = b.scheduler;
    }
  }

  /**
   * Configures a {@link ChannelServer}. Defaults: host {@code 0.0.0.0}, port 8080, path
   * {@code /ws}, {@link EventRegistry#defaults()}, no authenticator (every connection accepted,
   * anonymous), any origin, no handlers, no authorizers (every channel of a registered family
   * may be joined), the session family's welcome {@code subscribe_success},
   * {@link ServerLimits#defaults()}. Not thread-safe; {@link #build()} copies everything.
   */
  public static final class Builder {
    private String host = "0.0.0.0";
    private int port = 8080;
    private String path = "/ws";
    private EventRegistry registry = EventRegistry.defaults();
    private @Nullable Authenticator authenticator;
    private final Set<String> allowedOrigins = new LinkedHashSet<>();
    private boolean requireOrigin;
    private final List<HandlerSpec> handlers = new ArrayList<>();
    private final Map<Family<?>, SubscribeAuthorizer<?>> authorizers = new LinkedHashMap<>();
    private final Map<Family<?>, Function<?, ?>> welcomes = new LinkedHashMap<>();
    private ServerLimits limits = ServerLimits.defaults();
    private final List<ServerListener> listeners = new ArrayList<>();
    private final Map<String, EndpointSpec> endpoints = new LinkedHashMap<>();
    private @Nullable SSLContext tls;
    private @Nullable ServerTransport transport;
    private @Nullable Scheduler scheduler;
    private @Nullable Broker broker;
    private final Map<Family<?>, History> histories = new LinkedHashMap<>();
    private final Map<Family<?>, Presence> presences = new LinkedHashMap<>();
    private int recoveryLimit = DEFAULT_RECOVERY_LIMIT;
    private Duration brokerTimeout = DEFAULT_BROKER_TIMEOUT;

    /**
     * The broker that connects this node to the others (PROTOCOL.md section 13), for example
     * {@code channels-redis}'s {@code RedisBroker}. With one, every broadcast travels through it
     * and waits for its answer: when it cannot be reached, {@code broadcast} throws
     * {@link BrokerException} and the event reaches no one. The caller owns the broker and
     * closes it after the server. Default: none (one node; families with history use an
     * {@link InMemoryBroker} the server owns).
     */
    public Builder broker(Broker broker) {
      this.broker = Objects.requireNonNull(broker, "broker");
      return this;
    }

    /**
     * Keeps a bounded history of {@code family}'s broadcasts (PROTOCOL.md section 11): its
     * events carry {@code seq} and {@code epoch}, and a subscribe with {@code since} recovers
     * what a client missed. Opt-in per family; {@link History#NONE} turns it off again.
     */
    public Builder history(Family<?> family, History history) {
      Objects.requireNonNull(family, "family");
      Objects.requireNonNull(history, "history");
      if (history.enabled()) {
        histories.put(family, history);
      } else {
        histories.remove(family);
      }
      return this;
    }

    /**
     * Keeps presence on {@code family}'s channels (PROTOCOL.md section 12): after each
     * subscribe the connection gets {@code presence_state}, every subscriber gets
     * {@code presence_diff}s (coalesced over {@link Presence#window()}) when connections join,
     * leave or update their {@code meta} with {@code presence_update}, and
     * {@link ChannelServer#presence(Channel)} tells who is there. Opt-in per family; the family
     * must not define {@code presence_state}, {@code presence_diff} or {@code presence_update}
     * (reserved). Entries live in the broker (an {@link InMemoryBroker} the server owns when
     * none is given), so every node sees them.
     */
    public Builder presence(Family<?> family, Presence presence) {
      Objects.requireNonNull(family, "family");
      Objects.requireNonNull(presence, "presence");
      for (String reserved : PresenceHub.RESERVED) {
        if (family.type(reserved).isPresent()) {
          throw new IllegalArgumentException("Family '" + family.name() + "' defines '"
              + reserved + "', which is reserved in a family with presence");
        }
      }
      presences.put(family, presence);
      return this;
    }

    /**
     * The most missed events one subscribe with {@code since} may replay (default
     * {@value #DEFAULT_RECOVERY_LIMIT}, as Centrifugo's); more missed events answer
     * {@code recovered: false}. 0 to 1,000,000.
     */
    public Builder recoveryLimit(int recoveryLimit) {
      if (recoveryLimit < 0 || recoveryLimit > 1_000_000) {
        throw new IllegalArgumentException(
            "recoveryLimit must be in range [0,1000000]: " + recoveryLimit);
      }
      this.recoveryLimit = recoveryLimit;
      return this;
    }

    /**
     * How long a broadcast or subscribe waits for the broker before failing (default 10 s,
     * 1 ms to 5 min).
     */
    public Builder brokerTimeout(Duration brokerTimeout) {
      Objects.requireNonNull(brokerTimeout, "brokerTimeout");
      if (brokerTimeout.compareTo(Duration.ofMillis(1)) < 0
          || brokerTimeout.compareTo(Duration.ofMinutes(5)) > 0) {
        throw new IllegalArgumentException(
            "brokerTimeout must be in range [PT0.001S,PT5M]: " + brokerTimeout);
      }
      this.brokerTimeout = brokerTimeout;
      return this;
    }

    private Builder() {
      Function<Channel<SessionEvent>, SessionEvent> sessionWelcome =
          c -> new SessionEvent.SubscribeSuccess(c.id().orElseThrow());
      welcomes.put(Channels.SESSION, sessionWelcome);
    }

    /** The interface to bind, e.g. {@code 127.0.0.1}; default {@code 0.0.0.0} (all). */
    public Builder host(String host) {
      this.host = Objects.requireNonNull(host, "host");
      return this;
    }

    /** The port, 0 for any free port ({@link ChannelServer#port()} tells which); default 8080. */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port must be in [0, 65535]: " + port);
      }
      this.port = port;
      return this;
    }

    /** The path of the channels endpoint; default {@code /ws}. */
    public Builder path(String path) {
      this.path = checkPath(path);
      return this;
    }

    /**
     * Serves {@code wss://} with this context (its key managers hold the server certificate);
     * default: plain {@code ws://}. Every endpoint of the port uses it.
     */
    public Builder tls(SSLContext context) {
      this.tls = Objects.requireNonNull(context, "context");
      return this;
    }

    /**
     * The WebSocket transport; default {@link ServerTransport#javaWebSocket()} (a port of its
     * own, bound to {@link #host}:{@link #port}). A transport mounted in a container (Jakarta
     * WebSocket, for instance) ignores host, port and TLS: the container owns them. One
     * transport instance serves one server.
     */
    public Builder transport(ServerTransport transport) {
      this.transport = Objects.requireNonNull(transport, "transport");
      return this;
    }

    /**
     * The clock and timers of every protocol timer (handshake and close deadlines, pings, rate
     * windows); default a {@link Scheduler#system(String) system scheduler} the server owns and
     * closes with itself. A scheduler given here is not closed by the server (tests pass a
     * {@code FakeScheduler} of channels-core).
     */
    public Builder scheduler(Scheduler scheduler) {
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    /** The families the server speaks; default {@link EventRegistry#defaults()}. */
    public Builder registry(EventRegistry registry) {
      this.registry = Objects.requireNonNull(registry, "registry");
      return this;
    }

    /** Who may connect to the channels endpoint; default: everyone, anonymously. */
    public Builder authenticator(Authenticator authenticator) {
      this.authenticator = Objects.requireNonNull(authenticator, "authenticator");
      return this;
    }

    /**
     * Browser origins allowed to connect (exact {@code Origin} values such as
     * {@code https://app.example.com}); adds to the list. An empty list (the default) allows
     * every origin. A disallowed origin is refused at the handshake, before the upgrade, with
     * HTTP 403 (HTTP 404 on the default Java-WebSocket transport, which cannot answer 403).
     */
    public Builder allowedOrigins(String... origins) {
      return allowedOrigins(List.of(origins));
    }

    /** Same as {@link #allowedOrigins(String...)}. */
    public Builder allowedOrigins(Collection<String> origins) {
      for (String o : origins) {
        allowedOrigins.add(Objects.requireNonNull(o, "origin"));
      }
      return this;
    }

    /**
     * Whether a handshake without an {@code Origin} header (a non-browser client) is refused;
     * default false.
     */
    public Builder requireOrigin(boolean require) {
      this.requireOrigin = require;
      return this;
    }

    /**
     * Handles client events of type {@code type} (a record of the family, or a sealed
     * sub-interface such as {@code SessionEvent.ToServer}) on channels of {@code family}.
     * An event is handled by the handler registered for its exact record class, else by the
     * first registered handler whose type it is an instance of.
     */
    public <E extends Event, C extends E> Builder handle(Family<E> family, Class<C> type,
        EventHandler<E, C> handler) {
      Objects.requireNonNull(family, "family");
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(handler, "handler");
      for (HandlerSpec h : handlers) {
        if (h.family().equals(family) && h.type().equals(type)) {
          throw new IllegalArgumentException("A handler for " + type.getName() + " on family '"
              + family.name() + "' is already registered");
        }
      }
      boolean fromClient = family.types().stream()
          .anyMatch(t -> type.isAssignableFrom(t.type()) && t.fromClient());
      if (!fromClient) {
        throw new IllegalArgumentException(type.getName() + " is no client event of family '"
            + family.name() + "'");
      }
      handlers.add(new HandlerSpec(family, type, handler));
      return this;
    }

    /** Decides who may subscribe to channels of {@code family}; replaces a previous one. */
    public <E extends Event> Builder authorize(Family<E> family,
        SubscribeAuthorizer<E> authorizer) {
      authorizers.put(Objects.requireNonNull(family, "family"),
          Objects.requireNonNull(authorizer, "authorizer"));
      return this;
    }

    /**
     * The event sent on a channel of {@code family} right after each successful subscribe
     * (after {@code subscription_success}); {@code welcome} may return null for none. The
     * session family sends {@code subscribe_success} by default.
     */
    public <E extends Event> Builder welcome(Family<E> family,
        Function<Channel<E>, ? extends @Nullable E> welcome) {
      welcomes.put(Objects.requireNonNull(family, "family"),
          Objects.requireNonNull(welcome, "welcome"));
      return this;
    }

    /** The limits; default {@link ServerLimits#defaults()}. */
    public Builder limits(ServerLimits limits) {
      this.limits = Objects.requireNonNull(limits, "limits");
      return this;
    }

    /** Adds a listener of connections and subscriptions. */
    public Builder listener(ServerListener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /**
     * Mounts {@code handler} on another path of the same port (e.g. the shell module's
     * {@code /shell}). The server applies everything generic there: origin check,
     * {@code authenticator} (null: everyone, anonymously; failure: one {@code global}
     * {@code error} {@code unauthorized} then 1008), frame size (1009), binary (1003), rate
     * limit, slow consumer (1013), handshake timeout, WebSocket pings; it sends
     * {@code global} {@code connected} first, then calls {@code onOpen}, {@code onText} for each
     * text frame and {@code onClose} once, serially per connection on its executor. Everything
     * else, including answering {@code ping}, is the handler's job.
     */
    public Builder endpoint(String path, @Nullable Authenticator authenticator,
        ConnectionHandler handler) {
      String p = checkPath(path);
      if (endpoints.containsKey(p)) {
        throw new IllegalArgumentException("Endpoint " + p + " is already mounted");
      }
      endpoints.put(p, new EndpointSpec(p, authenticator, Objects.requireNonNull(handler,
          "handler")));
      return this;
    }

    private static String checkPath(String path) {
      Objects.requireNonNull(path, "path");
      if (!path.startsWith("/") || path.contains("?") || path.contains("#")
          || path.chars().anyMatch(ch -> ch <= ' ')) {
        throw new IllegalArgumentException("path must start with '/' and hold no query: " + path);
      }
      return path;
    }

    /** The server, not started yet. Throws {@link IllegalArgumentException} on conflicts. */
    public ChannelServer build() {
      if (endpoints.containsKey(path)) {
        throw new IllegalArgumentException("Endpoint " + path + " is the channels endpoint");
      }
      for (HandlerSpec h : handlers) {
        requireRegistered(h.family());
      }
      authorizers.keySet().forEach(this::requireRegistered);
      presences.keySet().forEach(this::requireRegistered);
      return new ChannelServer(new Config(this));
    }

    private void requireRegistered(Family<?> family) {
      if (registry.family(family.name()).filter(family::equals).isEmpty()) {
        throw new IllegalArgumentException("Family '" + family.name()
            + "' is not in the server's registry");
      }
    }
  }
}
