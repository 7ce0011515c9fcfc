package io.github.jchannels.client;

import org.jspecify.annotations.Nullable;

/**
 * A problem a {@link ChannelClient} reports to its error listeners: a {@code global}
 * {@code error} from the server that answers no pending request, a {@code subscription_error},
 * a malformed frame from the server ({@code code} {@code invalid_frame}), a server-initiated
 * {@code unsubscribed} ({@code unsubscribed}), a join without answer ({@code join_timeout}),
 * a {@code joinWith} function that threw ({@code join_failed}), or a token provider that
 * failed ({@code token_failed}).
 *
 * @param code the protocol error code (or {@code invalid_frame})
 * @param message a human message
 * @param channel the channel concerned, if known
 * @param ref the ref echoed by the server, if any
 */
public record ClientError(String code, String message, @Nullable String channel,
    @Nullable String ref) {
  /** The code used for frames from the server that could not be decoded. */
  public static final String INVALID_FRAME = "invalid_frame";
  /**
   * The server ended a subscription by itself ({@code unsubscribed} that the client did not
   * ask for): the channel's handlers stay but receive nothing; the client joins again only
   * when a handler is added to the channel or after the next reconnection (as after a refused
   * join), never by itself on the same connection.
   */
  public static final String UNSUBSCRIBED = "unsubscribed";
  /** The token provider failed or timed out; the attempt is retried with backoff. */
  public static final String TOKEN_FAILED = "token_failed";
}
