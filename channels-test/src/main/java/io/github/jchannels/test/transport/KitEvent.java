package io.github.jchannels.test.transport;

import io.github.jchannels.core.ClientEvent;
import io.github.jchannels.core.Event;
import io.github.jchannels.core.Family;
import io.github.jchannels.core.ServerEvent;
import io.github.jchannels.core.WireType;

/** The kit's own family, {@code kit:<id>}: requests with replies, a failing handler, a note. */
public sealed interface KitEvent extends Event {
  /** The family. */
  Family<KitEvent> FAMILY = Family.builder("kit", KitEvent.class).build();

  /**
   * Replied with the job's name upper-cased.
   *
   * @param job the job's name
   */
  @WireType("run")
  record Run(String job) implements KitEvent, ClientEvent {}

  /**
   * Its handler throws.
   *
   * @param why a text that must not reach the client
   */
  @WireType("fail")
  record Fail(String why) implements KitEvent, ClientEvent {}

  /**
   * Handled without a reply call.
   *
   * @param text anything
   */
  @WireType("note")
  record Note(String text) implements KitEvent, ClientEvent {}

  /**
   * Server to client, numbered (for ordering).
   *
   * @param n the sequence number
   * @param text a payload
   */
  @WireType("item")
  record Item(long n, String text) implements KitEvent, ServerEvent {}
}
