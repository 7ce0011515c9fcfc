package io.github.jchannels.client;

import org.jspecify.annotations.Nullable;

/**
 * A problem a {@link ChannelClient} reports to its error listeners: a {@code global}
 * {@code error} from the server that answers no pending request, a {@code subscription_error},
 * or a malformed frame from the server ({@code code} {@code invalid_frame}).
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
}
