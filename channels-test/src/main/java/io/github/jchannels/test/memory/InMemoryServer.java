package io.github.jchannels.test.memory;

import io.github.jchannels.core.Channel;
import io.github.jchannels.core.Codec;
import io.github.jchannels.core.CodecLimits;
import io.github.jchannels.core.Event;
import io.github.jchannels.core.time.FakeScheduler;
import io.github.jchannels.server.ChannelServer;
import io.github.jchannels.server.ServerLimits;
import io.github.jchannels.server.ServerListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * A {@link ChannelServer} for unit tests: built from the application's own builder (same
 * authenticator, handlers, authorizers, welcome events and limits) on an
 * {@link InMemoryServerTransport}, with no socket and no port, and on a {@link FakeScheduler}, so
 * every protocol timer (rate windows, pings, handshake and close deadlines) moves only when
 * the test calls {@link #advance}.
 *
 * <pre>{@code
 * try (InMemoryServer server = InMemoryServer.start(App.channels(ChannelServer.builder()))) {
 *   TestPeer alice = server.connect("alice-token");
 *   alice.join(channel);
 *   alice.send(channel, new SessionEvent.SendMessage("hi"));
 *   server.assertBroadcastOn(channel, new SessionEvent.StreamOutput("s1", "hi", 0));
 * }
 * }</pre>
 *
 * <p>Every broadcast the server makes (from a handler or from the test, delivered or not) is
 * recorded, in the manner of Rails' {@code assert_broadcast_on}: {@link #assertBroadcastOn},
 * {@link #assertBroadcastMatching}, {@link #assertBroadcasts}, {@link #assertNoBroadcastOn},
 * {@link #broadcasts(Channel)}. Events sent to one connection
 * ({@code Publisher.send}) or to all ({@code notice}) are not broadcasts: take them from the
 * peers.
 *
 * <p>Handlers and authorizers run on the server's executor as in production, so their effects
 * arrive a moment after the frame that caused them: every {@code take} and
 * {@link #assertBroadcastOn} waits up to {@link #timeout()} (a bound on progress that must
 * happen, never a measure of time; default {@link #DEFAULT_TIMEOUT}). Thread-safe.
 * {@link #close()} closes the server (1001 to every peer) and releases every thread.
 */
public final class InMemoryServer implements AutoCloseable {
  /** How long a take or an assertion waits for what it expects, by default. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

  private final ChannelServer server;
  private final InMemoryServerTransport transport;
  private final FakeScheduler time;
  private final Codec codec;
  private final Duration timeout;
  /** Guarded by itself; notified on every new broadcast. */
  private final List<Broadcast> broadcasts = new ArrayList<>();

  /** One recorded broadcast: the event, its channel and how many peers it reached. */
  public record Broadcast(Channel<?> channel, Event event, int receivers) {}

  private InMemoryServer(ChannelServer.Builder builder, FakeScheduler time, Duration timeout) {
    this.transport = new InMemoryServerTransport();
    this.time = time;
    this.timeout = timeout;
    this.server = builder.transport(transport).scheduler(time).listener(new Recording()).build();
    ServerLimits limits = server.limits();
    CodecLimits.Builder codecLimits = CodecLimits.builder()
        .maxDocumentLength(limits.maxFrameSize());
    if (limits.maxFrameSize() > CodecLimits.defaults().maxStringLength()) {
      codecLimits.maxStringLength(limits.maxFrameSize());
    }
    this.codec = Codec.forClient(server.registry(), codecLimits.build());
    server.start();
  }

  /**
   * Builds the server from {@code builder} and starts it, on an in-memory transport and a new
   * {@link FakeScheduler} at {@link FakeScheduler#DEFAULT_START}. The builder's transport and
   * scheduler are replaced, and a recording listener is added; everything else is used as it
   * is.
   */
  public static InMemoryServer start(ChannelServer.Builder builder) {
    return start(builder, new FakeScheduler());
  }

  /**
   * Like {@link #start(ChannelServer.Builder)}, on {@code time}: share one fake scheduler
   * between the server and the code under test.
   */
  public static InMemoryServer start(ChannelServer.Builder builder, FakeScheduler time) {
    return start(builder, time, DEFAULT_TIMEOUT);
  }

  /** Like {@link #start(ChannelServer.Builder, FakeScheduler)}, waiting up to {@code timeout}. */
  public static InMemoryServer start(ChannelServer.Builder builder, FakeScheduler time,
      Duration timeout) {
    Objects.requireNonNull(builder, "builder");
    Objects.requireNonNull(time, "time");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive: " + timeout);
    }
    return new InMemoryServer(builder, time, timeout);
  }

  /** The server, e.g. to {@code broadcast} from the test or read its metrics. */
  public ChannelServer server() {
    return server;
  }

  /** The transport, for tests of the raw wire. */
  public InMemoryServerTransport transport() {
    return transport;
  }

  /** The server's clock and timers. */
  public FakeScheduler time() {
    return time;
  }

  /** How long takes and assertions wait for what they expect. */
  public Duration timeout() {
    return timeout;
  }

  /**
   * Moves the server's time forward by {@code amount}, running every protocol timer that falls
   * due on the way, on this thread ({@link FakeScheduler#advance}).
   */
  public void advance(Duration amount) {
    time.advance(amount);
  }

  // ------------------------------------------------------------- peers

  /**
   * Connects a peer with this bearer token (the {@code Authorization} header) and takes its
   * {@code connected}; fails the test if the server refuses it.
   */
  public TestPeer connect(String token) {
    Objects.requireNonNull(token, "token");
    return connect(Map.of("Authorization", "Bearer " + token));
  }

  /** Connects a peer with these upgrade headers and takes its {@code connected}. */
  public TestPeer connect(Map<String, String> headers) {
    TestPeer peer = open(server.path(), headers);
    peer.awaitConnected();
    return peer;
  }

  /**
   * Opens a peer on {@code resource} (a path of the server, with an optional query, e.g.
   * {@code /ws?token=abc}) with these headers, without waiting: its first frame is
   * {@code connected}, or the {@code unauthorized} error before close 1008; a refused upgrade
   * (unknown path, origin not allowed) gives a peer already closed with 1006, whose
   * {@code connection().upgrade()} holds the HTTP status.
   */
  public TestPeer open(String resource, Map<String, String> headers) {
    return new TestPeer(transport.open(resource, headers), codec, timeout);
  }

  // ------------------------------------------------------------- broadcasts

  /** Every broadcast so far, oldest first. */
  public List<Broadcast> broadcasts() {
    synchronized (broadcasts) {
      return List.copyOf(broadcasts);
    }
  }

  /** The events broadcast on {@code channel} so far, oldest first. */
  public <E extends Event> List<E> broadcasts(Channel<E> channel) {
    List<E> out = new ArrayList<>();
    for (Broadcast b : broadcasts()) {
      if (b.channel().equals(channel)) {
        out.add(channel.family().eventType().cast(b.event()));
      }
    }
    return out;
  }

  /**
   * Asserts that {@code event} is broadcast on {@code channel}, waiting up to
   * {@link #timeout()} for it (a handler broadcasts on the server's executor). Like Rails'
   * {@code assert_broadcast_on}; the failure lists what was broadcast on the channel.
   */
  public <E extends Event> void assertBroadcastOn(Channel<E> channel, E event) {
    Objects.requireNonNull(event, "event");
    assertBroadcastOn(channel, event::equals, "equal to " + event);
  }

  /**
   * Asserts that an event matching {@code expected} is broadcast on {@code channel}, waiting up
   * to {@link #timeout()}; returns the first one.
   */
  public <E extends Event> E assertBroadcastMatching(Channel<E> channel,
      Predicate<? super E> expected) {
    return assertBroadcastOn(channel, expected, "matching the predicate");
  }

  private <E extends Event> E assertBroadcastOn(Channel<E> channel,
      Predicate<? super E> expected, String what) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (broadcasts) {
      while (true) {
        for (Broadcast b : broadcasts) {
          if (b.channel().equals(channel)) {
            E e = channel.family().eventType().cast(b.event());
            if (expected.test(e)) {
              return e;
            }
          }
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new AssertionError("no broadcast on " + channel.name() + " " + what + " within "
              + timeout + "; broadcast on it: " + eventsOn(channel));
        }
        waitOn(left);
      }
    }
  }

  /**
   * Asserts that exactly {@code count} events are broadcast on {@code channel}: waits up to
   * {@link #timeout()} for that many, then checks there are no more so far.
   */
  public void assertBroadcasts(Channel<?> channel, int count) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (broadcasts) {
      while (eventsOn(channel).size() < count) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          break;
        }
        waitOn(left);
      }
      List<Event> on = eventsOn(channel);
      if (on.size() != count) {
        throw new AssertionError("expected " + count + " broadcasts on " + channel.name()
            + ", got " + on.size() + ": " + on);
      }
    }
  }

  /** Asserts that nothing was broadcast on {@code channel} so far. */
  public void assertNoBroadcastOn(Channel<?> channel) {
    assertBroadcasts(channel, 0);
  }

  /** Forgets the broadcasts recorded so far. */
  public void clearBroadcasts() {
    synchronized (broadcasts) {
      broadcasts.clear();
    }
  }

  /** Guarded by broadcasts. */
  private List<Event> eventsOn(Channel<?> channel) {
    List<Event> out = new ArrayList<>();
    for (Broadcast b : broadcasts) {
      if (b.channel().equals(channel)) {
        out.add(b.event());
      }
    }
    return out;
  }

  /** Waits on broadcasts (held) for at most {@code nanos}. */
  private void waitOn(long nanos) {
    try {
      broadcasts.wait(Math.max(1, nanos / 1_000_000L));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while waiting for a broadcast", e);
    }
  }

  /** Closes the server (1001 to every peer) and releases its threads. Idempotent. */
  @Override
  public void close() {
    server.close();
  }

  /** Records every broadcast, on the broadcasting thread. */
  private final class Recording implements ServerListener {
    @Override
    public void onBroadcast(Channel<?> channel, Event event, int receivers, long nanos) {
      synchronized (broadcasts) {
        broadcasts.add(new Broadcast(channel, event, receivers));
        broadcasts.notifyAll();
      }
    }
  }
}
