package io.github.jchannels.core;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * One encoded text frame, made once and handed unchanged to any number of receivers.
 * Immutable from the outside; the UTF-8 bytes and a transport's own pre-framed form are
 * computed at most once each, on first use, and shared by every receiver.
 */
public final class Frame {
  private final String text;
  private volatile byte @Nullable [] utf8;
  private volatile @Nullable Object transportForm;

  /** Wraps already-encoded frame text (a JSON object). */
  public Frame(String text) {
    this.text = Objects.requireNonNull(text, "text");
  }

  /** The frame's JSON text. */
  public String text() {
    return text;
  }

  /** The frame's UTF-8 bytes; do not modify the array. */
  public byte[] utf8() {
    byte[] b = utf8;
    if (b == null) {
      b = text.getBytes(StandardCharsets.UTF_8);
      utf8 = b;
    }
    return b;
  }

  /** The length of {@link #utf8()} in bytes. */
  public int size() {
    return utf8().length;
  }

  /**
   * A transport's own form of this frame (for example, bytes with a WebSocket header),
   * computed by {@code maker} on first use and shared afterwards. A transport keeps one form
   * per frame; racing callers may both compute it, and one result wins.
   */
  @SuppressWarnings("unchecked")
  public <T> T transportForm(Class<T> type, Function<Frame, T> maker) {
    Object form = transportForm;
    if (!type.isInstance(form)) {
      form = maker.apply(this);
      transportForm = form;
    }
    return (T) form;
  }

  @Override
  public String toString() {
    return text;
  }
}
