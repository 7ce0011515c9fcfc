package io.github.jchannels.core;

import com.fasterxml.jackson.databind.JsonNode;
import org.jspecify.annotations.Nullable;

/**
 * The outcome of the envelope step of decoding (PROTOCOL.md section 7, steps 2 to 4): either
 * the frame's fields with its resolved channel, or the failure that answers it.
 */
sealed interface EnvelopeResult {

  /**
   * A well-formed envelope on a channel of a registered family; {@code data} is not bound.
   * {@code position} is the frame's {@code epoch} and {@code seq} when it carries both, well
   * formed (PROTOCOL.md section 11), else null.
   */
  record Parsed(Channel<?> channel, String channelName, String type, JsonNode data,
      @Nullable String ref, GlobalEvent.@Nullable Since position) implements EnvelopeResult {}

  /** A frame rejected before its data was looked at. */
  record Rejected(Decoded.Failure failure) implements EnvelopeResult {}
}
