package io.github.jchannels.shell;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.jchannels.core.memory.InMemoryConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Plays a shell client over an {@link InMemoryConnection}: sends frames, and reads the frames
 * the endpoint sent in order, collecting {@code output} text on the way.
 */
final class ShellPeer {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Duration WAIT = Duration.ofSeconds(15);

  final InMemoryConnection connection;
  final StringBuilder output = new StringBuilder();
  final List<JsonNode> seen = new ArrayList<>();

  ShellPeer(InMemoryConnection connection) {
    this.connection = connection;
  }

  void send(String channel, String type, Object data) {
    send(channel, type, data, null);
  }

  void send(String channel, String type, Object data, String ref) {
    ObjectNode n = JSON.createObjectNode();
    n.put("channel", channel);
    n.put("type", type);
    n.set("data", JSON.valueToTree(data));
    if (ref != null) {
      n.put("ref", ref);
    }
    connection.receive(n.toString());
  }

  void init(String shellId, int cols, int rows) {
    send("shell:" + shellId, "init", Map.of("cols", cols, "rows", rows));
  }

  void input(String shellId, String data) {
    send("shell:" + shellId, "input", Map.of("data", data));
  }

  /** The next frame, parsed; output frames are also appended to {@link #output}. */
  JsonNode next() {
    try {
      JsonNode n = JSON.readTree(connection.takeText(WAIT));
      seen.add(n);
      if ("output".equals(n.path("type").asText())) {
        output.append(n.path("data").path("data").asText());
      }
      return n;
    } catch (JsonProcessingException e) {
      throw new AssertionError(e);
    }
  }

  /** Skips frames until one matches. */
  JsonNode until(Predicate<JsonNode> test) {
    while (true) {
      JsonNode n = next();
      if (test.test(n)) {
        return n;
      }
    }
  }

  /** Skips frames until one of this type (on any channel). */
  JsonNode until(String type) {
    return until(n -> type.equals(n.path("type").asText()));
  }

  /** Reads frames until the collected output contains {@code text}. */
  void awaitOutput(String text) {
    while (!output.toString().contains(text)) {
      next();
    }
  }

  /** Reads the init answer (skipping nothing) and checks it. */
  JsonNode expectInit(String shellId, int cols, int rows) {
    JsonNode n = next();
    assertThat(n.path("type").asText()).as(n.toString()).isEqualTo("init");
    assertThat(n.path("channel").asText()).isEqualTo("shell:" + shellId);
    assertThat(n.path("data").path("shellId").asText()).isEqualTo(shellId);
    assertThat(n.path("data").path("cols").asInt()).isEqualTo(cols);
    assertThat(n.path("data").path("rows").asInt()).isEqualTo(rows);
    return n;
  }
}
