package io.github.jchannels.server.internal.jws;

import io.github.jchannels.core.Frame;
import java.nio.ByteBuffer;

/**
 * A {@link Frame} as a complete, unmasked WebSocket text frame (header and payload), built once
 * and cached in the frame ({@link Frame#transportForm}); every receiver gets a duplicate of the
 * same bytes, so a broadcast is neither serialised nor framed more than once.
 */
final class WsFrame {
  private final ByteBuffer bytes;

  private WsFrame(ByteBuffer bytes) {
    this.bytes = bytes;
  }

  /** The pre-framed form of {@code frame}, made at most once per frame. */
  static WsFrame of(Frame frame) {
    return frame.transportForm(WsFrame.class, WsFrame::build);
  }

  private static WsFrame build(Frame frame) {
    byte[] payload = frame.utf8();
    int n = payload.length;
    int header = n < 126 ? 2 : n <= 0xFFFF ? 4 : 10;
    byte[] out = new byte[header + n];
    out[0] = (byte) 0x81; // FIN + text
    if (n < 126) {
      out[1] = (byte) n;
    } else if (n <= 0xFFFF) {
      out[1] = 126;
      out[2] = (byte) (n >>> 8);
      out[3] = (byte) n;
    } else {
      out[1] = 127;
      long len = n;
      for (int i = 0; i < 8; i++) {
        out[2 + i] = (byte) (len >>> (56 - 8 * i));
      }
    }
    System.arraycopy(payload, 0, out, header, n);
    return new WsFrame(ByteBuffer.wrap(out));
  }

  /** A fresh buffer over the shared bytes, positioned at 0 (writable view, never written to). */
  ByteBuffer duplicate() {
    return bytes.duplicate();
  }

  /** A read-only view of the shared bytes, positioned at 0 (our frames are the read-only ones). */
  ByteBuffer readOnlyView() {
    return bytes.asReadOnlyBuffer();
  }

  /** Header plus payload bytes. */
  int size() {
    return bytes.capacity();
  }
}
