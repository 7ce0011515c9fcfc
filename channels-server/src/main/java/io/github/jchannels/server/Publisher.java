package io.github.jchannels.server;

import io.github.jchannels.core.Channel;
import io.github.jchannels.core.Event;
import io.github.jchannels.server.broker.BrokerException;
import io.github.jchannels.server.broker.PresenceEntry;
import java.util.List;
import java.util.Map;

/**
 * The narrow interface domain code depends on to emit events, instead of depending on the
 * server: services emit, the server delivers. {@link ChannelServer} implements it; tests can
 * substitute a recording fake.
 *
 * <p>Thread-safe; never blocks (frames are queued per connection). An event must be a
 * server-to-client event of the channel's family, else {@link IllegalArgumentException}. An
 * event whose encoded frame is larger than {@link ServerLimits#maxFrameSize()} is refused with
 * an {@link IllegalArgumentException} naming its size and the limit, and reaches nobody (it is
 * encoded, and so checked, when at least one connection would receive it).
 */
public interface Publisher {

  /**
   * Sends {@code event} to every connection subscribed to {@code channel}, and to no other.
   * The event is serialised once, whatever the number of subscribers.
   *
   * @return how many connections it was handed to
   */
  <E extends Event> int broadcast(Channel<E> channel, E event);

  /**
   * Sends {@code event} on {@code channel} to one connection, whether or not it is subscribed.
   *
   * @return false if no open connection has that id
   */
  <E extends Event> boolean send(String connectionId, Channel<E> channel, E event);

  /**
   * Sends {@code event} on {@code channel} to every open connection of the channels endpoint,
   * subscribed or not (a server-wide notice). Serialised once.
   *
   * @return how many connections it was handed to
   */
  <E extends Event> int notice(Channel<E> channel, E event);

  /**
   * Who is on {@code channel} now, on every node (PROTOCOL.md section 12): its presence entries
   * by key (the principal's name), one entry per connection, in join order. Blocks until the
   * broker answers. The default (a {@code Publisher} without presence, such as a test fake)
   * returns an empty map.
   *
   * @throws IllegalArgumentException if the channel's family has no presence
   * @throws BrokerException if the broker failed or did not answer in time
   */
  default Map<String, List<PresenceEntry>> presence(Channel<?> channel) {
    return Map.of();
  }
}
