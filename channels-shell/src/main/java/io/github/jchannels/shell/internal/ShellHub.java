package io.github.jchannels.shell.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.jchannels.core.Channel;
import io.github.jchannels.core.Channels;
import io.github.jchannels.core.Codec;
import io.github.jchannels.core.Decoded;
import io.github.jchannels.core.ErrorCode;
import io.github.jchannels.core.EventRegistry;
import io.github.jchannels.core.GlobalEvent;
import io.github.jchannels.core.Reply;
import io.github.jchannels.core.ShellEvent;
import io.github.jchannels.core.transport.CloseCodes;
import io.github.jchannels.core.transport.Connection;
import io.github.jchannels.core.transport.ConnectionHandler;
import io.github.jchannels.shell.ShellAuthorizer;
import io.github.jchannels.shell.ShellConfig;
import io.github.jchannels.shell.ShellLauncher;
import io.github.jchannels.shell.ShellSharing;
import java.nio.file.Path;
import java.security.Principal;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shell endpoint's protocol (PROTOCOL.md section 9) behind the transport SPI, one per
 * endpoint: {@code init} on {@code shell:<id>} starts the program in a PTY or attaches to the
 * running one; {@code input} and {@code resize} go to it; {@code output}, {@code exit} and
 * {@code error} come back; {@code ping} is answered with {@code pong}; protocol errors follow
 * section 7. The shells themselves live in a {@link ShellRegistry}.
 *
 * <p>Threading: the transport calls {@link #onOpen}/{@link #onText}/{@link #onClose} serially
 * per connection, concurrently across connections.
 */
public final class ShellHub implements ConnectionHandler, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ShellHub.class);
  /** The shell endpoint speaks {@code global} and {@code shell}, nothing else. */
  public static final EventRegistry REGISTRY =
      EventRegistry.builder().add(Channels.GLOBAL).add(Channels.SHELL).build();
  private static final ObjectMapper PEEK = new ObjectMapper();

  private final ShellAuthorizer authorizer;
  private final Codec codec = Codec.forServer(REGISTRY);
  private final ShellRegistry shells;
  /** Open connections by id, with the shells each has joined. */
  private final Map<String, ConnState> connections = new ConcurrentHashMap<>();
  private volatile boolean closed;

  /** The shells one connection has joined, by shell id. */
  private record ConnState(Connection connection, Map<String, ShellSession> joined) {}

  public ShellHub(ShellConfig config, ShellAuthorizer authorizer, ShellLauncher launcher,
      ShellSharing sharing) {
    this.authorizer = authorizer;
    this.shells = new ShellRegistry(config, launcher, sharing, codec, this::shellEnded);
  }

  // ------------------------------------------------------------------ transport callbacks

  @Override
  public void onOpen(Connection connection) {
    if (closed) {
      connection.close(CloseCodes.GOING_AWAY, "shell endpoint closed");
      return;
    }
    connections.put(connection.id(), new ConnState(connection, new ConcurrentHashMap<>()));
  }

  @Override
  public void onText(Connection connection, String text) {
    ConnState state = connections.get(connection.id());
    if (state == null) {
      return;
    }
    try {
      Decoded d = codec.decode(text, ch -> isJoined(state, ch));
      if (d instanceof Decoded.Failure f && f.code() == ErrorCode.NOT_SUBSCRIBED) {
        d = initOrNotSubscribed(text, f);
      }
      switch (d) {
        case Decoded.Failure f -> connection.send(codec.encodeError(f));
        case Decoded.Control c -> control(state, c.event(), c.ref());
        case Decoded.Message m -> message(state, m);
        case Decoded.ReplyMessage r -> connection.send(codec.encodeError(ErrorCode.UNKNOWN_TYPE,
            "'reply' is not accepted from clients", r.channel().name(), r.ref()));
      }
    } catch (RuntimeException e) {
      log.warn("shell endpoint: handling a frame of {} failed", connection.id(), e);
      connection.send(codec.encodeError(ErrorCode.INTERNAL_ERROR, "internal error", null, null));
    }
  }

  @Override
  public void onClose(Connection connection, int code, String reason) {
    ConnState state = connections.remove(connection.id());
    if (state == null) {
      return;
    }
    // a normal closure (1000) is the client's choice; anything else may be followed by a reattach
    boolean intentional = code == CloseCodes.NORMAL;
    for (ShellSession s : state.joined().values()) {
      shells.detach(s, connection, intentional);
    }
  }

  // ------------------------------------------------------------------ decoding

  private static boolean isJoined(ConnState state, Channel<?> channel) {
    String id = channel.id().orElse(null);
    return id != null && state.joined().containsKey(id);
  }

  /**
   * {@code init} joins a channel, so it is the one event accepted before joining: decode the
   * frame again as if joined, and keep {@code not_subscribed} for every other type (also when
   * their data is bad: check 6 comes before check 7).
   */
  private Decoded initOrNotSubscribed(String text, Decoded.Failure notSubscribed) {
    Decoded again = codec.decode(text, ch -> true);
    return switch (again) {
      case Decoded.Message m when m.event() instanceof ShellEvent.Init -> m;
      case Decoded.Failure f when f.code() == ErrorCode.INVALID_DATA && isInit(text) -> f;
      default -> notSubscribed;
    };
  }

  private static boolean isInit(String text) {
    try {
      JsonNode type = PEEK.readTree(text).get("type");
      return type != null && "init".equals(type.asText());
    } catch (Exception e) {
      return false;
    }
  }

  private void control(ConnState state, GlobalEvent event, @Nullable String ref) {
    Connection c = state.connection();
    switch (event) {
      case GlobalEvent.Ping p ->
          c.send(codec.encode(Channels.global(), new GlobalEvent.Pong(p.timestamp()), ref));
      case GlobalEvent.Subscribe s ->
          c.send(codec.encode(Channels.global(), new GlobalEvent.SubscriptionError(s.channel(),
              ErrorCode.INVALID_CHANNEL.wire(),
              "shell channels are joined with 'init' on the channel itself"), ref));
      case GlobalEvent.Unsubscribe u -> {
        String id = shellId(u.channel());
        ShellSession s = id == null ? null : state.joined().remove(id);
        if (s != null) {
          shells.detach(s, c, true);
        }
        c.send(codec.encode(Channels.global(), new GlobalEvent.Unsubscribed(u.channel()), ref));
      }
      default -> c.send(codec.encodeError(ErrorCode.UNKNOWN_TYPE,
          "not accepted from clients", Channels.GLOBAL.name(), ref));
    }
  }

  private static @Nullable String shellId(String channelName) {
    return REGISTRY.resolve(channelName) instanceof EventRegistry.Resolution.Known k
        && k.channel().family() == Channels.SHELL ? k.channel().id().orElse(null) : null;
  }

  private void message(ConnState state, Decoded.Message m) {
    @SuppressWarnings("unchecked")
    Channel<ShellEvent> channel = (Channel<ShellEvent>) m.channel();
    String id = channel.id().orElseThrow();
    Connection c = state.connection();
    switch ((ShellEvent.ToServer) m.event()) {
      case ShellEvent.Init init -> init(state, channel, id, init, m.ref());
      case ShellEvent.Input input -> {
        ShellSession s = state.joined().get(id);
        if (s != null && !s.input(input.data())) {
          error(c, channel, "input_overflow",
              "the program is not reading its input; input dropped", m.ref());
          return;
        }
        replyOk(c, channel, m.ref());
      }
      case ShellEvent.Resize r -> {
        ShellSession s = state.joined().get(id);
        if (s != null) {
          s.resize(c, r.cols(), r.rows());
        }
        replyOk(c, channel, m.ref());
      }
    }
  }

  private void init(ConnState state, Channel<ShellEvent> channel, String id, ShellEvent.Init init,
      @Nullable String ref) {
    Connection c = state.connection();
    Principal principal = c.principal();
    if (!allowed(principal, id)) {
      error(c, channel, "unauthorized", "not allowed to use shell '" + id + "'", ref);
      return;
    }
    try {
      ShellSession s = shells.attachOrStart(id, principal, c, init.cols(), init.rows(), ref);
      state.joined().put(id, s);
      if (s.isEnded()) {
        // it ended already (and left its channel for its connections before we joined it)
        state.joined().remove(id, s);
      }
    } catch (ShellStartException e) {
      error(c, channel, e.code(), e.getMessage(), ref);
      return;
    }
    replyOk(c, channel, ref);
  }

  private boolean allowed(@Nullable Principal principal, String id) {
    try {
      return authorizer.allow(principal, id);
    } catch (Exception e) {
      log.warn("shell authorizer failed for shell '{}'", id, e);
      return false;
    }
  }

  private void error(Connection c, Channel<ShellEvent> channel, String code, String message,
      @Nullable String ref) {
    // the reply first: a client that joined with this ref learns that the join failed
    if (ref != null) {
      c.send(codec.encodeReply(channel, ref, Reply.error(code, message)));
    }
    c.send(codec.encode(channel, new ShellEvent.ShellError(code, message)));
  }

  private void replyOk(Connection c, Channel<ShellEvent> channel, @Nullable String ref) {
    if (ref != null) {
      c.send(codec.encodeReply(channel, ref, Reply.ok(null)));
    }
  }

  /** A shell ended: its connections leave its channel (before they get {@code exit}). */
  private void shellEnded(ShellSession s, List<Connection> attached) {
    for (Connection c : attached) {
      ConnState st = connections.get(c.id());
      if (st != null) {
        st.joined().remove(s.id(), s);
      }
    }
  }

  // ------------------------------------------------------------------ observation

  /** Running shells. */
  public int shellCount() {
    return shells.shellCount();
  }

  /** Open connections. */
  public int connectionCount() {
    return connections.size();
  }

  /** Process id of a running shell, for diagnostics. */
  public @Nullable Long pid(String shellId) {
    return shells.pid(shellId);
  }

  /** The most bytes seen queued to one connection of a shell. */
  public long peakBufferedBytes() {
    return shells.peakBufferedBytes();
  }

  /** How many times reading a PTY was paused for flow control. */
  public long flowControlPauses() {
    return shells.flowControlPauses();
  }

  /** Output frames encoded (one per chunk, whatever the number of receivers). */
  public long outputChunks() {
    return shells.outputChunks();
  }

  /** The cgroup directory of the endpoint's shells, if they get cgroups (diagnostics). */
  public @Nullable Path cgroupDirectory() {
    return shells.cgroups().map(CgroupRoot::dir).orElse(null);
  }

  /** The containment of the running shell {@code shellId}, if any (tests, diagnostics). */
  public @Nullable ShellJail jail(String shellId) {
    ShellSession s = shells.session(shellId);
    return s == null ? null : s.shell().jail();
  }

  /** The size in effect of the running shell {@code shellId}, {cols, rows}, if any. */
  public int @Nullable [] size(String shellId) {
    ShellSession s = shells.session(shellId);
    return s == null ? null : s.size();
  }

  /** Shells started since creation. */
  public long shellsStarted() {
    return shells.shellsStarted();
  }

  /**
   * Ends every shell and its process tree, then closes every connection still open with 1001
   * and stops every thread. Idempotent.
   */
  @Override
  public void close() {
    closed = true;
    shells.close();
    for (ConnState st : List.copyOf(connections.values())) {
      st.connection().close(CloseCodes.GOING_AWAY, "shell endpoint closed");
    }
    connections.clear();
  }
}
