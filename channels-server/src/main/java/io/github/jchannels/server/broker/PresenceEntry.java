package io.github.jchannels.server.broker;

import java.util.Objects;

/**
 * One presence entry (PROTOCOL.md section 12): a connection subscribed to a channel of a family
 * with presence, under its key (the principal's name).
 *
 * @param key the entry's key, usually the principal's name; one key holds one entry per
 *     connection
 * @param connId the connection's id, unique across the nodes
 * @param joinedAt when the connection joined, in milliseconds since the epoch
 * @param meta the entry's {@code meta}: the text of a JSON object, exactly as it goes on the
 *     wire
 */
public record PresenceEntry(String key, String connId, long joinedAt, String meta) {
  /** Checks the fields. */
  public PresenceEntry {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(connId, "connId");
    Objects.requireNonNull(meta, "meta");
    if (connId.isEmpty()) {
      throw new IllegalArgumentException("connId must not be empty");
    }
    String m = meta.strip();
    if (!m.startsWith("{") || !m.endsWith("}")) {
      throw new IllegalArgumentException("meta must be the text of a JSON object: " + meta);
    }
  }

  /** This entry with another {@code meta}. */
  public PresenceEntry withMeta(String meta) {
    return new PresenceEntry(key, connId, joinedAt, meta);
  }
}
