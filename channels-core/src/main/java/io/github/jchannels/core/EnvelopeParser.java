package io.github.jchannels.core;

import static io.github.jchannels.core.CodecFailures.fail;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.jspecify.annotations.Nullable;

/**
 * The envelope step of decoding untrusted text (PROTOCOL.md section 7, steps 2 to 4): a JSON
 * object within the limits, its {@code channel}, {@code type}, {@code data} and {@code ref}
 * fields, the channel's syntax and a registered family. Data is not bound here. Thread-safe.
 */
final class EnvelopeParser {
  private final ObjectMapper mapper;
  private final EventRegistry registry;
  private final int maxDocumentLength;

  EnvelopeParser(ObjectMapper mapper, EventRegistry registry, int maxDocumentLength) {
    this.mapper = mapper;
    this.registry = registry;
    this.maxDocumentLength = maxDocumentLength;
  }

  /** Parses {@code text}; never throws on bad input. */
  EnvelopeResult parse(String text) {
    if (text.length() > maxDocumentLength) {
      // Jackson only checks the document length between input buffers, not for one String.
      return reject(ErrorCode.INVALID_MESSAGE, "frame exceeds a limit: document length "
          + text.length() + " exceeds the maximum allowed (" + maxDocumentLength + ")", null, null);
    }
    JsonNode root;
    try {
      root = mapper.readTree(text);
    } catch (StreamConstraintsException e) {
      return reject(ErrorCode.INVALID_MESSAGE,
          "frame exceeds a limit: " + e.getOriginalMessage(), null, null);
    } catch (JsonProcessingException e) {
      return reject(ErrorCode.INVALID_MESSAGE,
          "frame is not valid JSON: " + e.getOriginalMessage(), null, null);
    }
    if (root == null || !root.isObject()) {
      return reject(ErrorCode.INVALID_MESSAGE, "frame must be a JSON object", null, null);
    }
    JsonNode channelNode = root.get("channel");
    JsonNode typeNode = root.get("type");
    JsonNode data = root.get("data");
    JsonNode refNode = root.get("ref");
    String channelName =
        channelNode != null && channelNode.isTextual() ? channelNode.textValue() : null;
    boolean refOk =
        refNode == null || (refNode.isTextual() && Names.isValidRef(refNode.textValue()));
    String ref = refNode != null && refOk ? refNode.textValue() : null;

    if (channelName == null) {
      return reject(ErrorCode.INVALID_MESSAGE, "'channel' must be a string", null, ref);
    }
    if (typeNode == null || !typeNode.isTextual()) {
      return reject(ErrorCode.INVALID_MESSAGE, "'type' must be a string", channelName, ref);
    }
    String type = typeNode.textValue();
    if (!Names.isValidType(type)) {
      return reject(ErrorCode.INVALID_MESSAGE, "'type' must match " + Names.TYPE_PATTERN,
          channelName, ref);
    }
    if (data == null || data.isNull()) {
      return reject(ErrorCode.INVALID_MESSAGE, "'data' is required ({} when empty)",
          channelName, ref);
    }
    if (!refOk) {
      return reject(ErrorCode.INVALID_MESSAGE, "'ref' must be a string of 1-"
          + Names.MAX_REF_LENGTH + " characters", channelName, null);
    }

    return switch (registry.resolve(channelName)) {
      case EventRegistry.Resolution.InvalidName i -> reject(ErrorCode.INVALID_CHANNEL,
          "invalid channel: " + i.reason(), channelName, ref);
      case EventRegistry.Resolution.UnknownFamily u -> reject(ErrorCode.UNKNOWN_CHANNEL,
          "no family '" + u.resource() + "' is registered", channelName, ref);
      case EventRegistry.Resolution.Known k ->
          new EnvelopeResult.Parsed(k.channel(), channelName, type, data, ref,
              position(root));
    };
  }

  /**
   * The frame's stream position: {@code seq} an integer of 1 or more and {@code epoch} a string
   * of 1-64 characters, both present; otherwise null (a malformed position is ignored, as a
   * version 1 peer ignores both fields).
   */
  private static GlobalEvent.@Nullable Since position(JsonNode root) {
    JsonNode seq = root.get("seq");
    JsonNode epoch = root.get("epoch");
    if (seq == null || epoch == null || !seq.isIntegralNumber() || !seq.canConvertToLong()
        || seq.longValue() < 1 || !epoch.isTextual() || epoch.textValue().isEmpty()
        || epoch.textValue().length() > 64) {
      return null;
    }
    return new GlobalEvent.Since(epoch.textValue(), seq.longValue());
  }

  private static EnvelopeResult reject(ErrorCode code, String message, @Nullable String channel,
      @Nullable String ref) {
    return new EnvelopeResult.Rejected(fail(code, message, channel, ref));
  }
}
