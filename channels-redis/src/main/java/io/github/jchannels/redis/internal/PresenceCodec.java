package io.github.jchannels.redis.internal;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.jchannels.server.broker.PresenceDiff;
import io.github.jchannels.server.broker.PresenceEntry;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Presence entries as stored in Redis, and the presence pub/sub messages: an entry is the JSON
 * object {@code {"key":…,"connId":…,"joinedAt":…,"meta":{…},"node":…}}; a change is
 * {@code p1:{"joins":[entry,…],"leaves":[entry,…]}}, built by the scripts from the stored
 * entries.
 */
public final class PresenceCodec {
  /** The prefix of presence messages on a channel's pub/sub channel. */
  public static final String PREFIX = "p1:";
  private static final ObjectMapper JSON = new ObjectMapper();

  private PresenceCodec() {}

  /** The stored form of {@code e}, owned by {@code node}. */
  public static String encode(PresenceEntry e, String node) {
    StringBuilder s = new StringBuilder(96 + e.meta().length());
    s.append("{\"key\":");
    quote(e.key(), s);
    s.append(",\"connId\":");
    quote(e.connId(), s);
    s.append(",\"joinedAt\":").append(e.joinedAt()).append(",\"meta\":").append(e.meta())
        .append(",\"node\":");
    quote(node, s);
    return s.append('}').toString();
  }

  /** A stored entry, or null if it is not one. */
  public static @Nullable PresenceEntry decode(String text) {
    try {
      return entry(JSON.readTree(text));
    } catch (Exception e) {
      return null;
    }
  }

  /** A presence message's change, or null if {@code message} is not one. */
  public static @Nullable PresenceDiff parseMessage(String message) {
    if (!message.startsWith(PREFIX)) {
      return null;
    }
    try {
      JsonNode root = JSON.readTree(message.substring(PREFIX.length()));
      return new PresenceDiff(entries(root.get("joins")), entries(root.get("leaves")));
    } catch (Exception e) {
      return null;
    }
  }

  private static List<PresenceEntry> entries(@Nullable JsonNode array) throws Exception {
    List<PresenceEntry> out = new ArrayList<>();
    if (array != null) {
      for (JsonNode n : array) {
        PresenceEntry e = entry(n);
        if (e != null) {
          out.add(e);
        }
      }
    }
    return out;
  }

  private static @Nullable PresenceEntry entry(JsonNode n) throws Exception {
    JsonNode key = n.get("key");
    JsonNode connId = n.get("connId");
    JsonNode joinedAt = n.get("joinedAt");
    JsonNode meta = n.get("meta");
    if (key == null || !key.isTextual() || connId == null || !connId.isTextual()
        || joinedAt == null || !joinedAt.canConvertToLong() || meta == null || !meta.isObject()) {
      return null;
    }
    return new PresenceEntry(key.asText(), connId.asText(), joinedAt.asLong(),
        JSON.writeValueAsString(meta));
  }

  private static void quote(String text, StringBuilder s) {
    s.append('"');
    JsonStringEncoder.getInstance().quoteAsString(text, s);
    s.append('"');
  }
}
