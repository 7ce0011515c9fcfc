package io.github.jchannels.client.internal;

import io.github.jchannels.client.internal.transport.Utf8;
import io.github.jchannels.core.Channel;
import io.github.jchannels.core.Channels;
import io.github.jchannels.core.Codec;
import io.github.jchannels.core.Decoded;
import io.github.jchannels.core.Event;
import io.github.jchannels.core.EventType;
import io.github.jchannels.core.Frame;
import io.github.jchannels.core.Reply;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** Small helpers about frames: wire names for the message log, error details of replies. */
final class Frames {
  private Frames() {}

  /**
   * A frame to send, with what the message log shows of it and its UTF-8 size.
   *
   * @param ref the ref of the request it carries, null for other frames
   */
  record Outgoing(String channel, String type, Frame frame, @Nullable String ref, long bytes) {
    Outgoing(String channel, String type, Frame frame, @Nullable String ref) {
      this(channel, type, frame, ref, Utf8.length(frame.text()));
    }
  }

  /** Encodes {@code event} on a channel whose event type is not known statically. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  static Frame encode(Codec codec, Channel<?> channel, Event event, String ref) {
    Channel raw = channel;
    return codec.encode(raw, event, ref);
  }

  static String typeOf(Channel<?> channel, Event event) {
    return channel.family().type(event.getClass()).map(EventType::wireName).orElse("?");
  }

  static @Nullable String channelOf(Decoded d) {
    return switch (d) {
      case Decoded.Failure f -> f.channel();
      case Decoded.Control c -> Channels.global().name();
      case Decoded.ReplyMessage r -> r.channel().name();
      case Decoded.Message m -> m.channel().name();
    };
  }

  static @Nullable String typeOf(Decoded d) {
    return switch (d) {
      case Decoded.Failure f -> null;
      case Decoded.Control c -> typeOf(Channels.global(), c.event());
      case Decoded.ReplyMessage r -> "reply";
      case Decoded.Message m -> typeOf(m.channel(), m.event());
    };
  }

  /** The {@code error} code of an error reply's response, or {@code error}. */
  static String errorCode(Reply reply) {
    return field(reply, "error", "error");
  }

  /** The {@code message} of an error reply's response, or a generic text. */
  static String errorMessage(Reply reply) {
    return field(reply, "message", "request failed");
  }

  private static String field(Reply reply, String name, String fallback) {
    if (reply.response() instanceof Map<?, ?> m && m.get(name) != null) {
      return String.valueOf(m.get(name));
    }
    return fallback;
  }
}
