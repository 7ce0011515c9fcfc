package io.github.jchannels.client.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Channel traffic sent while the client is not ready, oldest first, at most {@code capacity}
 * frames: adding to a full queue drops the oldest. Written on the client's loop only;
 * {@link #size()} and {@link #bytes()} may be read from any thread.
 */
@SuppressWarnings("NonAtomicVolatileUpdate") // one writer: the client's loop
final class SendQueue {
  private final int capacity;
  private final ArrayDeque<Frames.Outgoing> frames = new ArrayDeque<>();
  /** Mirrors {@code frames.size()} for readers off the loop. */
  private volatile int size;
  /** The UTF-8 bytes of the queued frames, for readers off the loop. */
  private volatile long bytes;

  SendQueue(int capacity) {
    this.capacity = capacity;
  }

  /** Appends {@code o}; returns the frame dropped to make room, or null. */
  Frames.@Nullable Outgoing add(Frames.Outgoing o) {
    Frames.Outgoing dropped = frames.size() >= capacity ? frames.pollFirst() : null;
    frames.addLast(o);
    size = frames.size();
    bytes = bytes + o.bytes() - (dropped == null ? 0 : dropped.bytes());
    return dropped;
  }

  /** The oldest frame, removed; null when empty. */
  Frames.@Nullable Outgoing poll() {
    Frames.Outgoing o = frames.pollFirst();
    size = frames.size();
    if (o != null) {
      bytes = bytes - o.bytes();
    }
    return o;
  }

  /** Removes the request {@code ref} (it timed out before it could be sent). */
  void remove(String ref) {
    frames.removeIf(o -> ref.equals(o.ref()));
    recount();
  }

  /** Empties the queue; returns what it held. */
  List<Frames.Outgoing> drain() {
    List<Frames.Outgoing> out = new ArrayList<>(frames);
    frames.clear();
    size = 0;
    bytes = 0;
    return out;
  }

  private void recount() {
    long b = 0;
    for (Frames.Outgoing o : frames) {
      b += o.bytes();
    }
    size = frames.size();
    bytes = b;
  }

  int capacity() {
    return capacity;
  }

  int size() {
    return size;
  }

  long bytes() {
    return bytes;
  }
}
