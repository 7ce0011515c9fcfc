package io.github.jchannels.client.internal;

import io.github.jchannels.client.MessageLog;
import io.github.jchannels.client.internal.transport.Utf8;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Objects;

/**
 * A {@link MessageLog} bounded in entries and in payload bytes; thread-safe (guarded by
 * {@code this}). A payload alone over the byte bound is kept cut to it, marked with "…".
 */
final class RingMessageLog implements MessageLog {
  private final int capacity;
  private final long maxBytes;
  private final ArrayDeque<Entry> entries;
  private final ArrayDeque<Long> sizes;
  /** Guarded by this: the sum of {@link #sizes}. */
  private long bytes;

  RingMessageLog(int capacity, long maxBytes) {
    this.capacity = capacity;
    this.maxBytes = maxBytes;
    this.entries = new ArrayDeque<>(Math.max(1, Math.min(capacity, 1024)));
    this.sizes = new ArrayDeque<>(Math.max(1, Math.min(capacity, 1024)));
  }

  void add(Entry e) {
    if (capacity == 0 || maxBytes == 0) {
      return;
    }
    Entry kept = e;
    long size = Utf8.length(e.payload());
    if (size > maxBytes) {
      // cut by characters: a char is at most 3 bytes (4 for a pair of 2 chars)
      int chars = (int) Math.max(0, Math.min(e.payload().length(), maxBytes / 3 - 1));
      kept = new Entry(e.direction(), e.channel(), e.type(), e.time(),
          e.payload().substring(0, chars) + "…");
      size = Utf8.length(kept.payload());
    }
    synchronized (this) {
      while (!entries.isEmpty() && (entries.size() >= capacity || bytes + size > maxBytes)) {
        entries.removeFirst();
        bytes -= sizes.removeFirst();
      }
      entries.addLast(kept);
      sizes.addLast(size);
      bytes += size;
    }
  }

  /** The bytes of payload kept now. */
  synchronized long bytes() {
    return bytes;
  }

  @Override
  public synchronized List<Entry> entries() {
    return List.copyOf(entries);
  }

  @Override
  public synchronized List<Entry> entries(String channel) {
    return entries.stream().filter(e -> Objects.equals(channel, e.channel())).toList();
  }

  @Override
  public synchronized void clear() {
    entries.clear();
    sizes.clear();
    bytes = 0;
  }

  @Override
  public int capacity() {
    return capacity;
  }

  @Override
  public long maxBytes() {
    return maxBytes;
  }
}
