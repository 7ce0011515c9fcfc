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
import java.security.Principal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shell endpoint's protocol (PROTOCOL.md section 9) behind the transport SPI: one per
 * endpoint. {@code init} on {@code shell:<id>} starts the program in a PTY or attaches to the
 * running one; {@code input}, {@code resize}; {@code output}, {@code exit} and {@code error}
 * back; {@code ping} answered with {@code pong}; protocol errors per section 7.
 *
 * <p>Threading: the transport calls {@link #onOpen}/{@link #onText}/{@link #onClose} serially
 * per connection, concurrently across connections. Starting, attaching and detaching shells
 * hold {@link #lock}; output, input and teardown run on threads of their own. Every thread
 * and process belongs to this object and ends with {@link #close()}.
 */
public final class ShellHub implements ConnectionHandler, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ShellHub.class);
  /** The shell endpoint speaks {@code global} and {@code shell}, nothing else. */
  public static final EventRegistry REGISTRY =
      EventRegistry.builder().add(Channels.GLOBAL).add(Channels.SHELL).build();
  private static final ObjectMapper PEEK = new ObjectMapper();

  private final ShellConfig config;
  private final ShellAuthorizer authorizer;
  private final Codec codec = Codec.forServer(REGISTRY);
  private final LaunchSpec launch;
  private final OutputPump.Settings pumpSettings;
  /** Running shells by id. Mutated under {@link #lock}. */
  private final Map<String, ShellSession> shells = new ConcurrentHashMap<>();
  /** Open connections by id, with the shells each has joined. */
  private final Map<String, ConnState> connections = new ConcurrentHashMap<>();
  private final ReentrantLock lock = new ReentrantLock();
  private final ScheduledExecutorService timer;
  private final ExecutorService teardown;
  private final Set<CompletableFuture<?>> teardowns = ConcurrentHashMap.newKeySet();
  private final LongAccumulator peakBuffered = new LongAccumulator(Math::max, 0);
  private final LongAdder outputChunks = new LongAdder();
  private final LongAdder started = new LongAdder();
  private final AtomicLong pausesOfEnded = new AtomicLong();
  private final ShellSession.Stats stats = new ShellSession.Stats() {
    @Override
    public void sampleBuffered(long bytes) {
      peakBuffered.accumulate(bytes);
    }

    @Override
    public void outputChunk() {
      outputChunks.increment();
    }
  };
  private volatile boolean closed;

  /** The shells one connection has joined. */
  private record ConnState(Connection connection, Map<String, ShellSession> joined) {}

  public ShellHub(ShellConfig config, ShellAuthorizer authorizer) {
    this.config = config;
    this.authorizer = authorizer;
    this.launch = new LaunchSpec(config.command(), config.directory(), config.environment());
    this.pumpSettings = new OutputPump.Settings(config.coalesceDelay(), config.maxChunkChars(),
        config.highWaterBytes(), config.lowWaterBytes());
    AtomicInteger n = new AtomicInteger();
    ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
      Thread th = new Thread(r, "shell-timer-" + n.incrementAndGet());
      th.setDaemon(true);
      return th;
    });
    t.setRemoveOnCancelPolicy(true);
    this.timer = t;
    this.teardown = Executors.newThreadPerTaskExecutor(
        Thread.ofVirtual().name("shell-teardown-", 0).factory());
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
        case Decoded.ReplyMessage r ->
            connection.send(codec.encodeError(ErrorCode.UNKNOWN_TYPE,
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
    for (ShellSession s : state.joined().values()) {
      detach(s, connection);
    }
  }

  // ------------------------------------------------------------------ decoding

  private static boolean isJoined(ConnState state, Channel<?> channel) {
    String id = channel.id().orElse(null);
    return id != null && state.joined().containsKey(id);
  }

  /**
   * {@code init} joins a channel, so it is the one event allowed before joining: decode the
   * frame again as if joined, and keep {@code not_subscribed} for every other type.
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
          detach(s, c);
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
    switch ((ShellEvent.ToServer) m.event()) {
      case ShellEvent.Init init -> init(state, channel, id, init, m.ref());
      case ShellEvent.Input input -> {
        ShellSession s = state.joined().get(id);
        if (s != null && !s.input(input.data())) {
          error(state.connection(), channel, "input_overflow",
              "the program is not reading its input; input dropped", m.ref());
          return;
        }
        replyOk(state.connection(), channel, m.ref());
      }
      case ShellEvent.Resize r -> {
        ShellSession s = state.joined().get(id);
        if (s != null) {
          s.resize(r.cols(), r.rows());
        }
        replyOk(state.connection(), channel, m.ref());
      }
    }
  }

  // ------------------------------------------------------------------ init

  private void init(ConnState state, Channel<ShellEvent> channel, String id, ShellEvent.Init init,
      @Nullable String ref) {
    Connection c = state.connection();
    if (closed) {
      error(c, channel, "unavailable", "the shell endpoint is closing", ref);
      return;
    }
    Principal principal = c.principal();
    if (!allowed(principal, id)) {
      error(c, channel, "unauthorized", "not allowed to use shell '" + id + "'", ref);
      return;
    }
    ShellSession session;
    lock.lock();
    try {
      session = shells.get(id);
      if (session == null || session.isEnded()) {
        String owner = principal == null ? "" : principal.getName();
        String limit = limitProblem(owner);
        if (limit != null) {
          error(c, channel, "limit_exceeded", limit, ref);
          return;
        }
        PtyShell shell;
        try {
          shell = PtyShell.start(launch, init.cols(), init.rows());
        } catch (ShellStartException e) {
          error(c, channel, e.code(), e.getMessage(), ref);
          return;
        }
        session = new ShellSession(id, owner, shell, init.cols(), init.rows(), codec, timer,
            pumpSettings, config.maxPendingInputBytes(), config.terminateGrace(), stats);
        shells.put(id, session);
        started.increment();
        ShellSession s = session;
        session.end().whenComplete((code, e) -> ended(s, code == null ? -1 : code));
        config.idleTimeout().ifPresent(t -> scheduleIdleCheck(s, t));
        log.debug("shell {} started (pid {}) for '{}'", id, shell.pid(), owner);
      }
      state.joined().put(id, session);
      session.attach(c, init.cols(), init.rows(), ref);
    } finally {
      lock.unlock();
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

  /** Called under {@link #lock}. */
  private @Nullable String limitProblem(String owner) {
    int total = 0;
    int mine = 0;
    for (ShellSession s : shells.values()) {
      if (!s.isEnded()) {
        total++;
        if (s.owner().equals(owner)) {
          mine++;
        }
      }
    }
    if (total >= config.maxShells()) {
      return "too many shells are running (" + config.maxShells() + ")";
    }
    if (mine >= config.maxShellsPerPrincipal()) {
      return "too many shells for this user (" + config.maxShellsPerPrincipal() + ")";
    }
    return null;
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

  // ------------------------------------------------------------------ ending shells

  private void detach(ShellSession s, Connection c) {
    lock.lock();
    try {
      if (s.detach(c) && !s.isEnded() && shells.remove(s.id(), s)) {
        log.debug("shell {}: last connection gone, ending it", s.id());
        terminateAsync(s);
      }
    } finally {
      lock.unlock();
    }
  }

  private void terminateAsync(ShellSession s) {
    runTeardown(s::terminate);
  }

  private void runTeardown(Runnable r) {
    CompletableFuture<Void> f;
    try {
      f = CompletableFuture.runAsync(r, teardown);
    } catch (RuntimeException e) {
      r.run();
      return;
    }
    teardowns.add(f);
    f.whenComplete((v, e) -> teardowns.remove(f));
  }

  /** The program ended and its output was sent: tell the attached connections, clean up. */
  private void ended(ShellSession s, int exitCode) {
    if (!s.markEnded()) {
      return;
    }
    List<Connection> attached;
    lock.lock();
    try {
      shells.remove(s.id(), s);
      attached = new ArrayList<>(s.attached());
      for (Connection c : attached) {
        ConnState st = connections.get(c.id());
        if (st != null) {
          st.joined().remove(s.id(), s);
        }
      }
    } finally {
      lock.unlock();
    }
    s.broadcast(new ShellEvent.Exit(exitCode));
    pausesOfEnded.addAndGet(s.pauses());
    log.debug("shell {} ended with {}", s.id(), exitCode);
    runTeardown(s::cleanUpAfterExit);
  }

  private void scheduleIdleCheck(ShellSession s, Duration timeout) {
    long due = s.lastActivityNanos() + timeout.toNanos() - System.nanoTime();
    try {
      timer.schedule(() -> idleCheck(s, timeout), Math.max(due, 0), TimeUnit.NANOSECONDS);
    } catch (RuntimeException e) {
      // timer shut down: the endpoint is closing
    }
  }

  private void idleCheck(ShellSession s, Duration timeout) {
    if (s.isEnded() || closed) {
      return;
    }
    if (System.nanoTime() - s.lastActivityNanos() >= timeout.toNanos()) {
      log.debug("shell {}: idle for {}, ending it", s.id(), timeout);
      s.broadcast(new ShellEvent.ShellError("idle_timeout",
          "the shell was idle for " + timeout.toMillis() + " ms and was ended"));
      terminateAsync(s);
    } else {
      scheduleIdleCheck(s, timeout);
    }
  }

  // ------------------------------------------------------------------ observation

  /** Running shells. */
  public int shellCount() {
    return (int) shells.values().stream().filter(s -> !s.isEnded()).count();
  }

  /** Open connections. */
  public int connectionCount() {
    return connections.size();
  }

  /** Process id of a running shell, for tests and diagnostics. */
  public @Nullable Long pid(String shellId) {
    ShellSession s = shells.get(shellId);
    return s == null ? null : s.pid();
  }

  /** The most bytes seen queued to one connection of a shell. */
  public long peakBufferedBytes() {
    return peakBuffered.get();
  }

  /** How many times reading a PTY was paused for flow control. */
  public long flowControlPauses() {
    long n = pausesOfEnded.get();
    for (ShellSession s : shells.values()) {
      n += s.pauses();
    }
    return n;
  }

  /** Whether reading any shell's PTY is paused now. */
  public boolean anyPaused() {
    return shells.values().stream().anyMatch(ShellSession::isPaused);
  }

  /** Output frames sent (one per chunk, whatever the number of receivers). */
  public long outputChunks() {
    return outputChunks.sum();
  }

  /** Shells started since creation. */
  public long shellsStarted() {
    return started.sum();
  }

  // ------------------------------------------------------------------ close

  /**
   * Ends every shell and its process tree, closes every connection still open with 1001 and
   * stops every thread, waiting up to the terminate grace plus a few seconds. Idempotent.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    List<ShellSession> all;
    lock.lock();
    try {
      all = new ArrayList<>(shells.values());
    } finally {
      lock.unlock();
    }
    for (ShellSession s : all) {
      terminateAsync(s);
    }
    long deadline = System.nanoTime() + config.terminateGrace().toNanos()
        + TimeUnit.SECONDS.toNanos(5);
    for (ShellSession s : all) {
      awaitQuietly(s.end(), deadline);
    }
    for (CompletableFuture<?> f : List.copyOf(teardowns)) {
      awaitQuietly(f, deadline);
    }
    for (ConnState st : List.copyOf(connections.values())) {
      st.connection().close(CloseCodes.GOING_AWAY, "shell endpoint closed");
    }
    connections.clear();
    timer.shutdownNow();
    teardown.shutdown();
    try {
      teardown.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void awaitQuietly(CompletableFuture<?> f, long deadlineNanos) {
    try {
      f.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      // timed out or failed: nothing more to wait for
    }
  }
}
