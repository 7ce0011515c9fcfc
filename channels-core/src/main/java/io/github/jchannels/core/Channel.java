package io.github.jchannels.core;

import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A channel name bound at compile time to its event family: a {@code Channel<SessionEvent>}
 * only accepts {@code SessionEvent}s, so {@code server.broadcast(Channels.session("1"),
 * new ShellEvent.Output("x"))} does not compile.
 *
 * <p>Obtain one from {@link Channels} or {@link Family#channel(String)}. Immutable; equal
 * when the names are equal.
 *
 * @param <E> the family's root event type
 */
public final class Channel<E extends Event> {
  private final Family<E> family;
  private final @Nullable String id;
  private final String name;

  Channel(Family<E> family, @Nullable String id) {
    this.family = family;
    this.id = id;
    this.name = id == null ? family.name() : family.name() + ":" + id;
  }

  /** The family that decides which events travel on this channel. */
  public Family<E> family() {
    return family;
  }

  /** The id after the family name, if any ({@code abc123} in {@code session:abc123}). */
  public Optional<String> id() {
    return Optional.ofNullable(id);
  }

  /** The wire name, e.g. {@code session:abc123}. */
  public String name() {
    return name;
  }

  /** Whether {@code event} belongs to this channel's family. */
  public boolean accepts(Event event) {
    return family.contains(event);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Channel<?> c && c.name.equals(name);
  }

  @Override
  public int hashCode() {
    return name.hashCode();
  }

  @Override
  public String toString() {
    return name;
  }
}
