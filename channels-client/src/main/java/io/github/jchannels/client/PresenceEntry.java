package io.github.jchannels.client;

import java.util.Map;
import java.util.Objects;

/**
 * One connection's entry under a presence key (PROTOCOL.md section 12): the server's id of the
 * connection, when it joined the channel (server epoch milliseconds) and its {@code meta}, a
 * small JSON object as plain Java values ({@code Map}, {@code List}, {@code String},
 * {@code Number}, {@code Boolean}, null), deeply unmodifiable. Convert it to a type of your own
 * with {@link ChannelClient#convert(Object, Class)}.
 *
 * @param connId the connection's id, unique on the channel; one entry per connection
 * @param joinedAt when the connection joined the channel, epoch milliseconds (server clock)
 * @param meta the entry's metadata (set by the server's presence hook, changed by its own
 *     connection with {@link ChannelPresence#updateMeta})
 */
public record PresenceEntry(String connId, long joinedAt, Map<String, Object> meta) {
  /** Checks the fields; {@code meta} is kept as given (the client passes frozen maps). */
  public PresenceEntry {
    Objects.requireNonNull(connId, "connId");
    Objects.requireNonNull(meta, "meta");
  }
}
