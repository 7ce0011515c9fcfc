package io.github.jchannels.core;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * An event family: a name ({@code session}) bound to a sealed interface of records
 * ({@code SessionEvent}). Built once at start-up from the sealed interface's permitted
 * subclasses, and fails fast on anything the protocol forbids: a record with no
 * {@link WireType}, an invalid or duplicate wire name, a type called {@code reply}, a
 * non-record leaf, or an event that declares no direction.
 *
 * <pre>{@code
 * Family<WorkflowEvent> WORKFLOW = Family.builder("workflow", WorkflowEvent.class).build();
 * Channel<WorkflowEvent> run = WORKFLOW.channel("run:456");
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 *
 * @param <E> the family's root event type
 */
public final class Family<E extends Event> {
  private final String name;
  private final Class<E> root;
  private final boolean hasId;
  private final int maxIdSegments;
  private final Map<String, EventType<? extends E>> byWire;
  private final Map<Class<?>, EventType<? extends E>> byClass;

  private Family(Builder<E> b) {
    this.name = b.name;
    this.root = b.root;
    this.hasId = b.hasId;
    this.maxIdSegments = b.maxIdSegments;
    Map<String, EventType<? extends E>> wire = new LinkedHashMap<>();
    Map<Class<?>, EventType<? extends E>> classes = new LinkedHashMap<>();
    for (Class<? extends E> leaf : leaves(root)) {
      EventType<? extends E> t = EventType.of(name, leaf);
      EventType<? extends E> previous = wire.putIfAbsent(t.wireName(), t);
      if (previous != null) {
        throw new IllegalArgumentException("Duplicate wire name '" + t.wireName() + "' in family '"
            + name + "': " + previous.type().getName() + " and " + leaf.getName());
      }
      classes.put(leaf, t);
    }
    if (wire.isEmpty()) {
      throw new IllegalArgumentException("Family '" + name + "' (" + root.getName()
          + ") has no event records");
    }
    this.byWire = Map.copyOf(wire);
    this.byClass = Map.copyOf(classes);
  }

  /** Starts a family named {@code name} whose events are the records permitted by {@code root}. */
  public static <E extends Event> Builder<E> builder(String name, Class<E> root) {
    return new Builder<>(name, root);
  }

  @SuppressWarnings("unchecked")
  private static <E extends Event> Collection<Class<? extends E>> leaves(Class<E> root) {
    if (!root.isInterface() || !root.isSealed()) {
      throw new IllegalArgumentException(root.getName() + " must be a sealed interface");
    }
    Map<Class<? extends E>, Boolean> out = new LinkedHashMap<>();
    Deque<Class<?>> todo = new ArrayDeque<>();
    todo.push(root);
    while (!todo.isEmpty()) {
      Class<?> c = todo.pop();
      if (c.isRecord()) {
        out.put((Class<? extends E>) c, Boolean.TRUE);
      } else if (c.isInterface() && c.isSealed()) {
        for (Class<?> p : c.getPermittedSubclasses()) {
          todo.push(p);
        }
      } else {
        throw new IllegalArgumentException(c.getName() + " in family of " + root.getName()
            + " must be a record or a sealed interface");
      }
    }
    return out.keySet();
  }

  /** The family name: the channel resource, e.g. {@code session}. */
  public String name() {
    return name;
  }

  /** The sealed root interface. */
  public Class<E> eventType() {
    return root;
  }

  /** Whether channels of this family carry an id ({@code session:1}) or not ({@code global}). */
  public boolean hasId() {
    return hasId;
  }

  /** The most {@code :}-separated id segments allowed; 0 means no limit. */
  public int maxIdSegments() {
    return maxIdSegments;
  }

  /** The channel {@code name:id} of this family. */
  public Channel<E> channel(String id) {
    Objects.requireNonNull(id, "id");
    if (!hasId) {
      throw new IllegalArgumentException("Family '" + name + "' channels have no id");
    }
    ChannelName parsed = new ChannelName(name, id);
    String problem = idProblem(parsed);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
    return new Channel<>(this, id);
  }

  /** The single channel of a family without ids, such as {@code global}. */
  public Channel<E> channel() {
    if (hasId) {
      throw new IllegalArgumentException("Family '" + name + "' channels need an id");
    }
    return new Channel<>(this, null);
  }

  /**
   * The typed channel for a parsed name of this family, or why the name does not fit the
   * family's id rules.
   */
  Channel<E> channel(ChannelName parsed) {
    return parsed.id() == null ? channel() : channel(parsed.id());
  }

  /** Why {@code parsed} does not fit this family's id rules, or null if it does. */
  @Nullable String idProblem(ChannelName parsed) {
    if (!parsed.resource().equals(name)) {
      return "channel '" + parsed + "' is not of family '" + name + "'";
    }
    if (!hasId && parsed.id() != null) {
      return "'" + name + "' channels have no id";
    }
    if (hasId && parsed.id() == null) {
      return "'" + name + "' channels need an id, as in '" + name + ":<id>'";
    }
    if (maxIdSegments > 0 && parsed.idSegments() > maxIdSegments) {
      return "'" + name + "' channel ids have at most " + maxIdSegments + " segment"
          + (maxIdSegments == 1 ? " (no ':')" : "s");
    }
    return null;
  }

  /** The event type with this wire name. */
  public Optional<EventType<? extends E>> type(String wireName) {
    return Optional.ofNullable(byWire.get(wireName));
  }

  /** The event type of a record class of this family. */
  public Optional<EventType<? extends E>> type(Class<?> recordClass) {
    return Optional.ofNullable(byClass.get(recordClass));
  }

  /** Every event type of the family. */
  public Collection<EventType<? extends E>> types() {
    return byWire.values();
  }

  /** Whether {@code event} is one of this family's events. */
  public boolean contains(Event event) {
    return root.isInstance(event);
  }

  /** {@code event} as this family's type, if it is one. */
  public Optional<E> cast(Event event) {
    return contains(event) ? Optional.of(root.cast(event)) : Optional.empty();
  }

  @Override
  public String toString() {
    return "Family[" + name + " -> " + root.getSimpleName() + "]";
  }

  /**
   * Builds a {@link Family}. By default channels of the family need an id with any number of
   * segments.
   *
   * @param <E> the family's root event type
   */
  public static final class Builder<E extends Event> {
    private final String name;
    private final Class<E> root;
    private boolean hasId = true;
    private int maxIdSegments;

    private Builder(String name, Class<E> root) {
      Objects.requireNonNull(name, "name");
      this.root = Objects.requireNonNull(root, "root");
      if (!Names.isValidResource(name)) {
        throw new IllegalArgumentException("Family name '" + name + "' must match "
            + Names.RESOURCE_PATTERN);
      }
      this.name = name;
    }

    /** Channels of this family have no id (like {@code global}). */
    public Builder<E> withoutId() {
      this.hasId = false;
      return this;
    }

    /** At most {@code max} id segments; {@code 1} forbids {@code :} inside the id. 0 = no limit. */
    public Builder<E> maxIdSegments(int max) {
      if (max < 0) {
        throw new IllegalArgumentException("maxIdSegments must be >= 0: " + max);
      }
      this.maxIdSegments = max;
      return this;
    }

    /** Reads the sealed hierarchy and validates it; throws {@link IllegalArgumentException}. */
    public Family<E> build() {
      return new Family<>(this);
    }
  }
}
