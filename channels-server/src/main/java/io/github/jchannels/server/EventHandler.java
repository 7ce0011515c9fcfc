package io.github.jchannels.server;

import io.github.jchannels.core.Event;

/**
 * Handles one kind of client event of a family, registered with
 * {@link ChannelServer.Builder#handle}.
 *
 * <p>Runs on the server's executor (a virtual thread), never on a socket thread: it may block.
 * The events of one connection are handled one at a time, in the order they arrived; a slow
 * handler delays only its own connection. A request with a {@code ref} gets exactly one reply:
 * the one the handler gave with {@link Request#reply}, else {@code reply ok} (null response)
 * once the handler returns, or a {@code global} {@code error} {@code internal_error} with the
 * ref echoed if it throws. Exceptions are logged, never sent to the client.
 *
 * @param <E> the family's root event type
 * @param <C> the client event type handled
 */
@FunctionalInterface
public interface EventHandler<E extends Event, C extends E> {
  /** Handles {@code request}; may throw, which answers {@code internal_error}. */
  void handle(Request<E, C> request) throws Exception;
}
