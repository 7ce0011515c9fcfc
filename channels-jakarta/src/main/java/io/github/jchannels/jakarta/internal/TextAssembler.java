package io.github.jchannels.jakarta.internal;

import io.github.jchannels.core.time.Cancellable;
import io.github.jchannels.core.transport.CloseCodes;
import jakarta.websocket.MessageHandler;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Joins the parts of one text message, up to {@code maxBytes} UTF-8 bytes (at the limit:
 * accepted). A message over the limit closes the connection with 1009 and its remaining parts
 * are dropped. A message in several parts must be complete within
 * {@code ServerLimits.messageTimeout} of its first part, or the connection is closed with 1008
 * (PROTOCOL.md section 7), on the server's scheduler. The container calls it for one session at
 * a time.
 */
final class TextAssembler implements MessageHandler.Partial<String> {
  private final JakartaConnection connection;
  private final int maxBytes;
  /** The parts so far; null between messages. */
  private @Nullable StringBuilder message;
  private long bytes;
  private boolean refused;
  /** Numbers the messages in parts; the deadline of message n closes only while n is open. */
  private long started;
  private volatile long open;
  private @Nullable Cancellable deadline;

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
      finished();
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
      long n = ++started;
      open = n;
      Duration timeout = connection.messageTimeout();
      deadline = connection.scheduler().schedule(timeout, () -> expired(n, timeout));
    }
    message.append(part);
    if (last) {
      finished();
      String whole = message.toString();
      message = null;
      bytes = 0;
      connection.text(whole);
    }
  }

  private void finished() {
    open = 0;
    Cancellable d = deadline;
    deadline = null;
    if (d != null) {
      d.cancel();
    }
  }

  /** On the scheduler: closes unless message {@code n} was finished meanwhile. */
  private void expired(long n, Duration timeout) {
    if (open == n) {
      connection.close(CloseCodes.POLICY_VIOLATION,
          "message not finished within " + timeout.toMillis() + " ms");
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
