package io.github.jchannels.core;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SegmentedStringWriter;
import com.fasterxml.jackson.databind.ObjectWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * Serialises events, replies and protocol errors into frames, checking that each event may be
 * sent from this side. Counts the frames it writes. Thread-safe.
 */
final class FrameEncoder {
  private static final String ERROR_TYPE =
      Channels.GLOBAL.type(GlobalEvent.ProtocolError.class).orElseThrow().wireName();

  private final JsonFactory factory;
  private final ObjectWriter writer;
  private final Codec.Side side;
  private final LongAdder encoded = new LongAdder();

  FrameEncoder(JsonFactory factory, ObjectWriter writer, Codec.Side side) {
    this.factory = factory;
    this.writer = writer;
    this.side = side;
  }

  long encodedFrames() {
    return encoded.sum();
  }

  <E extends Event> Frame encode(Channel<E> channel, E event, @Nullable String ref) {
    Objects.requireNonNull(event, "event");
    Family<E> family = channel.family();
    EventType<? extends E> type = family.type(event.getClass()).orElseThrow(() ->
        new IllegalArgumentException(event.getClass().getName() + " is not an event of family '"
            + family.name() + "'"));
    boolean allowed = side == Codec.Side.SERVER ? type.fromServer() : type.fromClient();
    if (!allowed) {
      throw new IllegalArgumentException("'" + type.wireName() + "' is not sent by "
          + (side == Codec.Side.SERVER ? "servers" : "clients"));
    }
    checkRef(ref);
    return write(channel.name(), type.wireName(), event, ref);
  }

  Frame encodeReply(Channel<?> channel, String ref, Reply reply) {
    Objects.requireNonNull(ref, "ref");
    checkRef(ref);
    ReplyData data = new ReplyData(reply.status().wire(), reply.response());
    return write(channel.name(), Names.REPLY, data, ref);
  }

  Frame encodeError(ErrorCode code, String message, @Nullable String channel,
      @Nullable String ref) {
    GlobalEvent.ProtocolError e = new GlobalEvent.ProtocolError(code.wire(), message, channel);
    String validRef = ref != null && Names.isValidRef(ref) ? ref : null;
    return write(Channels.GLOBAL.name(), ERROR_TYPE, e, validRef);
  }

  private record ReplyData(String status, @Nullable Object response) {}

  private static void checkRef(@Nullable String ref) {
    if (ref != null && !Names.isValidRef(ref)) {
      throw new IllegalArgumentException("ref must be 1-" + Names.MAX_REF_LENGTH
          + " characters: '" + ref + "'");
    }
  }

  private Frame write(String channel, String type, Object data, @Nullable String ref) {
    SegmentedStringWriter out = new SegmentedStringWriter(factory._getBufferRecycler());
    String text;
    try (JsonGenerator g = factory.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("channel", channel);
      g.writeStringField("type", type);
      g.writeFieldName("data");
      writer.writeValue(g, data);
      if (ref != null) {
        g.writeStringField("ref", ref);
      }
      g.writeEndObject();
      g.flush();
      text = out.getAndClear();
    } catch (IOException e) {
      throw new UncheckedIOException("Could not encode " + channel + "/" + type, e);
    }
    encoded.increment();
    return new Frame(text);
  }
}
