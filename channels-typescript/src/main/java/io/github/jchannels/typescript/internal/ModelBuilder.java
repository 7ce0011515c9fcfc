package io.github.jchannels.typescript.internal;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.jchannels.core.EventType;
import io.github.jchannels.core.Family;
import io.github.jchannels.typescript.TypeMappingException;
import java.lang.reflect.AnnotatedArrayType;
import java.lang.reflect.AnnotatedParameterizedType;
import java.lang.reflect.AnnotatedType;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * Reads families by reflection into a {@link Model.Generation}: the JSON property names as
 * Jackson (the codec) writes them, nullability from JSpecify {@code @Nullable}, and a
 * {@link TypeMappingException} naming the component for anything without a JSON mapping.
 */
public final class ModelBuilder {
  /** Names the generated files define themselves; a family or record must not take them. */
  private static final List<String> FIXED_NAMES = List.of("ChannelFamilies", "FamilyName",
      "ChannelName", "AnyServerEvent", "AnyClientEvent", "WebSocketMessage", "Channels",
      "FamilyNames", "ChannelParse", "ChannelResolution", "FamilyOf");

  private static final String SUPPORTED = "supported are String, char, UUID, boolean, the"
      + " numeric primitives and their boxes, BigInteger, BigDecimal, enums, records,"
      + " List/Set/Collection<T>, arrays, Map<String, V> and JsonNode";

  private final ObjectMapper mapper = JsonMapper.builder().build();
  private final Map<Class<?>, Model.Def> defs = new LinkedHashMap<>();
  private final Map<String, String> names = new HashMap<>();

  private ModelBuilder() {}

  /** The model of {@code families}, in that order. */
  public static Model.Generation build(Collection<Family<?>> families) {
    return new ModelBuilder().run(families);
  }

  private Model.Generation run(Collection<Family<?>> families) {
    FIXED_NAMES.forEach(n -> names.put(n, "the generated code"));
    List<Model.FamilyModel> out = new ArrayList<>();
    for (Family<?> f : families) {
      out.add(family(f));
    }
    return new Model.Generation(List.copyOf(out), List.copyOf(defs.values()));
  }

  private Model.FamilyModel family(Family<?> f) {
    String pascal = pascal(f.name());
    String owner = "family '" + f.name() + "'";
    for (String n : List.of(pascal + "EventTypes", pascal + "Event", pascal + "ServerEvent",
        pascal + "ClientEvent")) {
      reserve(n, owner, f.name());
    }
    Map<String, String> constants = new HashMap<>();
    List<Model.EventModel> events = new ArrayList<>();
    List<EventType<?>> types = new ArrayList<>(f.types());
    types.sort((a, b) -> a.wireName().compareTo(b.wireName()));
    for (EventType<?> t : types) {
      Class<?> c = t.type();
      String path = javaPath(c);
      String constant = t.wireName().toUpperCase(Locale.ROOT).replace('.', '_');
      String previous = constants.putIfAbsent(constant, t.wireName());
      if (previous != null) {
        throw new TypeMappingException(path, "wire names '" + previous + "' and '"
            + t.wireName() + "' both make the constant " + constant);
      }
      String simple = c.getSimpleName();
      String base = simple.startsWith(pascal) && simple.length() > pascal.length()
          ? simple : pascal + simple;
      reserve(base + "Data", path, path);
      reserve(base + "Event", path, path);
      events.add(new Model.EventModel(t.wireName(), constant, base, c, fields(c, path),
          t.fromClient(), t.fromServer()));
    }
    return new Model.FamilyModel(f.name(), pascal, camel(pascal), f.eventType(), f.hasId(),
        f.maxIdSegments(), List.copyOf(events));
  }

  private void reserve(String name, String owner, String path) {
    String previous = names.putIfAbsent(name, owner);
    if (previous != null) {
      throw new TypeMappingException(path, "the TypeScript name " + name
          + " is already taken by " + previous);
    }
  }

  // ------------------------------------------------------------------- records and fields

  private List<Model.Field> fields(Class<?> record, String path) {
    if (record.getTypeParameters().length > 0) {
      throw new TypeMappingException(path, "a generic record has no single JSON shape");
    }
    Map<String, String> json = jsonNames(record, path);
    List<Model.Field> out = new ArrayList<>();
    for (RecordComponent rc : record.getRecordComponents()) {
      String cpath = path + "." + rc.getName();
      String name = json.remove(rc.getName());
      if (name == null) {
        throw new TypeMappingException(cpath, "Jackson does not write this component"
            + " (ignored?), so it has no place in the JSON");
      }
      boolean optional = !rc.getType().isPrimitive() && nullable(rc.getAnnotatedType());
      out.add(new Model.Field(name, map(rc.getAnnotatedType(), cpath), optional));
    }
    if (!json.isEmpty()) {
      throw new TypeMappingException(path + "." + json.keySet().iterator().next(),
          "Jackson writes this property, which is not a record component");
    }
    return List.copyOf(out);
  }

  /** Record component name to JSON name, as the codec's Jackson serialises them. */
  private Map<String, String> jsonNames(Class<?> record, String path) {
    BeanDescription d = mapper.getSerializationConfig().introspect(mapper.constructType(record));
    Map<String, String> out = new LinkedHashMap<>();
    Set<String> seen = new LinkedHashSet<>();
    for (BeanPropertyDefinition p : d.findProperties()) {
      if (!p.couldSerialize()) {
        continue;
      }
      if (!seen.add(p.getName())) {
        throw new TypeMappingException(path, "two components are written as '" + p.getName()
            + "'");
      }
      out.put(p.getInternalName(), p.getName());
    }
    return out;
  }

  private static boolean nullable(AnnotatedType at) {
    return at.isAnnotationPresent(Nullable.class);
  }

  private Model.Type element(AnnotatedType at, String path) {
    Model.Type t = map(at, path);
    return nullable(at) ? new Model.OrNull(t) : t;
  }

  private Model.Type map(AnnotatedType at, String path) {
    Type t = at.getType();
    if (t instanceof Class<?> c) {
      if (c.isArray()) {
        if (c == byte[].class || c == char[].class) {
          throw new TypeMappingException(path, c.getSimpleName() + " is written by Jackson as"
              + " a string (base64 for byte[]): declare a String, or a List of numbers");
        }
        return new Model.ArrayOf(element(((AnnotatedArrayType) at)
            .getAnnotatedGenericComponentType(), path + "[]"));
      }
      return mapClass(c, path);
    }
    if (t instanceof ParameterizedType p && p.getRawType() instanceof Class<?> raw
        && at instanceof AnnotatedParameterizedType ap) {
      AnnotatedType[] args = ap.getAnnotatedActualTypeArguments();
      if (raw == List.class || raw == Set.class || raw == Collection.class
          || raw == SortedSet.class) {
        return new Model.ArrayOf(element(args[0], path + "[]"));
      }
      if (raw == Map.class || raw == SortedMap.class) {
        if (args[0].getType() != String.class) {
          throw new TypeMappingException(path, "a JSON object's keys are strings: declare"
              + " Map<String, V>, not " + t.getTypeName());
        }
        return new Model.MapOf(element(args[1], path + "{}"));
      }
      throw new TypeMappingException(path, t.getTypeName() + " has no TypeScript mapping: "
          + SUPPORTED);
    }
    throw new TypeMappingException(path, t.getTypeName() + " (a type variable, wildcard or"
        + " generic array) has no single JSON shape: " + SUPPORTED);
  }

  private Model.Type mapClass(Class<?> c, String path) {
    if (c == String.class || c == char.class || c == Character.class || c == UUID.class) {
      return new Model.Str();
    }
    if (c == boolean.class || c == Boolean.class) {
      return new Model.Bool();
    }
    if (c == byte.class || c == Byte.class) {
      return new Model.Num(true, (long) Byte.MIN_VALUE, (long) Byte.MAX_VALUE);
    }
    if (c == short.class || c == Short.class) {
      return new Model.Num(true, (long) Short.MIN_VALUE, (long) Short.MAX_VALUE);
    }
    if (c == int.class || c == Integer.class) {
      return new Model.Num(true, (long) Integer.MIN_VALUE, (long) Integer.MAX_VALUE);
    }
    if (c == long.class || c == Long.class || c == BigInteger.class) {
      return new Model.Num(true, null, null);
    }
    if (c == float.class || c == Float.class || c == double.class || c == Double.class
        || c == BigDecimal.class) {
      return new Model.Num(false, null, null);
    }
    if (c == ObjectNode.class) {
      return new Model.MapOf(new Model.Any());
    }
    if (c == ArrayNode.class) {
      return new Model.ArrayOf(new Model.Any());
    }
    if (c == JsonNode.class) {
      return new Model.Any();
    }
    if (c.isEnum()) {
      return new Model.Ref(enumDef(c, path).name());
    }
    if (c.isRecord()) {
      return new Model.Ref(recordDef(c, path).name());
    }
    throw new TypeMappingException(path, c.getName() + " has no TypeScript mapping: "
        + hint(c));
  }

  private static String hint(Class<?> c) {
    if (c == Optional.class) {
      return "the codec writes no Optional (no Jdk8Module): use a @Nullable component";
    }
    if (c.getName().startsWith("java.time.")) {
      return "the codec has no java.time module: use a long (epoch milliseconds) or a String";
    }
    if (Collection.class.isAssignableFrom(c) || Map.class.isAssignableFrom(c)) {
      return "give the element type (List<String>, Map<String, Long>)";
    }
    if (c == Object.class) {
      return "Object has no fixed shape: use JsonNode for any JSON";
    }
    return SUPPORTED;
  }

  private Model.Def enumDef(Class<?> c, String path) {
    Model.Def known = defs.get(c);
    if (known != null) {
      return known;
    }
    for (Method m : c.getDeclaredMethods()) {
      if (m.isAnnotationPresent(JsonValue.class)) {
        throw new TypeMappingException(path, c.getName() + " uses @JsonValue: its JSON values"
            + " are only known at run time");
      }
    }
    List<String> values = new ArrayList<>();
    for (Object constant : c.getEnumConstants()) {
      String name = ((Enum<?>) constant).name();
      String value = name;
      try {
        JsonProperty p = c.getField(name).getAnnotation(JsonProperty.class);
        if (p != null && !p.value().isEmpty()) {
          value = p.value();
        }
      } catch (NoSuchFieldException e) {
        throw new IllegalStateException(e);
      }
      values.add(value);
    }
    Model.Def def = new Model.EnumDef(defName(c, path), c, List.copyOf(values));
    defs.put(c, def);
    return def;
  }

  private Model.Def recordDef(Class<?> c, String path) {
    Model.Def known = defs.get(c);
    if (known != null) {
      return known;
    }
    String name = defName(c, path);
    // registered before its fields are read, so that a record may contain itself
    defs.put(c, new Model.RecordDef(name, c, List.of()));
    Model.Def def = new Model.RecordDef(name, c, fields(c, javaPath(c)));
    defs.put(c, def);
    return def;
  }

  /** The simple name, else the enclosing classes' names joined ({@code WorkflowEventStep}). */
  private String defName(Class<?> c, String path) {
    String simple = c.getSimpleName();
    if (!names.containsKey(simple)) {
      names.put(simple, c.getName());
      return simple;
    }
    String qualified = javaPath(c).replace(".", "");
    String previous = names.putIfAbsent(qualified, c.getName());
    if (previous != null) {
      throw new TypeMappingException(path, "the TypeScript names " + simple + " and "
          + qualified + " of " + c.getName() + " are both taken (by " + names.get(simple)
          + " and " + previous + ")");
    }
    return qualified;
  }

  /** {@code SessionEvent.StreamOutput}: the class name without its package. */
  static String javaPath(Class<?> c) {
    String n = c.getName();
    String pkg = c.getPackageName();
    return (pkg.isEmpty() ? n : n.substring(pkg.length() + 1)).replace('$', '.');
  }

  static String pascal(String familyName) {
    StringBuilder b = new StringBuilder();
    for (String part : familyName.split("[-_]", -1)) {
      if (!part.isEmpty()) {
        b.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
      }
    }
    return b.toString();
  }

  static String camel(String pascal) {
    return Character.toLowerCase(pascal.charAt(0)) + pascal.substring(1);
  }
}
