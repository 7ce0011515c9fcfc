package io.github.jchannels.server;

import io.github.jchannels.core.Channel;
import io.github.jchannels.core.Event;
import io.github.jchannels.core.Reply;
import java.security.Principal;
import java.util.concurrent.ConcurrentMap;
import org.jspecify.annotations.Nullable;

/**
 * One client event handed to an {@link EventHandler}: the event, where it came from, and the
 * means to answer. Valid while the handler runs.
 *
 * @param <E> the family's root event type
 * @param <C> the event's type
 */
public interface Request<E extends Event, C extends E> {

  /** The channel the event arrived on (the connection has joined it). */
  Channel<E> channel();

  /** The decoded, validated event. */
  C event();

  /** The request's {@code ref}, or null when the client expects no reply. */
  @Nullable String ref();

  /** The id of the connection that sent it. */
  String connectionId();

  /** The principal its connection authenticated as, or null for an anonymous connection. */
  @Nullable Principal principal();

  /** Attributes kept with the connection (shared by every request of that connection). */
  ConcurrentMap<String, Object> attributes();

  /**
   * Replies to the requester only, on {@link #channel()}, echoing {@link #ref()}. At most once:
   * a second call throws {@link IllegalStateException}. Ignored when the request has no ref.
   * Must be called before the handler returns; later the server has already answered.
   */
  void reply(Reply reply);

  /** Whether {@link #reply} was called. */
  boolean replied();

  /** The server's publisher, to send further events. */
  Publisher publisher();
}
