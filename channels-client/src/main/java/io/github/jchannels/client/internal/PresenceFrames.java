package io.github.jchannels.client.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.jchannels.client.PresenceEntry;
import io.github.jchannels.core.Frame;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The presence frames of PROTOCOL.md section 12 on the client side: reads
 * {@code presence_state} and {@code presence_diff} (which no family declares, so the codec
 * answers them with {@code unknown_type}, and the dispatcher asks here before calling them
 * invalid), and writes {@code presence_update}. Thread-safe.
 */
final class PresenceFrames {
  static final String STATE = "presence_state";
  static final String DIFF = "presence_diff";
  static final String UPDATE = "presence_update";

  private final ObjectMapper mapper = JsonMapper.builder().build();

  /** What a frame the codec did not know turned out to be. */
  sealed interface Read {
    /** A {@code presence_state}. */
    record State(String channel, Map<String, List<PresenceEntry>> entries) implements Read {}

    /** A {@code presence_diff}. */
    record Diff(String channel, Map<String, List<PresenceEntry>> joins,
        Map<String, List<PresenceEntry>> leaves) implements Read {}

    /** A presence frame whose data does not fit section 12. */
    record Malformed(String channel, String type, String problem) implements Read {}
  }

  /** The wire type of a frame read here. */
  static String typeOf(Read read) {
    return switch (read) {
      case Read.State s -> STATE;
      case Read.Diff d -> DIFF;
      case Read.Malformed m -> m.type();
    };
  }

  /**
   * Reads {@code text}, a frame on {@code channel} (already checked by the codec's envelope
   * step) that the codec found of an unknown type; null when it is not a presence frame.
   */
  @Nullable Read read(String channel, String text) {
    JsonNode root;
    try {
      root = mapper.readTree(text);
    } catch (JsonProcessingException e) {
      return null;
    }
    if (root == null) {
      return null;
    }
    String type = root.path("type").asText("");
    if (!type.equals(STATE) && !type.equals(DIFF)) {
      return null;
    }
    JsonNode data = root.path("data");
    try {
      if (type.equals(STATE)) {
        return new Read.State(channel, entries(data.get("entries"), "entries"));
      }
      return new Read.Diff(channel, entries(data.get("joins"), "joins"),
          entries(data.get("leaves"), "leaves"));
    } catch (IllegalArgumentException e) {
      return new Read.Malformed(channel, type, String.valueOf(e.getMessage()));
    }
  }

  /**
   * Encodes {@code presence_update} with {@code meta} and {@code ref}.
   *
   * @throws IllegalArgumentException when {@code meta} does not serialise to a JSON object
   */
  Frame update(String channel, Object meta, String ref) {
    JsonNode m;
    try {
      m = mapper.valueToTree(meta);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("meta does not serialise to JSON: " + e.getMessage(), e);
    }
    if (m == null || !m.isObject()) {
      throw new IllegalArgumentException("meta must serialise to a JSON object, not "
          + (m == null ? "null" : m.getNodeType()));
    }
    ObjectNode root = mapper.createObjectNode();
    root.put("channel", channel);
    root.put("type", UPDATE);
    root.putObject("data").set("meta", m);
    root.put("ref", ref);
    try {
      return new Frame(mapper.writeValueAsString(root));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("meta cannot be written: " + e.getMessage(), e);
    }
  }

  private static Map<String, List<PresenceEntry>> entries(@Nullable JsonNode node, String name) {
    if (node == null || node.isNull()) {
      return Map.of(); // an empty side of a diff may be left out
    }
    if (!node.isObject()) {
      throw new IllegalArgumentException("'data." + name + "' must be an object");
    }
    Map<String, List<PresenceEntry>> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      if (!e.getValue().isArray()) {
        throw new IllegalArgumentException("'data." + name + "." + e.getKey()
            + "' must be an array of entries");
      }
      List<PresenceEntry> list = new ArrayList<>();
      for (JsonNode entry : e.getValue()) {
        list.add(entry(entry, name + "." + e.getKey()));
      }
      out.put(e.getKey(), List.copyOf(list));
    }
    return Collections.unmodifiableMap(out);
  }

  private static PresenceEntry entry(JsonNode node, String where) {
    JsonNode connId = node.get("connId");
    JsonNode joinedAt = node.get("joinedAt");
    JsonNode meta = node.get("meta");
    if (!node.isObject() || connId == null || !connId.isTextual() || connId.asText().isEmpty()) {
      throw new IllegalArgumentException("an entry of '" + where + "' has no 'connId'");
    }
    if (joinedAt == null || !joinedAt.isIntegralNumber()) {
      throw new IllegalArgumentException("entry " + connId.asText() + " has no 'joinedAt'");
    }
    if (meta != null && !meta.isNull() && !meta.isObject()) {
      throw new IllegalArgumentException("'meta' of entry " + connId.asText()
          + " must be an object");
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> m = meta == null || meta.isNull() ? Map.of()
        : (Map<String, Object>) Objects.requireNonNull(plain(meta));
    return new PresenceEntry(connId.asText(), joinedAt.asLong(), m);
  }

  /** A JSON value as plain, unmodifiable Java values. */
  private static @Nullable Object plain(JsonNode n) {
    if (n.isObject()) {
      Map<String, @Nullable Object> m = new LinkedHashMap<>();
      n.properties().forEach(e -> m.put(e.getKey(), plain(e.getValue())));
      return Collections.unmodifiableMap(m);
    }
    if (n.isArray()) {
      List<@Nullable Object> l = new ArrayList<>();
      n.forEach(v -> l.add(plain(v)));
      return Collections.unmodifiableList(l);
    }
    if (n.isTextual()) {
      return n.textValue();
    }
    if (n.isNumber()) {
      return n.numberValue();
    }
    if (n.isBoolean()) {
      return n.booleanValue();
    }
    return null;
  }
}
