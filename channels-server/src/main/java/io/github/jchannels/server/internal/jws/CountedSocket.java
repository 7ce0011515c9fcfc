package io.github.jchannels.server.internal.jws;

import java.nio.ByteBuffer;
import java.util.List;
import org.java_websocket.WebSocketImpl;
import org.java_websocket.WebSocketListener;
import org.java_websocket.drafts.Draft;
import org.java_websocket.enums.Opcode;
import org.java_websocket.framing.Framedata;

/**
 * Java-WebSocket's socket, with the control frames the library queues itself (our close frame,
 * the reply to the peer's close, the heartbeat ping) counted in the connection's queued bytes
 * like every other frame (PROTOCOL.md section 7: control frames are traffic). They are counted
 * when queued ({@link #sendFrame}) and uncounted as they are written
 * ({@link #isControlFrame}, in {@link JwsConnection#write}).
 */
final class CountedSocket extends WebSocketImpl {
  CountedSocket(WebSocketListener listener, List<Draft> drafts) {
    super(listener, drafts);
  }

  @Override
  public void sendFrame(Framedata frame) {
    JwsConnection c = getAttachment();
    Opcode op = frame.getOpcode();
    if (c == null || (op != Opcode.CLOSING && op != Opcode.PING)) {
      super.sendFrame(frame);
      return;
    }
    long size = wireSize(frame.getPayloadData().remaining());
    c.controlQueued(size);
    try {
      super.sendFrame(frame);
    } catch (RuntimeException e) {
      c.controlQueued(-size); // not queued (the connection is no longer open)
      throw e;
    }
  }

  /** The size on the wire of a server frame (unmasked) with {@code payload} bytes. */
  static long wireSize(int payload) {
    return (long) payload + (payload <= 125 ? 2 : payload <= 0xFFFF ? 4 : 10);
  }

  /**
   * Whether {@code b}, a writable buffer of the out queue not yet started, is a close or ping
   * frame the library framed (the other writable buffers it queues are handshake responses,
   * which begin with {@code HTTP}).
   */
  static boolean isControlFrame(ByteBuffer b) {
    if (b.position() != 0 || b.remaining() < 2) {
      return false;
    }
    byte b0 = b.get(0);
    return b0 == (byte) 0x88 || b0 == (byte) 0x89;
  }
}
