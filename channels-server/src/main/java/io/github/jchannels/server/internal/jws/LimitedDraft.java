package io.github.jchannels.server.internal.jws;

import java.util.List;
import org.java_websocket.WebSocketImpl;
import org.java_websocket.drafts.Draft;
import org.java_websocket.drafts.Draft_6455;
import org.java_websocket.enums.Opcode;
import org.java_websocket.exceptions.InvalidDataException;
import org.java_websocket.exceptions.LimitExceededException;
import org.java_websocket.framing.CloseFrame;
import org.java_websocket.framing.Framedata;

/**
 * RFC 6455 with the limits Java-WebSocket 1.6.0 lacks: a frame size limit (its default is
 * unbounded), a limit on the sum of a fragmented message's frames (it checks only the first and
 * last fragment, upstream issue 1508), and refusal of binary messages (1003) before they are
 * buffered. No extensions: permessage-deflate stays off (NOTES.md). One instance per
 * connection ({@link #copyInstance()}), used by that connection's decoder thread only.
 */
final class LimitedDraft extends Draft_6455 {
  private final int maxMessageSize;
  /** Bytes of the fragmented message being received; 0 when none. */
  private long fragmentBytes;

  LimitedDraft(int maxMessageSize) {
    super(List.of(), maxMessageSize);
    this.maxMessageSize = maxMessageSize;
  }

  @Override
  public Draft copyInstance() {
    return new LimitedDraft(maxMessageSize);
  }

  @Override
  public void processFrame(WebSocketImpl webSocketImpl, Framedata frame)
      throws InvalidDataException {
    Opcode op = frame.getOpcode();
    if (op == Opcode.BINARY) {
      throw new InvalidDataException(CloseFrame.REFUSE, "binary frames are not accepted");
    }
    if (op == Opcode.TEXT && !frame.isFin()) {
      fragmentBytes = frame.getPayloadData().remaining();
    } else if (op == Opcode.CONTINUOUS) {
      fragmentBytes += frame.getPayloadData().remaining();
    }
    if (fragmentBytes > maxMessageSize) {
      fragmentBytes = 0;
      throw new LimitExceededException("message over " + maxMessageSize + " bytes",
          maxMessageSize);
    }
    if (op == Opcode.CONTINUOUS && frame.isFin()) {
      fragmentBytes = 0;
    }
    super.processFrame(webSocketImpl, frame);
  }
}
