package io.github.jchannels.test.memory;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.jchannels.core.Channel;
import io.github.jchannels.core.Channels;
import io.github.jchannels.core.Codec;
import io.github.jchannels.core.Decoded;
import io.github.jchannels.core.Event;
import io.github.jchannels.core.GlobalEvent;
import io.github.jchannels.core.Reply;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * One connection to an {@link InMemoryServer}, playing a client of the wire protocol through
 * the core codec: it sends encoded frames and takes the server's frames decoded, one at a time,
 * in the manner of OkHttp's {@code WebSocketRecorder}. Every {@code take} waits up to a timeout
 * (the server's {@link InMemoryServer#timeout()} unless given) and fails the test with what it
 * knows when nothing comes: handlers run on the server's executor, so their answers arrive a
 * moment after the call that caused them. {@link #assertExhausted()} proves nothing else came.
 *
 * <p>Thread-safe; usually driven by the test's thread only.
 */
public final class TestPeer implements AutoCloseable {
  private final InMemoryServerTransport.Connection connection;
  private final Codec codec;
  private final Duration timeout;
  private final AtomicLong refs = new AtomicLong();

  TestPeer(InMemoryServerTransport.Connection connection, Codec codec, Duration timeout) {
    this.connection = connection;
    this.codec = codec;
    this.timeout = timeout;
  }

  /** Takes {@code connected} (the first frame of an admitted connection) and returns it. */
  GlobalEvent.Connected awaitConnected() {
    GlobalEvent first = takeControl();
    assertThat(first).as("first frame of the connection").isInstanceOf(
        GlobalEvent.Connected.class);
    return (GlobalEvent.Connected) first;
  }

  // ------------------------------------------------------------- sending

  /** Sends {@code event} on {@code channel}, without a ref (no reply is sent for it). */
  public <E extends Event> void send(Channel<E> channel, E event) {
    connection.sendText(codec.encode(channel, event).text());
  }

  /**
   * Sends {@code event} on {@code channel} as a request; returns its ref, which the reply
   * ({@link #takeReply()}) or an error echoes.
   */
  public <E extends Event> String request(Channel<E> channel, E event) {
    String ref = nextRef();
    connection.sendText(codec.encode(channel, event, ref).text());
    return ref;
  }

  /** Sends {@code subscribe} for {@code channel}; returns its ref. The answer is to take. */
  public String subscribe(Channel<?> channel) {
    String ref = nextRef();
    connection.sendText(codec.encode(Channels.global(),
        new GlobalEvent.Subscribe(channel.name(), null), ref).text());
    return ref;
  }

  /**
   * Subscribes to {@code channel} and takes its {@code subscription_success}; fails the test
   * with the frame that came instead (a {@code subscription_error}, say). A welcome event the
   * family sends on joining (the session family's {@code subscribe_success}) follows: take it
   * too.
   */
  public GlobalEvent.SubscriptionSuccess join(Channel<?> channel) {
    subscribe(channel);
    GlobalEvent answer = takeControl();
    assertThat(answer).as("answer to subscribe %s", channel.name()).isInstanceOfSatisfying(
        GlobalEvent.SubscriptionSuccess.class,
        s -> assertThat(s.channel()).isEqualTo(channel.name()));
    return (GlobalEvent.SubscriptionSuccess) answer;
  }

  /** Sends {@code unsubscribe} for {@code channel}; returns its ref. */
  public String unsubscribe(Channel<?> channel) {
    String ref = nextRef();
    connection.sendText(codec.encode(Channels.global(),
        new GlobalEvent.Unsubscribe(channel.name()), ref).text());
    return ref;
  }

  /** Sends a protocol {@code ping}; returns its ref, which the {@code pong} echoes. */
  public String ping() {
    String ref = nextRef();
    connection.sendText(codec.encode(Channels.global(), new GlobalEvent.Ping(0L), ref).text());
    return ref;
  }

  /** Sends raw text as one message, e.g. a malformed frame. */
  public void sendText(String text) {
    connection.sendText(text);
  }

  // ------------------------------------------------------------- taking

  /** The next frame from the server, decoded; fails the test if none comes in time. */
  public Decoded take() {
    return take(timeout);
  }

  /** The next frame from the server, decoded, within {@code timeout}. */
  public Decoded take(Duration timeout) {
    String text = poll(timeout);
    if (text == null) {
      throw new AssertionError("no frame within " + timeout + (connection.isClosed()
          ? " (closed " + connection.closeCode() + " " + connection.closeReason() + ")" : ""));
    }
    return codec.decode(text);
  }

  /** The next frame, which must be an event on a channel (not global); returns the event. */
  public Event takeEvent() {
    Decoded d = take();
    assertThat(d).as("next frame").isInstanceOf(Decoded.Message.class);
    return ((Decoded.Message) d).event();
  }

  /**
   * The next frame, which must be an event on {@code channel}; returns the event, typed by the
   * channel's family.
   */
  public <E extends Event> E takeEvent(Channel<E> channel) {
    Decoded d = take();
    assertThat(d).as("next frame").isInstanceOfSatisfying(Decoded.Message.class,
        m -> assertThat(m.channel()).as("channel of %s", m.event()).isEqualTo(channel));
    Event e = ((Decoded.Message) d).event();
    return channel.family().eventType().cast(e);
  }

  /** The next frame, which must be a reply (to a {@link #request}); returns it. */
  public Decoded.ReplyMessage takeReply() {
    Decoded d = take();
    assertThat(d).as("next frame").isInstanceOf(Decoded.ReplyMessage.class);
    return (Decoded.ReplyMessage) d;
  }

  /** The next frame, which must be the reply to {@code ref}; returns the reply. */
  public Reply takeReply(String ref) {
    Decoded.ReplyMessage r = takeReply();
    assertThat(r.ref()).as("ref of the reply").isEqualTo(ref);
    return r.reply();
  }

  /**
   * The next frame, which must be a {@code global} event (connected, subscription_success or
   * _error, unsubscribed, pong, error); returns it.
   */
  public GlobalEvent takeControl() {
    Decoded d = take();
    if (d instanceof Decoded.Control c) {
      return c.event();
    }
    if (d instanceof Decoded.Message m && m.event() instanceof GlobalEvent g) {
      return g;
    }
    throw new AssertionError("expected a global event, got " + d);
  }

  /** The next frame, which must be a protocol error; returns it. */
  public GlobalEvent.ProtocolError takeError() {
    GlobalEvent g = takeControl();
    assertThat(g).as("next global event").isInstanceOf(GlobalEvent.ProtocolError.class);
    return (GlobalEvent.ProtocolError) g;
  }

  /** The next raw frame text, or null if none comes within {@code timeout}. */
  public @Nullable String poll(Duration timeout) {
    try {
      return connection.frames().poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while waiting for a frame", e);
    }
  }

  /**
   * Fails the test if a frame arrived and was not taken. It checks what has arrived so far:
   * take the last frame you expect first (a peer's messages are handled in order, so once the
   * answer to its last message came, the answers to the earlier ones did too).
   */
  public void assertExhausted() {
    List<String> left = new ArrayList<>(connection.frames());
    if (!left.isEmpty()) {
      List<Decoded> decoded = new ArrayList<>();
      for (String t : left) {
        decoded.add(codec.decode(t));
      }
      throw new AssertionError("frames not taken: " + decoded);
    }
  }

  // ------------------------------------------------------------- connection

  /** The close code, or -1 while open. */
  public int closeCode() {
    return connection.closeCode();
  }

  /** The close reason, empty while open. */
  public String closeReason() {
    return connection.closeReason();
  }

  /** Waits until the connection is closed and returns the close code; fails if it stays open. */
  public int awaitClosed() {
    int code = connection.awaitClosed(timeout);
    if (code < 0) {
      throw new AssertionError("connection still open after " + timeout);
    }
    return code;
  }

  /** How many WebSocket pings the server sent to this peer. */
  public int pingsReceived() {
    return connection.pingsReceived();
  }

  /**
   * Whether to answer the server's WebSocket pings (default true); false plays a peer that
   * went away without closing, which the server drops after 1.5 ping intervals of silence.
   */
  public void answerPings(boolean answer) {
    connection.answerPings(answer);
  }

  /** The transport connection under this peer, for tests of the raw wire. */
  public InMemoryServerTransport.Connection connection() {
    return connection;
  }

  /** The peer closes the connection with 1000. Idempotent. */
  @Override
  public void close() {
    connection.closeFromPeer(1000, "");
  }

  private String nextRef() {
    return Objects.toString(refs.incrementAndGet());
  }
}
