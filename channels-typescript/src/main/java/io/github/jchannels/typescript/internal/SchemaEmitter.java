package io.github.jchannels.typescript.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One JSON Schema (draft 2020-12) per event: the whole envelope, with its channel pattern,
 * its {@code type} constant and its {@code data}, at {@code schemas/<family>/<type>.schema.json}.
 */
public final class SchemaEmitter {
  private static final String SEGMENT = "[A-Za-z0-9_.@-]{1,128}";
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private final Model.Generation model;
  private final Map<String, Model.Def> defs = new LinkedHashMap<>();
  private final ObjectMapper mapper = JsonMapper.builder()
      .enable(SerializationFeature.INDENT_OUTPUT).build();

  public SchemaEmitter(Model.Generation model) {
    this.model = model;
    model.defs().forEach(d -> defs.put(d.name(), d));
  }

  /** Relative path to content. */
  public Map<String, String> files() {
    Map<String, String> out = new TreeMap<>();
    for (Model.FamilyModel f : model.families()) {
      for (Model.EventModel e : f.events()) {
        String path = "schemas/" + f.name() + "/" + e.wireName() + ".schema.json";
        out.put(path, write(schema(f, e, path)));
      }
    }
    return out;
  }

  private String write(ObjectNode node) {
    try {
      return mapper.writeValueAsString(node) + "\n";
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  private ObjectNode schema(Model.FamilyModel f, Model.EventModel e, String path) {
    ObjectNode s = JSON.objectNode();
    s.put("$schema", "https://json-schema.org/draft/2020-12/schema");
    s.put("$id", path);
    s.put("title", f.name() + " " + e.wireName());
    s.put("description", ModelBuilder.javaPath(e.source()) + " (" + e.source().getName()
        + ")");
    ArrayNode directions = s.putArray("x-channels-direction");
    if (e.fromServer()) {
      directions.add("server-to-client");
    }
    if (e.fromClient()) {
      directions.add("client-to-server");
    }
    s.put("type", "object");
    ObjectNode props = s.putObject("properties");
    props.putObject("channel").put("type", "string").put("pattern", channelPattern(f));
    props.putObject("type").put("const", e.wireName());
    props.set("data", object(e.fields()));
    props.putObject("ref").put("type", "string").put("minLength", 1).put("maxLength", 64);
    props.putObject("seq").put("type", "integer").put("minimum", 1);
    props.putObject("epoch").put("type", "string").put("maxLength", 64);
    s.putArray("required").add("channel").add("type").add("data");
    Map<String, Model.Def> used = reachable(e);
    if (!used.isEmpty()) {
      ObjectNode d = s.putObject("$defs");
      used.forEach((name, def) -> d.set(name, switch (def) {
        case Model.RecordDef r -> object(r.fields());
        case Model.EnumDef en -> {
          ObjectNode n = JSON.objectNode().put("type", "string");
          ArrayNode values = n.putArray("enum");
          en.values().forEach(values::add);
          yield n;
        }
      }));
    }
    return s;
  }

  static String channelPattern(Model.FamilyModel f) {
    if (!f.hasId()) {
      return "^" + f.name() + "$";
    }
    String more = f.maxIdSegments() == 0 ? "*" : "{0," + (f.maxIdSegments() - 1) + "}";
    return "^" + f.name() + ":" + SEGMENT + "(:" + SEGMENT + ")" + more + "$";
  }

  private ObjectNode object(List<Model.Field> fields) {
    ObjectNode o = JSON.objectNode().put("type", "object");
    ObjectNode props = o.putObject("properties");
    ArrayNode required = JSON.arrayNode();
    for (Model.Field f : fields) {
      ObjectNode t = type(f.type());
      if (f.optional()) {
        ObjectNode either = JSON.objectNode();
        either.putArray("anyOf").add(t).add(JSON.objectNode().put("type", "null"));
        props.set(f.name(), either);
      } else {
        props.set(f.name(), t);
        required.add(f.name());
      }
    }
    if (!required.isEmpty()) {
      o.set("required", required);
    }
    return o;
  }

  private ObjectNode type(Model.Type t) {
    return switch (t) {
      case Model.Str s -> JSON.objectNode().put("type", "string");
      case Model.Bool b -> JSON.objectNode().put("type", "boolean");
      case Model.Num n -> {
        ObjectNode o = JSON.objectNode().put("type", n.integer() ? "integer" : "number");
        if (n.min() != null) {
          o.put("minimum", n.min());
        }
        if (n.max() != null) {
          o.put("maximum", n.max());
        }
        yield o;
      }
      case Model.Any a -> JSON.objectNode();
      case Model.Ref r -> JSON.objectNode().put("$ref", "#/$defs/" + r.name());
      case Model.OrNull o -> {
        ObjectNode either = JSON.objectNode();
        either.putArray("anyOf").add(type(o.inner())).add(JSON.objectNode().put("type", "null"));
        yield either;
      }
      case Model.MapOf m -> {
        ObjectNode o = JSON.objectNode().put("type", "object");
        o.set("additionalProperties", type(m.value()));
        yield o;
      }
      case Model.ArrayOf a -> {
        ObjectNode o = JSON.objectNode().put("type", "array");
        o.set("items", type(a.element()));
        yield o;
      }
    };
  }

  /** The definitions an event's data refers to, directly or through other definitions. */
  private Map<String, Model.Def> reachable(Model.EventModel e) {
    Map<String, Model.Def> out = new TreeMap<>();
    Deque<Model.Type> todo = new ArrayDeque<>();
    e.fields().forEach(f -> todo.push(f.type()));
    while (!todo.isEmpty()) {
      switch (todo.pop()) {
        case Model.Ref r -> {
          Model.Def d = defs.get(r.name());
          if (d != null && out.put(r.name(), d) == null && d instanceof Model.RecordDef rd) {
            rd.fields().forEach(f -> todo.push(f.type()));
          }
        }
        case Model.OrNull o -> todo.push(o.inner());
        case Model.MapOf m -> todo.push(m.value());
        case Model.ArrayOf a -> todo.push(a.element());
        default -> { }
      }
    }
    return out;
  }
}
