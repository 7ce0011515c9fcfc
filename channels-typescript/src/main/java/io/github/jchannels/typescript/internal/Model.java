package io.github.jchannels.typescript.internal;

import java.util.List;
import org.jspecify.annotations.Nullable;

/** What the emitters write: families, events, fields and the types they use. */
public final class Model {
  private Model() {}

  /** A JSON value's type, as both TypeScript and JSON Schema see it. */
  public sealed interface Type {}

  /** A JSON string. */
  public record Str() implements Type {}

  /** A JSON boolean. */
  public record Bool() implements Type {}

  /**
   * A JSON number; {@code integer} for Java's integral types, with their bounds when they
   * are narrower than what JavaScript counts exactly.
   */
  public record Num(boolean integer, @Nullable Long min, @Nullable Long max) implements Type {}

  /** Any JSON ({@code JsonNode}). */
  public record Any() implements Type {}

  /** A JSON array of {@code element}. */
  public record ArrayOf(Type element) implements Type {}

  /** A JSON object with string keys and {@code value} values. */
  public record MapOf(Type value) implements Type {}

  /** {@code inner} or {@code null} (a {@code @Nullable} type argument or array element). */
  public record OrNull(Type inner) implements Type {}

  /** A named definition: a nested record or an enum. */
  public record Ref(String name) implements Type {}

  /** A named type that events refer to. */
  public sealed interface Def {
    /** The TypeScript name. */
    String name();

    /** The Java class it comes from. */
    Class<?> source();
  }

  /** A record used inside event data. */
  public record RecordDef(String name, Class<?> source, List<Field> fields) implements Def {}

  /** An enum: its JSON values. */
  public record EnumDef(String name, Class<?> source, List<String> values) implements Def {}

  /** A {@code data} field: its JSON name, type and whether it may be absent. */
  public record Field(String name, Type type, boolean optional) {}

  /**
   * One event type.
   *
   * @param wireName the {@code type} on the wire
   * @param constant its key in the family's constants object ({@code STREAM_OUTPUT})
   * @param baseName the prefix of its TypeScript names ({@code SessionStreamOutput}: the
   *     {@code ...Data} interface and the {@code ...Event} variant)
   */
  public record EventModel(String wireName, String constant, String baseName, Class<?> source,
      List<Field> fields, boolean fromClient, boolean fromServer) {

    /** The data interface's name. */
    public String dataName() {
      return baseName + "Data";
    }

    /** The event variant's name. */
    public String eventName() {
      return baseName + "Event";
    }
  }

  /**
   * One family.
   *
   * @param name the channel resource ({@code session})
   * @param pascal its PascalCase form, the prefix of the family's names ({@code Session})
   * @param camel its camelCase form, the builder's name ({@code Channels.session})
   */
  public record FamilyModel(String name, String pascal, String camel, Class<?> source,
      boolean hasId, int maxIdSegments, List<EventModel> events) {

    /** The constants object ({@code SessionEventTypes}). */
    public String typesConst() {
      return pascal + "EventTypes";
    }

    /** The union of every event ({@code SessionEvent}). */
    public String union() {
      return pascal + "Event";
    }

    /** The union of server-to-client events ({@code SessionServerEvent}). */
    public String serverUnion() {
      return pascal + "ServerEvent";
    }

    /** The union of client-to-server events ({@code SessionClientEvent}). */
    public String clientUnion() {
      return pascal + "ClientEvent";
    }

    /** The TypeScript type of the family's channel names. */
    public String channelType() {
      return hasId ? "`" + name + ":${string}`" : "'" + name + "'";
    }
  }

  /** Everything generated in one run. */
  public record Generation(List<FamilyModel> families, List<Def> defs) {}
}
