package io.github.jchannels.client;

import io.github.jchannels.core.Reply;
import org.jspecify.annotations.Nullable;

/**
 * A request or a subscription failed. {@link #code()} is the protocol's error code (e.g.
 * {@code unauthorized}, {@code internal_error}, the code of an error {@link Reply}) or one of
 * the client's own: {@link #CONNECTION_LOST}, {@link #DROPPED}, {@link #CLIENT_CLOSED},
 * {@link #QUEUE_FULL}, {@link #JOIN_TIMEOUT}, {@link #JOIN_FAILED}, or the lower-case
 * {@link ConnectionState.CloseReason} for a {@code connect()} future.
 */
public final class ChannelException extends RuntimeException {
  /** The connection closed after the request was sent and before its reply. */
  public static final String CONNECTION_LOST = "connection_lost";
  /** The request was dropped from a full send queue before it was sent. */
  public static final String DROPPED = "dropped";
  /** The client was closed. */
  public static final String CLIENT_CLOSED = "client_closed";
  /** Refused because {@link ChannelClient#queueSize()} would go over its cap. */
  public static final String QUEUE_FULL = "queue_full";
  /** A join got no answer within the join timeout (it is retried with backoff). */
  public static final String JOIN_TIMEOUT = "join_timeout";
  /** A {@code joinWith} function threw: the join event could not be made. */
  public static final String JOIN_FAILED = "join_failed";

  private final String code;
  private final @Nullable String channel;
  private final transient @Nullable Reply reply;

  /** A failure with a code, a human message, the channel and the error reply if any. */
  public ChannelException(String code, String message, @Nullable String channel,
      @Nullable Reply reply) {
    super(code + ": " + message);
    this.code = code;
    this.channel = channel;
    this.reply = reply;
  }

  /** The error code. */
  public String code() {
    return code;
  }

  /** The channel concerned, when known. */
  public @Nullable String channel() {
    return channel;
  }

  /** The {@code reply} with status error that caused this, if that was the cause. */
  public @Nullable Reply reply() {
    return reply;
  }
}
