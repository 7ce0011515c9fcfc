package io.github.jchannels.jakarta.internal;

import io.github.jchannels.core.transport.CloseCodes;
import jakarta.websocket.MessageHandler;
import org.jspecify.annotations.Nullable;

/**
 * Joins the parts of one text message, up to {@code maxBytes} UTF-8 bytes (at the limit:
 * accepted). A message over the limit closes the connection with 1009 and its remaining parts
 * are dropped. The container calls it for one session at a time.
 */
final class TextAssembler implements MessageHandler.Partial<String> {
  private final JakartaConnection connection;
  private final int maxBytes;
  /** The parts so far; null between messages. */
  private @Nullable StringBuilder message;
  private long bytes;
  private boolean refused;

  TextAssembler(JakartaConnection connection, int maxBytes) {
    this.connection = connection;
    this.maxBytes = maxBytes;
  }

  @Override
  public void onMessage(String part, boolean last) {
    if (refused) {
      return; // closing with 1009: nothing more is read
    }
    bytes += utf8Length(part);
    if (bytes > maxBytes) {
      refused = true;
      message = null;
      connection.close(CloseCodes.TOO_BIG, "message over " + maxBytes + " bytes");
      return;
    }
    if (last && message == null) {
      bytes = 0;
      connection.text(part); // the common case: one part, no copy
      return;
    }
    if (message == null) {
      message = new StringBuilder(part.length() * 2);
    }
    message.append(part);
    if (last) {
      String whole = message.toString();
      message = null;
      bytes = 0;
      connection.text(whole);
    }
  }

  static long utf8Length(String s) {
    long n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        n++;
      } else if (c < 0x800) {
        n += 2;
      } else if (Character.isHighSurrogate(c) && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        n += 4;
        i++;
      } else {
        n += 3;
      }
    }
    return n;
  }
}
