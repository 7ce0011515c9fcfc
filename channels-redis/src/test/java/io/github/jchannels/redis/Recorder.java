package io.github.jchannels.redis;

import io.github.jchannels.server.broker.BrokerEvent;
import io.github.jchannels.server.broker.BrokerListener;
import io.github.jchannels.server.broker.StreamPosition;
import java.util.ArrayList;
import java.util.List;

/** Records what a broker delivers, in order: events and discontinuities. */
final class Recorder implements BrokerListener {
  private final List<Object> items = new ArrayList<>();

  @Override
  public synchronized void onEvent(BrokerEvent event) {
    items.add(event);
  }

  @Override
  public synchronized void onDiscontinuity(String channel, StreamPosition lastDelivered,
      StreamPosition resumedAt) {
    items.add(new Gap(channel, lastDelivered, resumedAt));
  }

  record Gap(String channel, StreamPosition before, StreamPosition resumedAt) {}

  synchronized List<Object> items() {
    return new ArrayList<>(items);
  }

  synchronized List<BrokerEvent> events() {
    List<BrokerEvent> out = new ArrayList<>();
    for (Object o : items) {
      if (o instanceof BrokerEvent e) {
        out.add(e);
      }
    }
    return out;
  }

  synchronized List<Gap> gaps() {
    List<Gap> out = new ArrayList<>();
    for (Object o : items) {
      if (o instanceof Gap g) {
        out.add(g);
      }
    }
    return out;
  }

  /**
   * Checks the contract on one channel: within an epoch seq grows by exactly 1 between events
   * unless a gap was reported in between, and never goes back or repeats.
   */
  synchronized void assertNoSilentSkip() {
    BrokerEvent prev = null;
    boolean gapSincePrev = false;
    for (Object o : items) {
      if (o instanceof Gap) {
        gapSincePrev = true;
        continue;
      }
      BrokerEvent e = (BrokerEvent) o;
      if (prev != null) {
        boolean sameEpoch = prev.epoch().equals(e.epoch());
        if (sameEpoch && e.seq() <= prev.seq()) {
          throw new AssertionError("out of order or duplicate: " + prev.seq() + " then "
              + e.seq());
        }
        if (!gapSincePrev && (!sameEpoch || e.seq() != prev.seq() + 1)) {
          throw new AssertionError("silent skip: " + prev.position() + " then " + e.position());
        }
      }
      prev = e;
      gapSincePrev = false;
    }
  }
}
