package io.github.jchannels.test.client;

import io.github.jchannels.core.Event;
import java.time.Duration;

/**
 * Records the events a handler receives ({@code client.subscribe(channel, recorder)}).
 *
 * @param <E> the family's event type
 */
public final class RecordingHandler<E extends Event> extends Recorder<E> {
  public RecordingHandler() {
    super("event");
  }

  /** The next event of {@code type}, skipping others, within {@code timeout}. */
  public <T extends E> T takeEvent(Class<T> type, Duration timeout) throws InterruptedException {
    return type.cast(take(type::isInstance, timeout));
  }
}
