package io.github.jchannels.core;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The families a codec knows, by name. Immutable and thread-safe; build one at start-up:
 *
 * <pre>{@code
 * EventRegistry registry = EventRegistry.builder().withDefaults().add(WORKFLOW).build();
 * }</pre>
 *
 * Adding two families with the same name fails fast.
 */
public final class EventRegistry {
  private static final EventRegistry DEFAULTS = builder().withDefaults().build();

  private final Map<String, Family<?>> families;

  private EventRegistry(Map<String, Family<?>> families) {
    this.families = Map.copyOf(families);
  }

  /** {@code global}, {@code session} and {@code shell}. */
  public static EventRegistry defaults() {
    return DEFAULTS;
  }

  /** An empty builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** The family registered under {@code name}. */
  public Optional<Family<?>> family(String name) {
    return Optional.ofNullable(families.get(name));
  }

  /** Every registered family. */
  public Collection<Family<?>> families() {
    return families.values();
  }

  /** The result of {@link #resolve(String)}. */
  public sealed interface Resolution {
    /** A known channel. */
    record Known(Channel<?> channel) implements Resolution {}

    /** The name is malformed, or does not fit its family's id rules. */
    record InvalidName(String reason) implements Resolution {}

    /** The name is well formed but no family is registered for its resource. */
    record UnknownFamily(String resource) implements Resolution {}
  }

  /** Resolves untrusted text to a typed channel of a registered family. */
  public Resolution resolve(String text) {
    return switch (ChannelName.parse(text)) {
      case ChannelName.Parse.Invalid i -> new Resolution.InvalidName(i.reason());
      case ChannelName.Parse.Valid v -> resolve(v.name());
    };
  }

  private Resolution resolve(ChannelName name) {
    Family<?> family = families.get(name.resource());
    if (family == null) {
      return new Resolution.UnknownFamily(name.resource());
    }
    String problem = family.idProblem(name);
    return problem != null
        ? new Resolution.InvalidName(problem)
        : new Resolution.Known(family.channel(name));
  }

  /** Builds an {@link EventRegistry}. */
  public static final class Builder {
    private final Map<String, Family<?>> families = new LinkedHashMap<>();

    private Builder() {}

    /** Adds {@code global}, {@code session} and {@code shell}. */
    public Builder withDefaults() {
      return add(Channels.GLOBAL).add(Channels.SESSION).add(Channels.SHELL);
    }

    /** Adds a family; throws {@link IllegalArgumentException} if its name is taken. */
    public Builder add(Family<?> family) {
      Family<?> previous = families.putIfAbsent(family.name(), family);
      if (previous != null && previous != family) {
        throw new IllegalArgumentException("Family name '" + family.name()
            + "' is registered twice: " + previous.eventType().getName() + " and "
            + family.eventType().getName());
      }
      return this;
    }

    /** The registry. */
    public EventRegistry build() {
      if (!families.containsKey(Channels.GLOBAL.name())) {
        families.put(Channels.GLOBAL.name(), Channels.GLOBAL);
      }
      return new EventRegistry(families);
    }
  }
}
