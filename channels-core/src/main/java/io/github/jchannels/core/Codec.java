package io.github.jchannels.core;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import java.util.Objects;
import java.util.Optional;
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
 *
 * <p>The work is split in three steps, each its own class: {@code EnvelopeParser} (steps 2 to
 * 4, giving an {@code EnvelopeResult}), {@code EventDecoder} (steps 5 to 7) and
 * {@code FrameEncoder}; this class configures Jackson once for all three.
 */
public final class Codec {
  /** Which peer's frames this codec decodes. */
  enum Side { SERVER, CLIENT }

  private final EventRegistry registry;
  private final ObjectMapper mapper;
  private final EnvelopeParser envelopes;
  private final EventDecoder events;
  private final FrameEncoder encoder;

  private Codec(EventRegistry registry, Side side, CodecLimits limits) {
    this.registry = Objects.requireNonNull(registry, "registry");
    JsonFactory factory = JsonFactory.builder()
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
        .defaultPropertyInclusion(JsonInclude.Value.construct(JsonInclude.Include.NON_NULL,
            JsonInclude.Include.USE_DEFAULTS))
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
    this.envelopes = new EnvelopeParser(m, registry, limits.maxDocumentLength());
    this.events = new EventDecoder(m, side);
    this.encoder = new FrameEncoder(factory, m.writer(), side);
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
    return encoder.encodedFrames();
  }

  // ---------------------------------------------------------------- encoding

  /** Encodes {@code event} on {@code channel}; the frame can go to any number of receivers. */
  public <E extends Event> Frame encode(Channel<E> channel, E event) {
    return encoder.encode(channel, event, null);
  }

  /**
   * Encodes {@code event} on {@code channel} with an optional {@code ref}. Throws
   * {@link IllegalArgumentException} if the event is not of the channel's family or may not
   * be sent from this side.
   */
  public <E extends Event> Frame encode(Channel<E> channel, E event, @Nullable String ref) {
    return encoder.encode(channel, event, ref);
  }

  /** Encodes a {@code reply} to the request {@code ref} on {@code channel}. */
  public Frame encodeReply(Channel<?> channel, String ref, Reply reply) {
    return encoder.encodeReply(channel, ref, reply);
  }

  /** Encodes a {@code global} {@code error} event (a protocol error). */
  public Frame encodeError(ErrorCode code, String message, @Nullable String channel,
      @Nullable String ref) {
    return encoder.encodeError(code, message, channel, ref);
  }

  /** Encodes the answer to a decoding failure, echoing its channel and ref. */
  public Frame encodeError(Decoded.Failure failure) {
    return encoder.encodeError(failure.code(), failure.message(), failure.channel(),
        failure.ref());
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
    return switch (envelopes.parse(text)) {
      case EnvelopeResult.Rejected r -> r.failure();
      case EnvelopeResult.Parsed p -> events.decode(p, joined);
    };
  }

  /**
   * Checks only the envelope of untrusted text (section 7 steps 2 to 4: JSON object, fields,
   * channel syntax, registered family) and returns the failure, if any, without binding data.
   */
  public Optional<Decoded.Failure> checkEnvelope(String text) {
    return envelopes.parse(text) instanceof EnvelopeResult.Rejected r
        ? Optional.of(r.failure()) : Optional.empty();
  }

  /**
   * Converts a plain JSON value (as found in {@link Reply#response()}) to {@code type}; throws
   * {@link IllegalArgumentException} when it does not fit.
   */
  public <T> T convert(@Nullable Object value, Class<T> type) {
    return mapper.convertValue(value, type);
  }
}
