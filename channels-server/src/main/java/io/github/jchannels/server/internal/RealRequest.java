package io.github.jchannels.server.internal;

import io.github.jchannels.core.Channel;
import io.github.jchannels.core.Event;
import io.github.jchannels.core.Reply;
import io.github.jchannels.core.transport.Connection;
import io.github.jchannels.server.Publisher;
import io.github.jchannels.server.Request;
import java.security.Principal;
import java.util.Objects;
import java.util.concurrent.ConcurrentMap;
import org.jspecify.annotations.Nullable;

/** A {@link Request} as the engine hands it to a handler. */
final class RealRequest<E extends Event, C extends E> implements Request<E, C> {
  private final Engine engine;
  private final Connection connection;
  private final Channel<E> channel;
  private final C event;
  private final @Nullable String ref;
  /** Guarded by this. */
  private boolean replied;
  /** Guarded by this; set once the handler returned or threw. */
  private boolean finished;

  RealRequest(Engine engine, Connection connection, Channel<E> channel, C event,
      @Nullable String ref) {
    this.engine = engine;
    this.connection = connection;
    this.channel = channel;
    this.event = event;
    this.ref = ref;
  }

  @Override
  public Channel<E> channel() {
    return channel;
  }

  @Override
  public C event() {
    return event;
  }

  @Override
  public @Nullable String ref() {
    return ref;
  }

  @Override
  public String connectionId() {
    return connection.id();
  }

  @Override
  public @Nullable Principal principal() {
    return connection.principal();
  }

  @Override
  public ConcurrentMap<String, Object> attributes() {
    return connection.attributes();
  }

  @Override
  public void reply(Reply reply) {
    Objects.requireNonNull(reply, "reply");
    synchronized (this) {
      if (finished) {
        throw new IllegalStateException("The request was already answered: reply before the "
            + "handler returns");
      }
      if (replied) {
        throw new IllegalStateException("reply() was already called for this request");
      }
      replied = true;
    }
    if (ref != null) {
      engine.reply(connection, channel, ref, reply);
    }
  }

  @Override
  public synchronized boolean replied() {
    return replied;
  }

  /** Marks the handler finished; true if it had not replied (the server must answer). */
  synchronized boolean finish() {
    finished = true;
    return !replied;
  }

  @Override
  public Publisher publisher() {
    return engine.publisher();
  }

  @Override
  public String toString() {
    return "Request[" + channel + " " + event + (ref == null ? "" : " ref=" + ref) + "]";
  }
}
