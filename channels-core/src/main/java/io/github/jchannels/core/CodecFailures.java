package io.github.jchannels.core;

import org.jspecify.annotations.Nullable;

/** Builds the {@link Decoded.Failure}s of the codec, with details clipped to a bounded size. */
final class CodecFailures {
  private static final int MAX_DETAIL = 200;

  private CodecFailures() {}

  /** A failure whose message and echoed channel name are clipped. */
  static Decoded.Failure fail(ErrorCode code, String message, @Nullable String channel,
      @Nullable String ref) {
    String ch = channel == null || channel.length() <= Names.MAX_CHANNEL_LENGTH ? channel
        : channel.substring(0, Names.MAX_CHANNEL_LENGTH) + "…";
    return new Decoded.Failure(code, clip(message), ch, ref);
  }

  /** {@code s}, cut to the detail limit. */
  static String clip(String s) {
    return s.length() <= MAX_DETAIL ? s : s.substring(0, MAX_DETAIL) + "…";
  }
}
