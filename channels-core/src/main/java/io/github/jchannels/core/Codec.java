package io.github.jchannels.core;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.io.SegmentedStringWriter;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * Encodes events into frames and decodes untrusted text, for one side of the connection.
 *
 * <p>A server codec ({@link #forServer}) decodes what clients send: it accepts only types
 * implementing {@link ClientEvent} and rejects {@code reply}; it encodes server events. A
 * client codec ({@link #forClient}) is the mirror image and decodes replies.
 *
 * <p>{@link #decode(String, Predicate)} applies the checks of PROTOCOL.md section 7 in order
 * (steps 2 to 7) and never throws on bad input: every problem is a {@link Decoded.Failure}
 * with its error code. Thread-safe; make one per server or client and share it.
 */
public final class Codec {
  /** Which peer's frames this codec decodes. */
  private enum Side { SERVER, CLIENT }

  private static final int MAX_DETAIL = 200;
  private static final String ERROR_TYPE =
      Channels.GLOBAL.type(GlobalEvent.ProtocolError.class).orElseThrow().wireName();

  private final EventRegistry registry;
  private final Side side;
  private final ObjectMapper mapper;
  private final ObjectWriter writer;
  private final JsonFactory factory;
  private final LongAdder encoded = new LongAdder();
  private final int maxDocumentLength;

  private Codec(EventRegistry registry, Side side, CodecLimits limits) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.side = side;
    this.maxDocumentLength = limits.maxDocumentLength();
    this.factory = JsonFactory.builder()
        .streamReadConstraints(StreamReadConstraints.builder()
            .maxDocumentLength(limits.maxDocumentLength())
            .maxNestingDepth(limits.maxNestingDepth())
            .maxStringLength(limits.maxStringLength())
            .maxNumberLength(limits.maxNumberLength())
            .build())
        .build();
    JsonMapper m = JsonMapper.builder(factory)
        .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
        .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
        .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
        .serializationInclusion(JsonInclude.Include.NON_NULL)
        .build();
    m.coercionConfigDefaults()
        .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail);
    m.coercionConfigFor(LogicalType.Textual)
        .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.String, CoercionAction.TryConvert)
        .setCoercion(CoercionInputShape.EmptyString, CoercionAction.TryConvert);
    this.mapper = m;
    this.writer = m.writer();
  }

  /** A codec for a server: decodes client frames, encodes server events. Default limits. */
  public static Codec forServer(EventRegistry registry) {
    return new Codec(registry, Side.SERVER, CodecLimits.defaults());
  }

  /** A codec for a server with these input limits. */
  public static Codec forServer(EventRegistry registry, CodecLimits limits) {
    return new Codec(registry, Side.SERVER, limits);
  }

  /** A codec for a client: decodes server frames and replies, encodes client events. */
  public static Codec forClient(EventRegistry registry) {
    return new Codec(registry, Side.CLIENT, CodecLimits.defaults());
  }

  /** A codec for a client with these input limits. */
  public static Codec forClient(EventRegistry registry, CodecLimits limits) {
    return new Codec(registry, Side.CLIENT, limits);
  }

  /** The registry this codec resolves channels against. */
  public EventRegistry registry() {
    return registry;
  }

  /** How many frames this codec has serialised so far (each {@code encode*} call is one). */
  public long encodedFrames() {
    return encoded.sum();
  }

  // ---------------------------------------------------------------- encoding

  /** Encodes {@code event} on {@code channel}; the frame can go to any number of receivers. */
  public <E extends Event> Frame encode(Channel<E> channel, E event) {
    return encode(channel, event, null);
  }

  /**
   * Encodes {@code event} on {@code channel} with an optional {@code ref}. Throws
   * {@link IllegalArgumentException} if the event is not of the channel's family or may not
   * be sent from this side.
   */
  public <E extends Event> Frame encode(Channel<E> channel, E event, @Nullable String ref) {
    Objects.requireNonNull(event, "event");
    Family<E> family = channel.family();
    EventType<? extends E> type = family.type(event.getClass()).orElseThrow(() ->
        new IllegalArgumentException(event.getClass().getName() + " is not an event of family '"
            + family.name() + "'"));
    boolean allowed = side == Side.SERVER ? type.fromServer() : type.fromClient();
    if (!allowed) {
      throw new IllegalArgumentException("'" + type.wireName() + "' is not sent by "
          + (side == Side.SERVER ? "servers" : "clients"));
    }
    checkRef(ref);
    return write(channel.name(), type.wireName(), event, ref);
  }

  /** Encodes a {@code reply} to the request {@code ref} on {@code channel}. */
  public Frame encodeReply(Channel<?> channel, String ref, Reply reply) {
    Objects.requireNonNull(ref, "ref");
    checkRef(ref);
    ReplyData data = new ReplyData(reply.status().wire(), reply.response());
    return write(channel.name(), Names.REPLY, data, ref);
  }

  /** Encodes a {@code global} {@code error} event (a protocol error). */
  public Frame encodeError(ErrorCode code, String message, @Nullable String channel,
      @Nullable String ref) {
    GlobalEvent.ProtocolError e = new GlobalEvent.ProtocolError(code.wire(), message, channel);
    String validRef = ref != null && Names.isValidRef(ref) ? ref : null;
    return write(Channels.GLOBAL.name(), ERROR_TYPE, e, validRef);
  }

  /** Encodes the answer to a decoding failure, echoing its channel and ref. */
  public Frame encodeError(Decoded.Failure failure) {
    return encodeError(failure.code(), failure.message(), failure.channel(), failure.ref());
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

  // ---------------------------------------------------------------- decoding

  /** Decodes untrusted text as if every channel were joined. */
  public Decoded decode(String text) {
    return decode(text, c -> true);
  }

  /**
   * Decodes untrusted text. {@code joined} answers whether the peer has joined a non-global
   * channel (check 6, {@code not_subscribed}); it is only asked about resolvable channels.
   */
  public Decoded decode(String text, Predicate<? super Channel<?>> joined) {
    Object envelope = envelope(text);
    if (envelope instanceof Decoded.Failure f) {
      return f;
    }
    Envelope env = (Envelope) envelope;
    return decode(env, joined);
  }

  /**
   * Checks only the envelope of untrusted text (section 7 steps 2 to 4: JSON object, fields,
   * channel syntax, registered family) and returns the failure, if any, without binding data.
   */
  public Optional<Decoded.Failure> checkEnvelope(String text) {
    return envelope(text) instanceof Decoded.Failure f ? Optional.of(f) : Optional.empty();
  }

  private record Envelope(Channel<?> channel, String channelName, String type, JsonNode data,
      @Nullable String ref) {}

  /** An {@link Envelope} or a {@link Decoded.Failure}. */
  private Object envelope(String text) {
    if (text.length() > maxDocumentLength) {
      // Jackson only checks the document length between input buffers, not for one String.
      return fail(ErrorCode.INVALID_MESSAGE, "frame exceeds a limit: document length "
          + text.length() + " exceeds the maximum allowed (" + maxDocumentLength + ")", null, null);
    }
    JsonNode root;
    try {
      root = mapper.readTree(text);
    } catch (StreamConstraintsException e) {
      return fail(ErrorCode.INVALID_MESSAGE, "frame exceeds a limit: " + e.getOriginalMessage(),
          null, null);
    } catch (JsonProcessingException e) {
      return fail(ErrorCode.INVALID_MESSAGE, "frame is not valid JSON: " + e.getOriginalMessage(),
          null, null);
    }
    if (root == null || !root.isObject()) {
      return fail(ErrorCode.INVALID_MESSAGE, "frame must be a JSON object", null, null);
    }
    JsonNode channelNode = root.get("channel");
    JsonNode typeNode = root.get("type");
    JsonNode data = root.get("data");
    JsonNode refNode = root.get("ref");
    String channelName = channelNode != null && channelNode.isTextual() ? channelNode.textValue() : null;
    boolean refOk = refNode == null || refNode.isTextual() && Names.isValidRef(refNode.textValue());
    String ref = refNode != null && refOk ? refNode.textValue() : null;

    if (channelName == null) {
      return fail(ErrorCode.INVALID_MESSAGE, "'channel' must be a string", null, ref);
    }
    if (typeNode == null || !typeNode.isTextual()) {
      return fail(ErrorCode.INVALID_MESSAGE, "'type' must be a string", channelName, ref);
    }
    String type = typeNode.textValue();
    if (!Names.isValidType(type)) {
      return fail(ErrorCode.INVALID_MESSAGE, "'type' must match " + Names.TYPE_PATTERN,
          channelName, ref);
    }
    if (data == null || data.isNull()) {
      return fail(ErrorCode.INVALID_MESSAGE, "'data' is required ({} when empty)", channelName, ref);
    }
    if (!refOk) {
      return fail(ErrorCode.INVALID_MESSAGE, "'ref' must be a string of 1-" + Names.MAX_REF_LENGTH
          + " characters", channelName, null);
    }

    Channel<?> channel;
    switch (registry.resolve(channelName)) {
      case EventRegistry.Resolution.InvalidName i -> {
        return fail(ErrorCode.INVALID_CHANNEL, "invalid channel: " + i.reason(), channelName, ref);
      }
      case EventRegistry.Resolution.UnknownFamily u -> {
        return fail(ErrorCode.UNKNOWN_CHANNEL, "no family '" + u.resource() + "' is registered",
            channelName, ref);
      }
      case EventRegistry.Resolution.Known k -> channel = k.channel();
    }
    return new Envelope(channel, channelName, type, data, ref);
  }

  private Decoded decode(Envelope env, Predicate<? super Channel<?>> joined) {
    Channel<?> channel = env.channel();
    String channelName = env.channelName();
    String type = env.type();
    JsonNode data = env.data();
    String ref = env.ref();
    Family<?> family = channel.family();
    if (type.equals(Names.REPLY)) {
      if (side == Side.CLIENT) {
        return decodeReply(channel, data, ref);
      }
      return fail(ErrorCode.UNKNOWN_TYPE, "'reply' is not accepted from clients", channelName, ref);
    }
    EventType<?> eventType = family.type(type).orElse(null);
    if (eventType == null) {
      return fail(ErrorCode.UNKNOWN_TYPE, "unknown type '" + type + "' in family '" + family.name()
          + "'", channelName, ref);
    }
    boolean accepted = side == Side.SERVER ? eventType.fromClient() : eventType.fromServer();
    if (!accepted) {
      return fail(ErrorCode.UNKNOWN_TYPE, "'" + type + "' is not accepted from "
          + (side == Side.SERVER ? "clients" : "servers"), channelName, ref);
    }
    if (family != Channels.GLOBAL && !joined.test(channel)) {
      return fail(ErrorCode.NOT_SUBSCRIBED, "not subscribed to '" + channelName + "'",
          channelName, ref);
    }
    Object bound = bind(eventType, data);
    if (bound instanceof String problem) {
      return fail(ErrorCode.INVALID_DATA, problem, channelName, ref);
    }
    Event event = (Event) bound;
    if (event instanceof ValidatedEvent v) {
      String problem = v.problemOn(channel);
      if (problem != null) {
        return fail(ErrorCode.INVALID_DATA, problem, channelName, ref);
      }
    }
    return event instanceof GlobalEvent g
        ? new Decoded.Control(g, ref)
        : new Decoded.Message(channel, event, ref);
  }

  /** The bound event, or a String saying why {@code data} does not fit. */
  private Object bind(EventType<?> type, JsonNode data) {
    String name = type.wireName();
    if (!data.isObject()) {
      return "'data' of '" + name + "' must be an object";
    }
    for (String field : type.requiredFields()) {
      JsonNode v = data.get(field);
      if (v == null || v.isNull()) {
        return "'data." + field + "' is required for '" + name + "'";
      }
    }
    try {
      return mapper.treeToValue(data, type.type());
    } catch (ValueInstantiationException e) {
      Throwable cause = e.getCause();
      String why = cause != null && cause.getMessage() != null ? cause.getMessage() : "invalid value";
      return "'data' of '" + name + "' is invalid: " + clip(why);
    } catch (JsonMappingException e) {
      String field = e.getPath().isEmpty() ? null : e.getPath().get(0).getFieldName();
      return field != null
          ? "'data." + field + "' has the wrong type for '" + name + "'"
          : "'data' does not fit '" + name + "'";
    } catch (JsonProcessingException | IllegalArgumentException e) {
      return "'data' does not fit '" + name + "'";
    }
  }

  private Decoded decodeReply(Channel<?> channel, JsonNode data, @Nullable String ref) {
    String name = channel.name();
    if (ref == null) {
      return fail(ErrorCode.INVALID_MESSAGE, "'reply' needs a 'ref'", name, null);
    }
    JsonNode status = data.get("status");
    Reply.Status s = null;
    for (Reply.Status candidate : Reply.Status.values()) {
      if (status != null && candidate.wire().equals(status.asText())) {
        s = candidate;
      }
    }
    if (!data.isObject() || s == null) {
      return fail(ErrorCode.INVALID_DATA, "'data.status' of 'reply' must be \"ok\" or \"error\"",
          name, ref);
    }
    JsonNode response = data.get("response");
    Object value;
    try {
      value = response == null || response.isNull() ? null : mapper.treeToValue(response, Object.class);
    } catch (JsonProcessingException e) {
      return fail(ErrorCode.INVALID_DATA, "'data.response' of 'reply' is unreadable", name, ref);
    }
    return new Decoded.ReplyMessage(channel, ref, new Reply(s, value));
  }

  /**
   * Converts a plain JSON value (as found in {@link Reply#response()}) to {@code type}; throws
   * {@link IllegalArgumentException} when it does not fit.
   */
  public <T> T convert(@Nullable Object value, Class<T> type) {
    return mapper.convertValue(value, type);
  }

  private static Decoded.Failure fail(ErrorCode code, String message, @Nullable String channel,
      @Nullable String ref) {
    String ch = channel == null || channel.length() <= Names.MAX_CHANNEL_LENGTH ? channel
        : channel.substring(0, Names.MAX_CHANNEL_LENGTH) + "…";
    return new Decoded.Failure(code, clip(message), ch, ref);
  }

  private static String clip(String s) {
    return s.length() <= MAX_DETAIL ? s : s.substring(0, MAX_DETAIL) + "…";
  }
}
