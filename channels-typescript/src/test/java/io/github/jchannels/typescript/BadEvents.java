package io.github.jchannels.typescript;

import io.github.jchannels.core.Event;
import io.github.jchannels.core.Family;
import io.github.jchannels.core.ServerEvent;
import io.github.jchannels.core.WireType;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Families the generator must refuse, one problem each. */
@SuppressWarnings("SameNameButDifferent") // twin names in two families, on purpose
final class BadEvents {
  private BadEvents() {}

  /** A generic record: a component of type {@code Box<String>}. */
  record Box<T>(T value) {}

  /** A nested record with an unmappable component. */
  record Holder(Instant when) {}

  sealed interface Time extends Event {
    Family<Time> FAMILY = Family.builder("time", Time.class).build();

    @WireType("at") record At(Instant when) implements Time, ServerEvent {}
  }

  sealed interface Opt extends Event {
    Family<Opt> FAMILY = Family.builder("opt", Opt.class).build();

    @WireType("maybe") record Maybe(Optional<String> value) implements Opt, ServerEvent {}
  }

  sealed interface Obj extends Event {
    Family<Obj> FAMILY = Family.builder("obj", Obj.class).build();

    @WireType("anything") record Anything(Object value) implements Obj, ServerEvent {}
  }

  sealed interface IntKeys extends Event {
    Family<IntKeys> FAMILY = Family.builder("intkeys", IntKeys.class).build();

    @WireType("by") record ByNumber(Map<Integer, String> value) implements IntKeys, ServerEvent {}
  }

  sealed interface Bytes extends Event {
    Family<Bytes> FAMILY = Family.builder("bytes", Bytes.class).build();

    @WireType("blob") record Blob(byte[] value) implements Bytes, ServerEvent {}
  }

  sealed interface Raw extends Event {
    Family<Raw> FAMILY = Family.builder("raw", Raw.class).build();

    @SuppressWarnings("rawtypes")
    @WireType("untyped") record Untyped(List value) implements Raw, ServerEvent {}
  }

  sealed interface Wild extends Event {
    Family<Wild> FAMILY = Family.builder("wild", Wild.class).build();

    @WireType("some") record Some(List<? extends Number> value) implements Wild, ServerEvent {}
  }

  sealed interface Generic extends Event {
    Family<Generic> FAMILY = Family.builder("generic", Generic.class).build();

    @WireType("boxed") record Boxed(Box<String> value) implements Generic, ServerEvent {}
  }

  sealed interface Nested extends Event {
    Family<Nested> FAMILY = Family.builder("nested", Nested.class).build();

    @WireType("held") record Held(List<Holder> value) implements Nested, ServerEvent {}
  }

  sealed interface Clash extends Event {
    Family<Clash> FAMILY = Family.builder("clash", Clash.class).build();

    @WireType("a.b") record Dot() implements Clash, ServerEvent {}

    @WireType("a_b") record Under() implements Clash, ServerEvent {}
  }

  sealed interface Twin extends Event {
    Family<Twin> FAMILY = Family.builder("twin", Twin.class).build();

    record Thing(String a) {}

    @WireType("one") record One(Thing thing) implements Twin, ServerEvent {}
  }

  sealed interface TwinToo extends Event {
    Family<TwinToo> FAMILY = Family.builder("twin-too", TwinToo.class).build();

    record Thing(int b) {}

    @WireType("two") record Two(Thing thing) implements TwinToo, ServerEvent {}
  }

  /** An event whose variant would be named like the family's server union. */
  sealed interface Taken extends Event {
    Family<Taken> FAMILY = Family.builder("taken", Taken.class).build();

    @WireType("one") record Server() implements Taken, ServerEvent {}
  }
}
