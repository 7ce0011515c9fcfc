package io.github.jchannels.server.broker;

import java.util.List;
import java.util.Objects;

/**
 * The answer to a recovery request (PROTOCOL.md section 11): either every event after the
 * requested position, in order, or none at all. Recovery is never partial.
 *
 * @param recovered true when {@link #events()} holds every event after the requested position
 *     (possibly none); false when the broker cannot vouch for that (other epoch, events expired
 *     or evicted, more missed events than the limit, or a position beyond the top)
 * @param top the stream's current top: its epoch and the seq of its latest event (0 if none)
 * @param events the missed events in seq order; empty when not recovered
 */
public record Recovery(boolean recovered, StreamPosition top, List<BrokerEvent> events) {
  /** Checks the fields and copies the list. */
  public Recovery {
    Objects.requireNonNull(top, "top");
    events = List.copyOf(events);
    if (!recovered && !events.isEmpty()) {
      throw new IllegalArgumentException("a failed recovery carries no events");
    }
  }

  /** Every event after the requested position: {@code events}, in order. */
  public static Recovery recovered(StreamPosition top, List<BrokerEvent> events) {
    return new Recovery(true, top, events);
  }

  /** The broker cannot send every missed event; it sends none. */
  public static Recovery notRecovered(StreamPosition top) {
    return new Recovery(false, top, List.of());
  }
}
