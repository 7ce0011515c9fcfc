package io.github.jchannels.client.internal;

import io.github.jchannels.client.MessageLog;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Objects;

/** A bounded {@link MessageLog}; thread-safe (guarded by {@code this}). */
final class RingMessageLog implements MessageLog {
  private final int capacity;
  private final ArrayDeque<Entry> entries;

  RingMessageLog(int capacity) {
    this.capacity = capacity;
    this.entries = new ArrayDeque<>(Math.max(1, capacity));
  }

  synchronized void add(Entry e) {
    if (capacity == 0) {
      return;
    }
    if (entries.size() == capacity) {
      entries.removeFirst();
    }
    entries.addLast(e);
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
  }

  @Override
  public int capacity() {
    return capacity;
  }
}
