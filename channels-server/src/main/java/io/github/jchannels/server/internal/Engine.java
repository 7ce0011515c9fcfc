package io.github.jchannels.server.internal;

import io.github.jchannels.core.Channel;
import io.github.jchannels.core.Channels;
import io.github.jchannels.core.Codec;
import io.github.jchannels.core.Decoded;
import io.github.jchannels.core.ErrorCode;
import io.github.jchannels.core.Event;
import io.github.jchannels.core.EventRegistry;
import io.github.jchannels.core.Family;
import io.github.jchannels.core.Frame;
import io.github.jchannels.core.GlobalEvent;
import io.github.jchannels.core.Reply;
import io.github.jchannels.core.ServerEvent;
import io.github.jchannels.core.SubscriptionManager;
import io.github.jchannels.core.transport.Connection;
import io.github.jchannels.core.transport.ConnectionHandler;
import io.github.jchannels.server.ConnectionInfo;
import io.github.jchannels.server.EventHandler;
import io.github.jchannels.server.Publisher;
import io.github.jchannels.server.ServerLimits;
import io.github.jchannels.server.ServerListener;
import io.github.jchannels.server.SubscribeAuthorizer;
import io.github.jchannels.server.broker.BrokerException;
import io.github.jchannels.server.broker.History;
import io.github.jchannels.server.broker.PresenceEntry;
import io.github.jchannels.server.broker.StreamPosition;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The protocol engine of the channels endpoint (PROTOCOL.md sections 4 to 7), independent of any
 * transport: it routes the text frames of {@link Connection}s, keeps their subscriptions, runs
 * authorizers and handlers, and answers. A transport calls it serially per connection (the
 * {@link ConnectionHandler} contract) on threads that may block; the in-memory transport of
 * channels-core drives it in unit tests.
 *
 * <p>Thread-safe. Also the server's {@link Publisher}.
 */
public final class Engine implements ConnectionHandler, Publisher {
  private static final Logger log = LoggerFactory.getLogger(Engine.class);
  private static final int MAX_ECHOED_CHANNEL = 256;

  private final Codec codec;
  private final EventRegistry registry;
  private final ServerLimits limits;
  private final SubscriptionManager subscriptions;
  private final List<Route> routes;
  private final Map<Family<?>, SubscribeAuthorizer<?>> authorizers;
  private final Map<Family<?>, Function<?, ?>> welcomes;
  private final List<ServerListener> listeners;
  private final Metrics metrics;
  private final Clock clock;
  private final String path;
  /** Open connections by id: present from after the welcome event was sent until close. */
  private final ConcurrentHashMap<String, Session> sessions = new ConcurrentHashMap<>();
  /** Handler lookup cache: event class → route (absent value = no handler). */
  private final ConcurrentHashMap<Class<?>, Optional<Route>> routeCache = new ConcurrentHashMap<>();
  private volatile Publisher publisher = this;
  /** Null without a broker: every family is delivered locally. */
  private volatile @Nullable BrokerLink link;
  /** Null when no family has presence. */
  private volatile @Nullable PresenceHub presence;

  /**
   * One open connection and what the engine keeps about it. Its monitor orders the welcome
   * event before anything sent by {@link #send(String, Channel, Event)} or {@link #notice}.
   */
  private record Session(Connection connection, Instant connectedAt) {}

  /** Creates an engine for the endpoint at {@code path}. */
  public Engine(Codec codec, ServerLimits limits, List<Route> routes,
      Map<Family<?>, SubscribeAuthorizer<?>> authorizers, Map<Family<?>, Function<?, ?>> welcomes,
      List<ServerListener> listeners, Metrics metrics, Clock clock, String path) {
    this.codec = Objects.requireNonNull(codec, "codec");
    this.registry = codec.registry();
    this.limits = Objects.requireNonNull(limits, "limits");
    this.subscriptions = new SubscriptionManager(limits.maxSubscriptionsPerConnection());
    this.routes = List.copyOf(routes);
    this.authorizers = Map.copyOf(authorizers);
    this.welcomes = Map.copyOf(welcomes);
    this.listeners = List.copyOf(listeners);
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.path = Objects.requireNonNull(path, "path");
  }

  /** The publisher handed to handlers (the server facade); defaults to this engine. */
  public void publisher(Publisher publisher) {
    this.publisher = Objects.requireNonNull(publisher, "publisher");
  }

  /** Routes broadcasts, history and recovery through a broker (PROTOCOL.md sections 11, 13). */
  public void broker(BrokerLink link) {
    this.link = Objects.requireNonNull(link, "link");
  }

  /** Keeps presence for the families that have it (PROTOCOL.md section 12). */
  public void presence(PresenceHub hub) {
    this.presence = Objects.requireNonNull(hub, "hub");
  }

  /** The codec. */
  public Codec codec() {
    return codec;
  }

  /** The subscriptions of this endpoint. */
  public SubscriptionManager subscriptions() {
    return subscriptions;
  }

  // ------------------------------------------------------------- lifecycle

  @Override
  public void onOpen(Connection connection) {
    Instant now = connection instanceof ConnectionMeta m ? m.connectedAt() : clock.instant();
    subscriptions.register(connection);
    Session session = new Session(connection, now);
    // connected first: send and notice take the session's monitor, held here from the moment
    // the session is visible until connected is queued
    synchronized (session) {
      sessions.put(connection.id(), session);
      connection.send(codec.encode(Channels.global(), new GlobalEvent.Connected(connection.id(),
          clock.millis(), limits.heartbeatInterval().toMillis())));
    }
    ConnectionInfo info = info(connection);
    notify(l -> l.onConnect(info));
  }

  @Override
  @SuppressWarnings("ReferenceEquality") // the session of this very connection object
  public void onClose(Connection connection, int code, String reason) {
    Session s = sessions.get(connection.id());
    ConnectionInfo info = s != null && s.connection() == connection ? info(connection) : null;
    if (info != null) {
      sessions.remove(connection.id(), s);
    }
    Set<String> was = subscriptions.remove(connection);
    PresenceHub hub = presence;
    if (hub != null) {
      for (String channel : was) {
        hub.leave(connection, channel);
      }
    }
    BrokerLink bl = link;
    if (bl != null) {
      for (String channel : was) {
        bl.forget(connection, channel);
        bl.release(channel);
      }
    }
    if (info != null) {
      notify(l -> l.onDisconnect(info, code, reason));
    }
  }

  // ------------------------------------------------------------- routing

  /**
   * Answers {@code text} at once if it is a valid {@code global} {@code ping}; returns false
   * (and does nothing) otherwise. Lets a transport answer pings without waiting for the
   * connection's queued handlers.
   */
  public boolean answerIfPing(Connection connection, String text) {
    if (text.indexOf("\"ping\"") < 0 || !sessions.containsKey(connection.id())) {
      return false;
    }
    if (codec.decode(text, c -> true) instanceof Decoded.Control(GlobalEvent.Ping p, String ref)) {
      send(connection, codec.encode(Channels.global(), new GlobalEvent.Pong(p.timestamp()), ref));
      return true;
    }
    return false;
  }

  @Override
  public void onText(Connection connection, String text) {
    Decoded d = codec.decode(text, c -> subscriptions.isSubscribed(connection, c.name()));
    switch (d) {
      case Decoded.Failure f -> {
        if (!presenceUpdate(connection, text, f)) {
          sendError(connection, f.code(), f.message(), f.channel(), f.ref());
        }
      }
      case Decoded.Control c -> control(connection, c.event(), c.ref());
      case Decoded.Message m -> dispatch(connection, m.channel(), m.event(), m.ref());
      case Decoded.ReplyMessage r -> sendError(connection, ErrorCode.UNKNOWN_TYPE,
          "'reply' is not accepted from clients", r.channel().name(), r.ref());
    }
  }

  private void control(Connection connection, GlobalEvent event, @Nullable String ref) {
    switch (event) {
      case GlobalEvent.Ping p ->
          send(connection, codec.encode(Channels.global(), new GlobalEvent.Pong(p.timestamp()),
              ref));
      case GlobalEvent.Subscribe s -> subscribe(connection, s.channel(), s.since(), ref);
      case GlobalEvent.Unsubscribe u -> unsubscribe(connection, u.channel(), ref);
      default -> sendError(connection, ErrorCode.UNKNOWN_TYPE, "not accepted from clients",
          Channels.GLOBAL.name(), ref);
    }
  }

  private void subscribe(Connection connection, String name, GlobalEvent.@Nullable Since since,
      @Nullable String ref) {
    Channel<?> channel;
    switch (registry.resolve(name)) {
      case EventRegistry.Resolution.InvalidName i -> {
        subscriptionError(connection, name, ErrorCode.INVALID_CHANNEL, i.reason(), ref);
        return;
      }
      case EventRegistry.Resolution.UnknownFamily u -> {
        subscriptionError(connection, name, ErrorCode.UNKNOWN_CHANNEL,
            "no family '" + u.resource() + "' is registered", ref);
        return;
      }
      case EventRegistry.Resolution.Known k -> channel = k.channel();
    }
    if (channel.family() == Channels.GLOBAL) {
      subscriptionError(connection, name, ErrorCode.INVALID_CHANNEL,
          "'global' is joined implicitly and cannot be subscribed to", ref);
      return;
    }
    if (!authorized(connection, channel)) {
      subscriptionError(connection, name, ErrorCode.UNAUTHORIZED,
          "not allowed to subscribe to '" + name + "'", ref);
      return;
    }
    SubscriptionManager.Outcome outcome = subscriptions.subscribe(connection, channel.name());
    switch (outcome) {
      case LIMIT_EXCEEDED -> subscriptionError(connection, name, ErrorCode.LIMIT_EXCEEDED,
          "at most " + subscriptions.maxPerConnection() + " subscriptions per connection", ref);
      case UNKNOWN_CONNECTION -> log.debug("Subscribe from closed connection {}", connection.id());
      case SUBSCRIBED, ALREADY_SUBSCRIBED -> {
        boolean fresh = outcome == SubscriptionManager.Outcome.SUBSCRIBED;
        BrokerLink bl = link;
        if (bl != null && bl.routes(channel.family())) {
          if (!answerThroughBroker(bl, connection, channel, since, ref, fresh)) {
            return;
          }
        } else {
          GlobalEvent.SubscriptionSuccess ok = since == null
              ? new GlobalEvent.SubscriptionSuccess(channel.name())
              : new GlobalEvent.SubscriptionSuccess(channel.name(), false, null, null, null);
          send(connection, codec.encode(Channels.global(), ok, ref));
          welcome(connection, channel);
        }
        if (outcome == SubscriptionManager.Outcome.SUBSCRIBED && !listeners.isEmpty()) {
          ConnectionInfo info = info(connection);
          notify(l -> l.onSubscribe(info, channel.name()));
        }
      }
    }
  }

  /**
   * Answers a subscribe on a channel whose events travel through the broker: the node's interest
   * first, then (with history) the top or the recovery of {@code since}, and under the cursor's
   * lock {@code subscription_success}, the welcome, the replayed events and the held live ones,
   * in that order. Returns false (after a {@code subscription_error}) if the broker failed.
   */
  private boolean answerThroughBroker(BrokerLink l, Connection connection, Channel<?> channel,
      GlobalEvent.@Nullable Since since, @Nullable String ref, boolean fresh) {
    String name = channel.name();
    History history = l.history(channel.family());
    try {
      if (fresh) {
        l.acquire(name, history);
      }
      if (!history.enabled()) {
        PresenceHub.Prepared p = presenceJoin(connection, channel);
        GlobalEvent.SubscriptionSuccess ok = since == null
            ? new GlobalEvent.SubscriptionSuccess(name)
            : new GlobalEvent.SubscriptionSuccess(name, false, null, null, null);
        send(connection, codec.encode(Channels.global(), ok, ref));
        welcome(connection, channel);
        sendAll(connection, p.frames());
        p.finish().run();
        return true;
      }
      BrokerLink.Opened o = l.open(connection, name, history,
          since == null ? null : StreamPosition.of(since.epoch(), since.seq()));
      // Presence is read before the cursor's lock is taken: the broker's threads deliver under
      // it, and the read may wait for them.
      PresenceHub.Prepared p = presenceJoin(connection, channel);
      synchronized (o.lock()) {
        send(connection, codec.encode(Channels.global(), new GlobalEvent.SubscriptionSuccess(name,
            true, o.recovered(), o.top().epoch(), o.top().seq()), ref));
        welcome(connection, channel);
        sendAll(connection, p.frames());
        sendAll(connection, o.replay());
        o.finish().run();
      }
      p.finish().run();
      return true;
    } catch (BrokerException e) {
      log.warn("Broker failed while {} subscribed to {}: {}", connection.id(), name,
          e.getMessage());
      if (fresh) {
        subscriptions.unsubscribe(connection, name);
        l.forget(connection, name);
        l.release(name);
      }
      subscriptionError(connection, name, ErrorCode.INTERNAL_ERROR,
          "the server's broker is unavailable; try again", ref);
      return false;
    }
  }

  /** Tracks the connection's presence entry and reads the state (nothing without presence). */
  private PresenceHub.Prepared presenceJoin(Connection connection, Channel<?> channel) {
    PresenceHub hub = presence;
    if (hub == null || !hub.enabled(channel.family())) {
      return new PresenceHub.Prepared(List.of(), () -> {});
    }
    return hub.join(connection, channel, info(connection));
  }

  private static void sendAll(Connection connection, List<Frame> frames) {
    for (Frame f : frames) {
      send(connection, f);
    }
  }

  /**
   * Handles a {@code presence_update} (which the codec refuses as a type unknown to the family)
   * on a channel whose family has presence: checks 6 and 7 of PROTOCOL.md section 7, then
   * replaces the entry's meta. Returns false if the frame is no such update.
   */
  private boolean presenceUpdate(Connection connection, String text, Decoded.Failure f) {
    PresenceHub hub = presence;
    if (hub == null || f.code() != ErrorCode.UNKNOWN_TYPE || f.channel() == null) {
      return false;
    }
    if (!(registry.resolve(f.channel()) instanceof EventRegistry.Resolution.Known k)) {
      return false;
    }
    Channel<?> channel = k.channel();
    PresenceHub.Update u = hub.readUpdate(channel.family(), text);
    if (u == null) {
      return false;
    }
    String name = channel.name();
    if (!subscriptions.isSubscribed(connection, name)) {
      sendError(connection, ErrorCode.NOT_SUBSCRIBED, "not subscribed to '" + name + "'", name,
          u.ref());
      return true;
    }
    if (u.problem() != null || u.meta() == null) {
      sendError(connection, ErrorCode.INVALID_DATA,
          u.problem() != null ? u.problem() : "invalid meta", name, u.ref());
      return true;
    }
    try {
      if (!hub.update(connection, name, u.meta())) {
        sendError(connection, ErrorCode.INTERNAL_ERROR, "no presence entry for this connection",
            name, u.ref());
        return true;
      }
    } catch (BrokerException e) {
      log.warn("Presence update of {} on {} failed: {}", connection.id(), name, e.getMessage());
      sendError(connection, ErrorCode.INTERNAL_ERROR,
          "the server's broker is unavailable; try again", name, u.ref());
      return true;
    }
    if (u.ref() != null) {
      send(connection, codec.encodeReply(channel, u.ref(), Reply.ok(null)));
    }
    return true;
  }

  @SuppressWarnings("unchecked")
  private <E extends Event> boolean authorized(Connection connection, Channel<E> channel) {
    SubscribeAuthorizer<E> a = (SubscribeAuthorizer<E>) authorizers.get(channel.family());
    if (a == null) {
      return true;
    }
    try {
      return a.authorize(channel, info(connection));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (Exception | Error e) {
      log.warn("Subscribe authorizer for '{}' failed; denying {}", channel.family().name(),
          connection.id(), e);
      return false;
    }
  }

  @SuppressWarnings("unchecked")
  private <E extends Event> void welcome(Connection connection, Channel<E> channel) {
    Function<Channel<E>, ? extends E> w = (Function<Channel<E>, ? extends E>) welcomes.get(
        channel.family());
    if (w == null) {
      return;
    }
    try {
      E event = w.apply(channel);
      if (event != null) {
        send(connection, codec.encode(channel, event));
      }
    } catch (RuntimeException e) {
      log.warn("Welcome of '{}' failed for {}", channel.name(), connection.id(), e);
    }
  }

  private void unsubscribe(Connection connection, String name, @Nullable String ref) {
    boolean was = subscriptions.unsubscribe(connection, name);
    PresenceHub hub = presence;
    if (was && hub != null) {
      hub.leave(connection, name);
    }
    BrokerLink bl = link;
    if (was && bl != null) {
      bl.forget(connection, name);
      bl.release(name);
    }
    send(connection, codec.encode(Channels.global(), new GlobalEvent.Unsubscribed(clip(name)),
        ref));
    if (was && !listeners.isEmpty()) {
      ConnectionInfo info = info(connection);
      notify(l -> l.onUnsubscribe(info, name));
    }
  }

  private void subscriptionError(Connection connection, String name, ErrorCode code,
      String message, @Nullable String ref) {
    metrics.error(code.wire());
    send(connection, codec.encode(Channels.global(),
        new GlobalEvent.SubscriptionError(clip(name), code.wire(), message), ref));
  }

  private static String clip(String name) {
    return name.length() <= MAX_ECHOED_CHANNEL ? name : name.substring(0, MAX_ECHOED_CHANNEL) + "…";
  }

  // ------------------------------------------------------------- handlers

  private void dispatch(Connection connection, Channel<?> channel, Event event,
      @Nullable String ref) {
    Optional<Route> route = routeCache.computeIfAbsent(event.getClass(), this::findRoute);
    if (route.isEmpty()) {
      log.debug("No handler for {} on {}", event.getClass().getName(), channel.name());
      if (ref != null) {
        send(connection, codec.encodeReply(channel, ref, Reply.error("not_implemented",
            "no handler for this event")));
      }
      return;
    }
    run(route.get(), connection, channel, event, ref);
  }

  private Optional<Route> findRoute(Class<?> type) {
    for (Route r : routes) {
      if (r.type() == type) {
        return Optional.of(r);
      }
    }
    for (Route r : routes) {
      if (r.type().isAssignableFrom(type)) {
        return Optional.of(r);
      }
    }
    return Optional.empty();
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private void run(Route route, Connection connection, Channel<?> channel, Event event,
      @Nullable String ref) {
    if (!route.family().equals(channel.family())) {
      // the codec resolved the event in the channel's family; a route of another family with an
      // assignable type cannot apply
      return;
    }
    RealRequest request = new RealRequest(this, connection, channel, event, ref);
    long start = System.nanoTime();
    try {
      ((EventHandler) route.handler()).handle(request);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      handled(channel, event, start, true);
      failed(request, connection, channel, ref, e);
      return;
    } catch (Exception | Error e) {
      handled(channel, event, start, true);
      failed(request, connection, channel, ref, e);
      return;
    }
    handled(channel, event, start, false);
    if (request.finish() && ref != null) {
      send(connection, codec.encodeReply(channel, ref, Reply.ok(null)));
    }
  }

  /** Tells the listeners how long a handler took (ServerListener.onHandled). */
  private void handled(Channel<?> channel, Event event, long start, boolean failed) {
    if (listeners.isEmpty()) {
      return;
    }
    long nanos = System.nanoTime() - start;
    notify(l -> l.onHandled(channel, event, nanos, failed));
  }

  private void failed(RealRequest<?, ?> request, Connection connection, Channel<?> channel,
      @Nullable String ref, Throwable e) {
    log.warn("Handler for {} on {} (connection {}) failed", request.event().getClass().getName(),
        channel.name(), connection.id(), e);
    if (request.finish()) {
      sendError(connection, ErrorCode.INTERNAL_ERROR, "the server could not handle this event",
          channel.name(), ref);
    }
  }

  /** Sends a reply for a request (called by {@link RealRequest}). */
  void reply(Connection connection, Channel<?> channel, String ref, Reply reply) {
    send(connection, codec.encodeReply(channel, ref, reply));
  }

  Publisher publisher() {
    return publisher;
  }

  // ------------------------------------------------------------- sending

  private void sendError(Connection connection, ErrorCode code, String message,
      @Nullable String channel, @Nullable String ref) {
    metrics.error(code.wire());
    send(connection, codec.encodeError(code, message, channel, ref));
  }

  private static void send(Connection connection, Frame frame) {
    connection.send(frame);
  }

  @Override
  public <E extends Event> int broadcast(Channel<E> channel, E event) {
    Objects.requireNonNull(channel, "channel");
    Objects.requireNonNull(event, "event");
    long start = System.nanoTime();
    int receivers = fanOut(channel, event);
    if (!listeners.isEmpty()) {
      long nanos = System.nanoTime() - start;
      notify(l -> l.onBroadcast(channel, event, receivers, nanos));
    }
    return receivers;
  }

  private <E extends Event> int fanOut(Channel<E> channel, E event) {
    BrokerLink bl = link;
    if (bl != null && bl.routes(channel.family())) {
      // Encoded once here; every node (this one too) frames these bytes as they are. The
      // broker's answer is awaited so that a failure reaches the publisher (and no one else).
      checkEncodable(channel, event);
      bl.publish(channel.name(), codec.encode(channel, event), bl.history(channel.family()));
      return subscriptions.subscriberCount(channel.name());
    }
    if (subscriptions.subscriberCount(channel.name()) == 0) {
      checkEncodable(channel, event);
      return 0;
    }
    return subscriptions.broadcast(channel.name(), encodeForPublish(channel, event));
  }

  /**
   * Encodes a published event, refusing one whose frame is over the frame limit
   * (PROTOCOL.md section 7, resource rules): it reaches nobody, instead of closing every
   * subscriber as a slow consumer.
   */
  private <E extends Event> Frame encodeForPublish(Channel<E> channel, E event) {
    Frame frame = codec.encode(channel, event);
    if (frame.size() > limits.maxFrameSize()) {
      throw new IllegalArgumentException("The event " + event.getClass().getSimpleName()
          + " on " + channel.name() + " encodes to " + frame.size() + " bytes, over the frame "
          + "limit of " + limits.maxFrameSize() + " bytes (ServerLimits.maxFrameSize); it was "
          + "sent to nobody");
    }
    return frame;
  }

  private <E extends Event> void checkEncodable(Channel<E> channel, E event) {
    if (!channel.accepts(event)) {
      throw new IllegalArgumentException(event.getClass().getName() + " is not an event of family '"
          + channel.family().name() + "'");
    }
    if (!(event instanceof ServerEvent)) {
      throw new IllegalArgumentException(event.getClass().getName() + " is not sent by servers");
    }
  }

  @Override
  public <E extends Event> boolean send(String connectionId, Channel<E> channel, E event) {
    Objects.requireNonNull(channel, "channel");
    Objects.requireNonNull(event, "event");
    Session s = sessions.get(connectionId);
    if (s == null || !s.connection().isOpen()) {
      checkEncodable(channel, event);
      return false;
    }
    Frame frame = encodeForPublish(channel, event);
    synchronized (s) {
      s.connection().send(frame);
    }
    return true;
  }

  @Override
  public <E extends Event> int notice(Channel<E> channel, E event) {
    Objects.requireNonNull(channel, "channel");
    Objects.requireNonNull(event, "event");
    List<Session> all = new ArrayList<>(sessions.values());
    if (all.isEmpty()) {
      checkEncodable(channel, event);
      return 0;
    }
    Frame frame = encodeForPublish(channel, event);
    int n = 0;
    for (Session s : all) {
      synchronized (s) {
        if (s.connection().isOpen()) {
          s.connection().send(frame);
          n++;
        }
      }
    }
    return n;
  }

  // ------------------------------------------------------------- queries

  /** The open connection with this id. */
  public Optional<Connection> connection(String id) {
    return Optional.ofNullable(sessions.get(id)).map(Session::connection);
  }

  /** The open connections. */
  public List<Connection> connections() {
    return sessions.values().stream().map(Session::connection).toList();
  }

  /** A snapshot of {@code connection}. */
  public ConnectionInfo info(Connection connection) {
    ConnectionMeta meta = connection instanceof ConnectionMeta m ? m : null;
    Session s = sessions.get(connection.id());
    Instant at = meta != null ? meta.connectedAt()
        : s != null ? s.connectedAt() : clock.instant();
    return new ConnectionInfo(connection.id(), meta != null ? meta.path() : path,
        connection.principal(), meta != null ? meta.remoteAddress() : null, at,
        subscriptions.channelsOf(connection), connection.bufferedBytes());
  }

  /** The presence entries of {@code channel} on every node, by key. */
  @Override
  public Map<String, List<PresenceEntry>> presence(Channel<?> channel) {
    PresenceHub hub = presence;
    if (hub == null) {
      throw new IllegalArgumentException("Family '" + channel.family().name()
          + "' has no presence (ChannelServer.Builder.presence)");
    }
    return hub.entries(channel);
  }

  /** How many connections joined {@code channel}. */
  public int subscriberCount(String channel) {
    return subscriptions.subscriberCount(channel);
  }

  private void notify(Consumer<ServerListener> call) {
    for (ServerListener l : listeners) {
      try {
        call.accept(l);
      } catch (RuntimeException e) {
        log.warn("Server listener {} failed", l, e);
      }
    }
  }
}
