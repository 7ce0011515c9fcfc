package io.github.jchannels.shell.internal;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Decodes a stream of UTF-8 bytes that arrives in arbitrary pieces: a character whose bytes are
 * split across two reads is held back until its last byte arrives, so no piece ever ends in a
 * broken character. Malformed input becomes U+FFFD.
 *
 * <p>Not thread-safe: one reader thread feeds it.
 */
public final class Utf8StreamDecoder {
  /** The longest UTF-8 sequence is 4 bytes, so at most 3 can wait for their continuation. */
  private static final int MAX_CARRY = 3;

  private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
      .onMalformedInput(CodingErrorAction.REPLACE)
      .onUnmappableCharacter(CodingErrorAction.REPLACE);
  /** Bytes of an incomplete sequence left over from the previous call. */
  private final byte[] carry = new byte[MAX_CARRY];
  private int carried;
  private byte[] work = new byte[0];

  /** Decodes {@code len} bytes of {@code bytes} from {@code off}; returns what is complete. */
  public String decode(byte[] bytes, int off, int len) {
    int total = carried + len;
    if (work.length < total) {
      work = new byte[Math.max(total, 2 * work.length)];
    }
    System.arraycopy(carry, 0, work, 0, carried);
    System.arraycopy(bytes, off, work, carried, len);
    ByteBuffer in = ByteBuffer.wrap(work, 0, total);
    CharBuffer out = CharBuffer.allocate(total + 1);
    CoderResult r = decoder.decode(in, out, false);
    if (r.isOverflow()) {
      throw new IllegalStateException("UTF-8 never yields more chars than bytes");
    }
    carried = in.remaining();
    if (carried > MAX_CARRY) {
      throw new IllegalStateException("decoder left " + carried + " bytes");
    }
    in.get(carry, 0, carried);
    out.flip();
    return out.toString();
  }

  /** Decodes all of {@code bytes}. */
  public String decode(byte[] bytes) {
    return decode(bytes, 0, bytes.length);
  }

  /** Ends the stream: an incomplete trailing sequence becomes U+FFFD. Resets the decoder. */
  public String finish() {
    ByteBuffer in = ByteBuffer.wrap(carry, 0, carried);
    CharBuffer out = CharBuffer.allocate(8);
    decoder.decode(in, out, true);
    decoder.flush(out);
    decoder.reset();
    carried = 0;
    out.flip();
    return out.toString();
  }

  /** How many bytes are waiting for the rest of their character. */
  public int pendingBytes() {
    return carried;
  }
}
