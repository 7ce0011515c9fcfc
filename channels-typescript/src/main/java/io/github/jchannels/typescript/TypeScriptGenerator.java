package io.github.jchannels.typescript;

import io.github.jchannels.core.Channels;
import io.github.jchannels.core.EventRegistry;
import io.github.jchannels.core.Family;
import io.github.jchannels.typescript.internal.Model;
import io.github.jchannels.typescript.internal.ModelBuilder;
import io.github.jchannels.typescript.internal.SchemaEmitter;
import io.github.jchannels.typescript.internal.TsEmitter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Generates the browser's side of the families: the seed's {@code types.ts} (an
 * {@code as const} object of wire names per family, an interface per event's {@code data},
 * discriminated unions per family and per direction), {@code channels.ts} (builders typed
 * with template literals, {@code parseChannel}, {@code resolveChannel}), {@code guards.ts}
 * (runtime checks of frames against the records), {@code index.ts}, and a JSON Schema per
 * event under {@code schemas/}.
 *
 * <pre>{@code
 * TypeScriptGenerator.builder()
 *     .registry(EventRegistry.builder().withDefaults().add(WorkflowEvent.FAMILY).build())
 *     .build()
 *     .writeTo(Path.of("web/src/channels"));
 * }</pre>
 *
 * <p>Mapping: {@code String}, {@code char}, {@code UUID} to {@code string}; {@code boolean}
 * to {@code boolean}; numbers to {@code number}; enums to a union of their JSON values;
 * records to interfaces; {@code List}, {@code Set}, {@code Collection} and arrays to
 * {@code T[]}; {@code Map<String, V>} to {@code Record<string, V>}; {@code JsonNode} to
 * {@code unknown}. A component typed {@code @Nullable} (JSpecify) becomes an optional field.
 * Anything else fails {@link Builder#build()} with a {@link TypeMappingException} naming the
 * component. The {@code global} family is always included, as in an {@link EventRegistry}.
 * Output is deterministic. Immutable and thread-safe.
 */
public final class TypeScriptGenerator {
  private final List<Family<?>> families;
  private final SortedMap<String, String> files;

  private TypeScriptGenerator(List<Family<?>> families, boolean schemas) {
    this.families = List.copyOf(families);
    Model.Generation model = ModelBuilder.build(this.families);
    SortedMap<String, String> out = new TreeMap<>(new TsEmitter(model).files());
    if (schemas) {
      out.putAll(new SchemaEmitter(model).files());
    }
    this.files = Collections.unmodifiableSortedMap(out);
  }

  /** A builder with no families yet ({@code global} is added by itself). */
  public static Builder builder() {
    return new Builder();
  }

  /** The families generated, {@code global} first. */
  public List<Family<?>> families() {
    return families;
  }

  /** Every generated file: relative path ({@code types.ts}, {@code schemas/...}) to content. */
  public SortedMap<String, String> files() {
    return files;
  }

  /**
   * Writes every file under {@code dir} (created if needed), leaving unchanged files as they
   * are, and returns the paths written.
   */
  public List<Path> writeTo(Path dir) throws IOException {
    List<Path> written = new ArrayList<>();
    for (Map.Entry<String, String> e : files.entrySet()) {
      Path target = dir.resolve(e.getKey());
      Files.createDirectories(target.getParent());
      byte[] bytes = e.getValue().getBytes(StandardCharsets.UTF_8);
      if (Files.exists(target) && Arrays.equals(Files.readAllBytes(target), bytes)) {
        continue;
      }
      Files.write(target, bytes);
      written.add(target);
    }
    return written;
  }

  /** Configures a {@link TypeScriptGenerator}. */
  public static final class Builder {
    private final Map<String, Family<?>> families = new LinkedHashMap<>();
    private boolean schemas = true;

    private Builder() {
      families.put(Channels.GLOBAL.name(), Channels.GLOBAL);
    }

    /** Adds every family of {@code registry}. */
    public Builder registry(EventRegistry registry) {
      List<Family<?>> sorted = new ArrayList<>(registry.families());
      sorted.sort((a, b) -> a.name().compareTo(b.name()));
      return families(sorted);
    }

    /** Adds these families, in order. */
    public Builder families(Collection<? extends Family<?>> list) {
      list.forEach(this::family);
      return this;
    }

    /** Adds a family; a second family under a taken name fails. */
    public Builder family(Family<?> family) {
      Family<?> previous = families.putIfAbsent(family.name(), family);
      if (previous != null && previous != family) {
        throw new IllegalArgumentException("Family name '" + family.name()
            + "' is given twice: " + previous.eventType().getName() + " and "
            + family.eventType().getName());
      }
      return this;
    }

    /** Whether to write a JSON Schema per event (default true). */
    public Builder schemas(boolean enabled) {
      this.schemas = enabled;
      return this;
    }

    /** Reads the families; throws {@link TypeMappingException} for what cannot be mapped. */
    public TypeScriptGenerator build() {
      return new TypeScriptGenerator(new ArrayList<>(families.values()), schemas);
    }
  }
}
