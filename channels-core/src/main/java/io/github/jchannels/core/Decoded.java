package io.github.jchannels.core;

import org.jspecify.annotations.Nullable;

/**
 * What {@link Codec#decode} made of untrusted text: exactly one of a known channel event, a
 * control message of the {@code global} family, a reply, or a precise failure.
 */
public sealed interface Decoded {

  /**
   * An event of a non-global family, bound to its record. {@code position} is the event's
   * {@code epoch} and {@code seq} (PROTOCOL.md section 11) when a client codec decoded a
   * broadcast on a channel with history; null otherwise (a server codec ignores both fields).
   */
  record Message(Channel<?> channel, Event event, @Nullable String ref,
      GlobalEvent.@Nullable Since position) implements Decoded {

    /** A message without a stream position. */
    public Message(Channel<?> channel, Event event, @Nullable String ref) {
      this(channel, event, ref, null);
    }
  }

  /** A {@code global} event (subscribe, ping, connected, pong, error, ...). */
  record Control(GlobalEvent event, @Nullable String ref) implements Decoded {}

  /** A {@code reply} to a request (only decoded on the client side). */
  record ReplyMessage(Channel<?> channel, String ref, Reply reply) implements Decoded {}

  /**
   * Input that the protocol rejects. {@code channel} and {@code ref} are set when they were
   * readable, so the answer can echo them.
   */
  record Failure(ErrorCode code, String message, @Nullable String channel, @Nullable String ref)
      implements Decoded {}
}
