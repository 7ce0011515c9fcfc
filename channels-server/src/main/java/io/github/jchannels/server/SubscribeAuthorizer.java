package io.github.jchannels.server;

import io.github.jchannels.core.Channel;
import io.github.jchannels.core.Event;

/**
 * Decides whether a connection may join a channel of a family, registered with
 * {@link ChannelServer.Builder#authorize}. Without one, every well-formed channel of a
 * registered family may be joined.
 *
 * <p>Runs on the server's executor in the connection's order; it may block. {@code false} or
 * an exception answers {@code subscription_error} {@code unauthorized}.
 *
 * @param <E> the family's root event type
 */
@FunctionalInterface
public interface SubscribeAuthorizer<E extends Event> {
  /** Whether {@code connection} may subscribe to {@code channel}. */
  boolean authorize(Channel<E> channel, ConnectionInfo connection) throws Exception;
}
