package io.github.jchannels.core;

import static io.github.jchannels.core.CodecFailures.clip;
import static io.github.jchannels.core.CodecFailures.fail;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * The decoding step after the envelope (PROTOCOL.md section 7, steps 5 to 7): the type is
 * known and accepted from the peer, the channel is joined, and {@code data} binds to the event
 * record and passes its own validation. Thread-safe.
 */
final class EventDecoder {
  private final ObjectMapper mapper;
  private final Codec.Side side;

  EventDecoder(ObjectMapper mapper, Codec.Side side) {
    this.mapper = mapper;
    this.side = side;
  }

  /** Decodes a parsed envelope; never throws on bad input. */
  Decoded decode(EnvelopeResult.Parsed env, Predicate<? super Channel<?>> joined) {
    Channel<?> channel = env.channel();
    String channelName = env.channelName();
    String type = env.type();
    JsonNode data = env.data();
    String ref = env.ref();
    Family<?> family = channel.family();
    if (type.equals(Names.REPLY)) {
      if (side == Codec.Side.CLIENT) {
        return decodeReply(channel, data, ref);
      }
      return fail(ErrorCode.UNKNOWN_TYPE, "'reply' is not accepted from clients", channelName,
          ref);
    }
    EventType<?> eventType = family.type(type).orElse(null);
    if (eventType == null) {
      return fail(ErrorCode.UNKNOWN_TYPE, "unknown type '" + type + "' in family '"
          + family.name() + "'", channelName, ref);
    }
    boolean accepted = side == Codec.Side.SERVER ? eventType.fromClient() : eventType.fromServer();
    if (!accepted) {
      return fail(ErrorCode.UNKNOWN_TYPE, "'" + type + "' is not accepted from "
          + (side == Codec.Side.SERVER ? "clients" : "servers"), channelName, ref);
    }
    if (family != Channels.GLOBAL && !joined.test(channel)) {
      return fail(ErrorCode.NOT_SUBSCRIBED, "not subscribed to '" + channelName + "'",
          channelName, ref);
    }
    Bound bound = bind(eventType, data);
    if (bound instanceof Bound.Unfit(String problem)) {
      return fail(ErrorCode.INVALID_DATA, problem, channelName, ref);
    }
    Event event = ((Bound.Fit) bound).event();
    if (event instanceof ValidatedEvent v) {
      String problem = v.problemOn(channel);
      if (problem != null) {
        return fail(ErrorCode.INVALID_DATA, problem, channelName, ref);
      }
    }
    return event instanceof GlobalEvent g
        ? new Decoded.Control(g, ref)
        : new Decoded.Message(channel, event, ref,
            side == Codec.Side.CLIENT ? env.position() : null);
  }

  /** The outcome of binding {@code data} to an event record. */
  private sealed interface Bound {
    record Fit(Event event) implements Bound {}

    record Unfit(String problem) implements Bound {}
  }

  private Bound bind(EventType<?> type, JsonNode data) {
    String name = type.wireName();
    if (!data.isObject()) {
      return new Bound.Unfit("'data' of '" + name + "' must be an object");
    }
    for (String field : type.requiredFields()) {
      JsonNode v = data.get(field);
      if (v == null || v.isNull()) {
        return new Bound.Unfit("'data." + field + "' is required for '" + name + "'");
      }
    }
    try {
      return new Bound.Fit(mapper.treeToValue(data, type.type()));
    } catch (ValueInstantiationException e) {
      Throwable cause = e.getCause();
      String why = cause != null && cause.getMessage() != null ? cause.getMessage()
          : "invalid value";
      return new Bound.Unfit("'data' of '" + name + "' is invalid: " + clip(why));
    } catch (JsonMappingException e) {
      String field = e.getPath().isEmpty() ? null : e.getPath().get(0).getFieldName();
      return new Bound.Unfit(field != null
          ? "'data." + field + "' has the wrong type for '" + name + "'"
          : "'data' does not fit '" + name + "'");
    } catch (JsonProcessingException | IllegalArgumentException e) {
      return new Bound.Unfit("'data' does not fit '" + name + "'");
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
      value = response == null || response.isNull() ? null
          : mapper.treeToValue(response, Object.class);
    } catch (JsonProcessingException e) {
      return fail(ErrorCode.INVALID_DATA, "'data.response' of 'reply' is unreadable", name, ref);
    }
    return new Decoded.ReplyMessage(channel, ref, new Reply(s, value));
  }
}
