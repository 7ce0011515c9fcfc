package io.github.jchannels.shell.internal;

/**
 * The newest output of a shell, at most {@code capacity} chars, for replay to attachers. Not
 * thread-safe (the session guards it). A replay starts after the first line break following
 * the cut, when there is one within the kept text, so the replay does not open in the middle of
 * a line or an escape sequence; it never starts inside a surrogate pair.
 */
final class OutputRing {
  private final char[] buf;
  /** Index of the oldest char. */
  private int start;
  private int size;
  /** Whether older output was dropped. */
  private boolean cut;

  OutputRing(int capacity) {
    this.buf = new char[capacity];
  }

  void append(String text) {
    int cap = buf.length;
    if (cap == 0) {
      return;
    }
    int len = text.length();
    if (len >= cap) {
      text.getChars(len - cap, len, buf, 0);
      start = 0;
      cut = cut || len > cap || size > 0;
      size = cap;
      return;
    }
    int end = (start + size) % cap;
    int first = Math.min(len, cap - end);
    text.getChars(0, first, buf, end);
    text.getChars(first, len, buf, 0);
    int overflow = size + len - cap;
    if (overflow > 0) {
      start = (start + overflow) % cap;
      size = cap;
      cut = true;
    } else {
      size += len;
    }
  }

  /** The kept output, from a clean starting point; empty if none. */
  String snapshot() {
    if (size == 0) {
      return "";
    }
    char[] out = new char[size];
    int first = Math.min(size, buf.length - start);
    System.arraycopy(buf, start, out, 0, first);
    System.arraycopy(buf, 0, out, first, size - first);
    int from = 0;
    if (cut) {
      for (int i = 0; i < out.length; i++) {
        if (out[i] == '\n') {
          from = i + 1;
          break;
        }
      }
      if (from == 0 && Character.isLowSurrogate(out[0])) {
        from = 1;
      }
    }
    return new String(out, from, out.length - from);
  }

  int size() {
    return size;
  }
}
