package io.github.jchannels.server.internal;

import io.github.jchannels.core.time.Scheduler;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** A UTC {@link Clock} reading the wall time of a {@link Scheduler}. */
final class SchedulerClock extends Clock {
  private final Scheduler scheduler;
  private final ZoneId zone;

  SchedulerClock(Scheduler scheduler) {
    this(scheduler, ZoneOffset.UTC);
  }

  private SchedulerClock(Scheduler scheduler, ZoneId zone) {
    this.scheduler = scheduler;
    this.zone = zone;
  }

  @Override
  public ZoneId getZone() {
    return zone;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return new SchedulerClock(scheduler, zone);
  }

  @Override
  public long millis() {
    return scheduler.currentTimeMillis();
  }

  @Override
  public Instant instant() {
    return Instant.ofEpochMilli(millis());
  }
}
