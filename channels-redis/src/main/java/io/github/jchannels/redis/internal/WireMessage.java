package io.github.jchannels.redis.internal;

import org.jspecify.annotations.Nullable;

/**
 * The pub/sub message format: {@code v1:<seq>:<epoch>:<payload>}, where the payload is the
 * publishing node's encoded event, unchanged. A channel without history sends seq 0 and an empty
 * epoch. Epochs never contain {@code ':'}.
 */
public record WireMessage(long seq, String epoch, String payload) {
  private static final String PREFIX = "v1:";

  /** The message text. */
  public static String encode(long seq, String epoch, String payload) {
    return PREFIX + seq + ':' + epoch + ':' + payload;
  }

  /** The parsed message, or null if {@code text} is not one of ours. */
  public static @Nullable WireMessage parse(String text) {
    if (!text.startsWith(PREFIX)) {
      return null;
    }
    int a = text.indexOf(':', PREFIX.length());
    if (a < 0) {
      return null;
    }
    int b = text.indexOf(':', a + 1);
    if (b < 0) {
      return null;
    }
    long seq;
    try {
      seq = Long.parseLong(text, PREFIX.length(), a, 10);
    } catch (NumberFormatException e) {
      return null;
    }
    if (seq < 0) {
      return null;
    }
    return new WireMessage(seq, text.substring(a + 1, b), text.substring(b + 1));
  }
}
