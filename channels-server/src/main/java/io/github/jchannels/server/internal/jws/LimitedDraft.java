package io.github.jchannels.server.internal.jws;

import io.github.jchannels.core.time.Cancellable;
import io.github.jchannels.core.transport.CloseCodes;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.java_websocket.WebSocketImpl;
import org.java_websocket.drafts.Draft;
import org.java_websocket.drafts.Draft_6455;
import org.java_websocket.enums.Opcode;
import org.java_websocket.exceptions.InvalidDataException;
import org.java_websocket.exceptions.LimitExceededException;
import org.java_websocket.framing.CloseFrame;
import org.java_websocket.framing.Framedata;
import org.jspecify.annotations.Nullable;

/**
 * RFC 6455 with what Java-WebSocket 1.6.0 lacks (issue 12):
 *
 * <ul>
 *   <li>a frame size limit (its default is unbounded) and a limit on the sum of a fragmented
 *       message's frames (it checks only the first and last fragment, upstream issue 1508);
 *   <li>memory for a frame committed as its bytes arrive: Java-WebSocket allocates the announced
 *       length at once, so this draft buffers partial frames itself, growing the buffer with the
 *       bytes received, and hands Java-WebSocket complete frames only;
 *   <li>the server-wide budget for frames and messages in progress ({@link InboundBudget}): a
 *       new large frame over it closes with 1013;
 *   <li>the message deadline: a fragmented message not finished within
 *       {@code messageTimeout} closes with 1008;
 *   <li>strictness it lacks: unmasked client frames (1002), UTF-8 checked fragment by fragment
 *       so that the fragment that makes a message invalid fails it at once (1007; a character
 *       split between fragments is valid), a close reason that is not UTF-8 (1007);
 *   <li>binary messages refused (1003) before they are buffered.
 * </ul>
 *
 * No extensions: permessage-deflate stays off (NOTES.md). One instance per connection
 * ({@link #copyInstance()}); frames are decoded on that connection's decoder thread, while
 * {@link #release()} and the deadline may run on other threads (guarded by this).
 */
final class LimitedDraft extends Draft_6455 {
  private final InboundBudget budget;
  private final int maxMessageSize;

  /** Partial frame bytes (position = bytes held), or null. Decoder thread. */
  private @Nullable ByteBuffer pending;
  /** Set once the peer's close frame was read. Decoder thread. */
  private boolean closeReceived;
  /** Whether the frame at the head of {@link #pending} passed its admission checks. */
  private boolean headAdmitted;
  /** Guarded by this: bytes counted in the budget (pending capacity + fragments). */
  private long counted;
  private boolean released;
  /** The fragmented text message in progress (decoder thread, read by the deadline). */
  private volatile boolean inMessage;
  private long fragmentBytes;
  private int messageNumber;
  private Cancellable deadline = Cancellable.NONE;
  private final Utf8 utf8 = new Utf8();

  LimitedDraft(InboundBudget budget) {
    super(List.of(), budget.limits.maxFrameSize());
    this.budget = budget;
    this.maxMessageSize = budget.limits.maxFrameSize();
  }

  @Override
  public Draft copyInstance() {
    return new LimitedDraft(budget);
  }

  // ------------------------------------------------------------- framing

  @Override
  @SuppressWarnings("ReferenceEquality") // identity of the pending-bytes buffer
  public List<Framedata> translateFrame(ByteBuffer buffer) throws InvalidDataException {
    List<Framedata> out = new ArrayList<>();
    ByteBuffer src;
    ByteBuffer p = pending;
    if (p != null) {
      p = append(p, buffer);
      p.flip();
      src = p;
    } else {
      src = buffer;
    }
    while (src.hasRemaining()) {
      if (closeReceived) {
        // Nothing after the peer's close frame is read (RFC 6455 5.5.1): Java-WebSocket 1.6.0
        // drops the connection on a second close before its answer is written.
        src.position(src.limit());
        break;
      }
      long total = frameLength(src);
      if (total < 0 || src.remaining() < total) {
        break;
      }
      ByteBuffer one = src.slice(src.position(), (int) total);
      src.position(src.position() + (int) total);
      headAdmitted = false;
      checkCloseReason(one);
      closeReceived = (one.get(one.position()) & 0x0F) == 0x8;
      try {
        out.addAll(super.translateFrame(one));
      } catch (RuntimeException e) {
        // a Java-WebSocket bug must fail this connection, not its decoder thread
        throw new InvalidDataException(CloseFrame.PROTOCOL_ERROR, "malformed frame");
      }
    }
    if (src == p) {
      if (p.hasRemaining()) {
        p.compact();
      } else {
        setPending(null);
      }
    } else if (src.hasRemaining()) {
      long total = frameLength(src);
      int cap = (int) Math.min(Math.max(src.remaining(), 4096),
          total < 0 ? Math.max(src.remaining(), 14) : total);
      ByteBuffer n = ByteBuffer.allocate(Math.max(cap, src.remaining()));
      n.put(src);
      setPending(n);
    }
    return out;
  }

  /** Appends {@code more} to {@code p}, growing it (geometrically, up to the frame). */
  private ByteBuffer append(ByteBuffer p, ByteBuffer more) throws InvalidDataException {
    if (p.remaining() < more.remaining()) {
      int need = p.position() + more.remaining();
      ByteBuffer head = p.duplicate().flip();
      long total = frameLength(head);
      long cap = Math.max(need, Math.min(2L * p.capacity(), total < 0 ? need : total));
      ByteBuffer n = ByteBuffer.allocate((int) cap);
      p.flip();
      n.put(p);
      setPending(n);
      p = n;
    }
    p.put(more);
    return p;
  }

  private void setPending(@Nullable ByteBuffer p) {
    long before = pending == null ? 0 : pending.capacity();
    long after = p == null ? 0 : p.capacity();
    pending = p;
    count(after - before);
  }

  private synchronized void count(long delta) {
    if (released) {
      return;
    }
    counted += delta;
    budget.add(delta);
  }

  /**
   * The whole length of the frame at {@code b}'s position, or -1 if its header is incomplete.
   * Checks the header the first time it is complete: masked, within the size limit, within
   * the server-wide budget.
   */
  private long frameLength(ByteBuffer b) throws InvalidDataException {
    int at = b.position();
    if (b.remaining() < 2) {
      return -1;
    }
    int b1 = b.get(at + 1) & 0xFF;
    if ((b1 & 0x80) == 0) {
      throw new InvalidDataException(CloseFrame.PROTOCOL_ERROR, "unmasked client frame");
    }
    int len7 = b1 & 0x7F;
    int ext = len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
    if (b.remaining() < 2 + ext) {
      return -1;
    }
    long payload = len7 == 126 ? b.getShort(at + 2) & 0xFFFF
        : len7 == 127 ? b.getLong(at + 2) : len7;
    int header = 2 + ext + 4;
    if (!headAdmitted) {
      if (payload < 0 || payload > maxMessageSize) {
        throw new LimitExceededException("frame over " + maxMessageSize + " bytes",
            maxMessageSize);
      }
      if (budget.refuses(payload)) {
        throw new InvalidDataException(CloseCodes.TRY_AGAIN_LATER,
            "server busy: too many large messages in progress");
      }
      headAdmitted = true;
    }
    return header + payload;
  }

  /**
   * A close frame whose reason is not UTF-8 fails with 1007. Java-WebSocket 1.6.0 cannot: its
   * CloseFrame sets the reason to null and then throws a NullPointerException on it, which
   * leaves the connection without an answer (found by FramePathFuzzTest).
   */
  private static void checkCloseReason(ByteBuffer frame) throws InvalidDataException {
    int at = frame.position();
    if ((frame.get(at) & 0x0F) != 0x8) {
      return;
    }
    int len = frame.get(at + 1) & 0x7F;
    if (len <= 2 || len > 125) {
      return; // no reason, or not a valid control frame (Java-WebSocket answers 1002)
    }
    int key = at + 2;
    byte[] reason = new byte[len - 2];
    for (int i = 2; i < len; i++) {
      reason[i - 2] = (byte) (frame.get(key + 4 + i) ^ frame.get(key + (i & 3)));
    }
    Utf8 v = new Utf8();
    if (!v.feed(ByteBuffer.wrap(reason)) || !v.complete()) {
      throw new InvalidDataException(CloseFrame.NO_UTF8, "close reason is not UTF-8");
    }
  }

  // ------------------------------------------------------------- messages

  @Override
  public void processFrame(WebSocketImpl webSocketImpl, Framedata frame)
      throws InvalidDataException {
    Opcode op = frame.getOpcode();
    int len = frame.getPayloadData().remaining();
    if (op == Opcode.BINARY) {
      throw new InvalidDataException(CloseFrame.REFUSE, "binary frames are not accepted");
    }
    if (op == Opcode.TEXT && !frame.isFin() && !inMessage) {
      startMessage(webSocketImpl);
      fragment(frame, len);
    } else if (op == Opcode.CONTINUOUS && inMessage) {
      fragment(frame, len);
      if (frame.isFin()) {
        if (!utf8.complete()) {
          throw new InvalidDataException(CloseFrame.NO_UTF8, "invalid UTF-8 in a text message");
        }
        endMessage();
      }
    }
    super.processFrame(webSocketImpl, frame);
  }

  private void fragment(Framedata frame, int len) throws InvalidDataException {
    fragmentBytes += len;
    count(len);
    if (fragmentBytes > maxMessageSize) {
      throw new LimitExceededException("message over " + maxMessageSize + " bytes",
          maxMessageSize);
    }
    if (!utf8.feed(frame.getPayloadData())) {
      throw new InvalidDataException(CloseFrame.NO_UTF8, "invalid UTF-8 in a text message");
    }
  }

  private void startMessage(WebSocketImpl socket) {
    inMessage = true;
    fragmentBytes = 0;
    utf8.reset();
    int n = ++messageNumber;
    deadline = budget.scheduler.schedule(budget.limits.messageTimeout(), () -> {
      if (inMessage && messageNumber == n) {
        socket.close(CloseCodes.POLICY_VIOLATION, "message not completed within "
            + budget.limits.messageTimeout().toMillis() + " ms");
      }
    });
  }

  private void endMessage() {
    inMessage = false;
    deadline.cancel();
    count(-fragmentBytes);
    fragmentBytes = 0;
  }

  /** Gives back every byte counted in the budget (the connection closed). Idempotent. */
  void release() {
    deadline.cancel();
    inMessage = false;
    synchronized (this) {
      if (!released) {
        released = true;
        budget.add(-counted);
        counted = 0;
      }
    }
  }

  @Override
  public void reset() {
    super.reset();
    release();
  }

  /** Incremental UTF-8 validation (RFC 3629: no overlongs, no surrogates, at most U+10FFFF). */
  static final class Utf8 {
    private int need;
    private int lo = 0x80;
    private int hi = 0xBF;

    void reset() {
      need = 0;
      lo = 0x80;
      hi = 0xBF;
    }

    /** Feeds {@code b} (not consumed); false at the first byte that cannot be valid. */
    boolean feed(ByteBuffer b) {
      for (int i = b.position(); i < b.limit(); i++) {
        int c = b.get(i) & 0xFF;
        if (need == 0) {
          if (c < 0x80) {
            continue;
          }
          if (c >= 0xC2 && c <= 0xDF) {
            need = 1;
          } else if (c == 0xE0) {
            need = 2;
            lo = 0xA0;
          } else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) {
            need = 2;
          } else if (c == 0xED) {
            need = 2;
            hi = 0x9F;
          } else if (c == 0xF0) {
            need = 3;
            lo = 0x90;
          } else if (c >= 0xF1 && c <= 0xF3) {
            need = 3;
          } else if (c == 0xF4) {
            need = 3;
            hi = 0x8F;
          } else {
            return false;
          }
        } else {
          if (c < lo || c > hi) {
            return false;
          }
          need--;
          lo = 0x80;
          hi = 0xBF;
        }
      }
      return true;
    }

    /** Whether the bytes fed so far end on a character boundary. */
    boolean complete() {
      return need == 0;
    }
  }
}
