package io.github.jchannels.typescript;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import io.github.jchannels.core.ClientEvent;
import io.github.jchannels.core.Event;
import io.github.jchannels.core.Family;
import io.github.jchannels.core.ServerEvent;
import io.github.jchannels.core.WireType;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/** A family with every mapping the generator knows. */
public sealed interface KitchenEvent extends Event {
  /** Channels {@code kitchen-sink:<a>[:<b>]}. */
  Family<KitchenEvent> FAMILY =
      Family.builder("kitchen-sink", KitchenEvent.class).maxIdSegments(2).build();

  /** An enum, one constant renamed. */
  enum Color { RED, @JsonProperty("dark-green") GREEN }

  /** A nested record that refers to itself. */
  record Point(int x, @Nullable Point next) {}

  /** Every supported type. */
  @WireType("all")
  record All(String s, char c, UUID id, boolean b, Boolean boxed, byte by, short sh, int i,
      long l, @Nullable Long maybeLong, float f, double d, BigInteger big, BigDecimal dec,
      Color color, Point point, List<String> list, Set<Integer> set, Collection<Point> points,
      String[] array, Map<String, Long> map, List<@Nullable String> holes, JsonNode any,
      @Nullable String maybe, @JsonProperty("renamed") String original)
      implements KitchenEvent, ServerEvent {}

  /** No fields, client to server, dotted wire name. */
  @WireType("empty.one")
  record Empty() implements KitchenEvent, ClientEvent {}

  /** Both ways. */
  @WireType("both")
  record Both(List<Color> colors) implements KitchenEvent, ServerEvent, ClientEvent {}
}
