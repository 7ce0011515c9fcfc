package io.github.jchannels.client.internal;

import java.util.ArrayDeque;
import org.jspecify.annotations.Nullable;

/**
 * Channel traffic sent while the client is not ready, oldest first, at most {@code capacity}
 * frames: adding to a full queue drops the oldest. Written on the client's loop only;
 * {@link #size()} may be read from any thread.
 */
final class SendQueue {
  private final int capacity;
  private final ArrayDeque<Frames.Outgoing> frames = new ArrayDeque<>();
  /** Mirrors {@code frames.size()} for readers off the loop. */
  private volatile int size;

  SendQueue(int capacity) {
    this.capacity = capacity;
  }

  /** Appends {@code o}; returns the frame dropped to make room, or null. */
  Frames.@Nullable Outgoing add(Frames.Outgoing o) {
    Frames.Outgoing dropped = frames.size() >= capacity ? frames.pollFirst() : null;
    frames.addLast(o);
    size = frames.size();
    return dropped;
  }

  /** The oldest frame, removed; null when empty. */
  Frames.@Nullable Outgoing poll() {
    Frames.Outgoing o = frames.pollFirst();
    size = frames.size();
    return o;
  }

  /** Removes the request {@code ref} (it timed out before it could be sent). */
  void remove(String ref) {
    frames.removeIf(o -> ref.equals(o.ref()));
    size = frames.size();
  }

  void clear() {
    frames.clear();
    size = 0;
  }

  int capacity() {
    return capacity;
  }

  int size() {
    return size;
  }
}
