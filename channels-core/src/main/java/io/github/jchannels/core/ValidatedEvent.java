package io.github.jchannels.core;

import org.jspecify.annotations.Nullable;

/**
 * An event whose validity depends on the channel it arrives on, such as
 * {@link SessionEvent.SendMessage}, whose optional {@code sessionId} must equal the
 * channel's id. The codec calls {@link #problemOn(Channel)} after binding {@code data};
 * a non-null answer becomes an {@code invalid_data} error.
 */
public interface ValidatedEvent extends Event {
  /** Why this event is not valid on {@code channel}, or null when it is. */
  @Nullable String problemOn(Channel<?> channel);
}
