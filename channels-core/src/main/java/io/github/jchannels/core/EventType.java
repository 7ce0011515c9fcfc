package io.github.jchannels.core;

import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What the registry knows of one event record: its wire name, its family, which
 * directions it may travel and which {@code data} fields are required.
 *
 * <p>A record component is required unless its type is annotated
 * {@link Nullable @Nullable} (JSpecify). Primitive components are always required.
 *
 * @param <E> the record type
 */
public final class EventType<E extends Event> {
  private final String wireName;
  private final Class<E> type;
  private final String family;
  private final boolean fromClient;
  private final boolean fromServer;
  private final List<String> requiredFields;

  private EventType(String wireName, Class<E> type, String family, boolean fromClient,
      boolean fromServer, List<String> requiredFields) {
    this.wireName = wireName;
    this.type = type;
    this.family = family;
    this.fromClient = fromClient;
    this.fromServer = fromServer;
    this.requiredFields = requiredFields;
  }

  static <E extends Event> EventType<E> of(String family, Class<E> type) {
    WireType wire = type.getAnnotation(WireType.class);
    if (wire == null) {
      throw new IllegalArgumentException(
          "Event record " + type.getName() + " of family '" + family + "' has no @WireType");
    }
    String name = wire.value();
    if (!Names.isValidType(name)) {
      throw new IllegalArgumentException("Invalid wire name '" + name + "' on " + type.getName()
          + ": must match " + Names.TYPE_PATTERN);
    }
    if (name.equals(Names.REPLY)) {
      throw new IllegalArgumentException("Wire name 'reply' on " + type.getName()
          + " is reserved in every family");
    }
    boolean fromClient = ClientEvent.class.isAssignableFrom(type);
    boolean fromServer = ServerEvent.class.isAssignableFrom(type);
    if (!fromClient && !fromServer) {
      throw new IllegalArgumentException(type.getName()
          + " implements neither ServerEvent nor ClientEvent: say which way it travels");
    }
    List<String> required = new ArrayList<>();
    for (RecordComponent c : type.getRecordComponents()) {
      boolean nullable = c.getType().isPrimitive() ? false
          : c.getAnnotatedType().isAnnotationPresent(Nullable.class);
      if (!nullable) {
        required.add(c.getName());
      }
    }
    return new EventType<>(name, type, family, fromClient, fromServer, List.copyOf(required));
  }

  /** The wire name, e.g. {@code stream_output}. */
  public String wireName() {
    return wireName;
  }

  /** The record class. */
  public Class<E> type() {
    return type;
  }

  /** The name of the family this type belongs to. */
  public String family() {
    return family;
  }

  /** Whether clients may send this type (it implements {@link ClientEvent}). */
  public boolean fromClient() {
    return fromClient;
  }

  /** Whether servers may send this type (it implements {@link ServerEvent}). */
  public boolean fromServer() {
    return fromServer;
  }

  /** The {@code data} fields that must be present and non-null. */
  public List<String> requiredFields() {
    return requiredFields;
  }

  @Override
  public String toString() {
    return family + "/" + wireName + " (" + type.getSimpleName() + ")";
  }
}
