package io.github.jchannels.server;

import io.github.jchannels.core.ClientEvent;
import io.github.jchannels.core.Event;
import io.github.jchannels.core.Family;
import io.github.jchannels.core.ServerEvent;
import io.github.jchannels.core.WireType;

/** A test family {@code work:<id>}. */
sealed interface WorkEvent extends Event {
  Family<WorkEvent> FAMILY = Family.builder("work", WorkEvent.class).build();

  /** Runs a job; replied with the job's name uppercased. */
  @WireType("run")
  record Run(String job) implements WorkEvent, ClientEvent {}

  /** Its handler throws. */
  @WireType("fail")
  record Fail(String why) implements WorkEvent, ClientEvent {}

  /** Its handler sleeps. */
  @WireType("slow")
  record Slow(long millis) implements WorkEvent, ClientEvent {}

  /** Handled without a reply call. */
  @WireType("note")
  record Note(String text) implements WorkEvent, ClientEvent {}

  /** Has no handler. */
  @WireType("orphan")
  record Orphan(String text) implements WorkEvent, ClientEvent {}

  /** Server to client. */
  @WireType("done")
  record Done(String job, long n) implements WorkEvent, ServerEvent {}
}
