package io.github.jchannels.core;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The ready-made {@code session} family for streaming work such as agent sessions
 * (PROTOCOL.md section 10). Channels are {@code session:<id>} with a one-segment id.
 *
 * <p>A client switches exhaustively over {@link ToClient}; a server handler over
 * {@link ToServer}. {@link TypingIndicator} travels both ways.
 */
public sealed interface SessionEvent extends Event {

  /** Session events a server sends. */
  sealed interface ToClient extends SessionEvent, ServerEvent
      permits StreamOutput, MessageComplete, SessionError, SubscribeSuccess, ProgressUpdate,
      TypingIndicator {}

  /** Session events a client sends. */
  sealed interface ToServer extends SessionEvent, ClientEvent
      permits SendMessage, TypingIndicator {}

  /** A piece of streamed output. */
  @WireType("stream_output")
  record StreamOutput(String sessionId, String message, long timestamp) implements ToClient {
    public StreamOutput {
      Objects.requireNonNull(sessionId, "sessionId");
      Objects.requireNonNull(message, "message");
    }
  }

  /** The streamed message is complete. */
  @WireType("message_complete")
  record MessageComplete(String sessionId, String messageId) implements ToClient {
    public MessageComplete {
      Objects.requireNonNull(sessionId, "sessionId");
      Objects.requireNonNull(messageId, "messageId");
    }
  }

  /** An application error in the session (not a protocol error). */
  @WireType("error")
  record SessionError(String sessionId, String error) implements ToClient {
    public SessionError {
      Objects.requireNonNull(sessionId, "sessionId");
      Objects.requireNonNull(error, "error");
    }
  }

  /** The family's welcome event, sent right after {@code subscription_success}. */
  @WireType("subscribe_success")
  record SubscribeSuccess(String sessionId) implements ToClient {
    public SubscribeSuccess {
      Objects.requireNonNull(sessionId, "sessionId");
    }
  }

  /** Progress of long work; {@code message} is optional. */
  @WireType("progress_update")
  record ProgressUpdate(String sessionId, long progress, long total, @Nullable String message)
      implements ToClient {
    public ProgressUpdate {
      Objects.requireNonNull(sessionId, "sessionId");
    }
  }

  /** Someone is (not) typing; travels both ways. */
  @WireType("typing_indicator")
  record TypingIndicator(String sessionId, String userId, String userName,
      @JsonProperty("isTyping") boolean isTyping) implements ToClient, ToServer {
    public TypingIndicator {
      Objects.requireNonNull(sessionId, "sessionId");
      Objects.requireNonNull(userId, "userId");
      Objects.requireNonNull(userName, "userName");
    }
  }

  /**
   * A user message. {@code sessionId}, when given, must equal the channel's id;
   * {@code timestamp} is optional epoch milliseconds.
   */
  @WireType("send_message")
  record SendMessage(String message, @Nullable String sessionId, @Nullable Long timestamp)
      implements ToServer, ValidatedEvent {
    public SendMessage {
      Objects.requireNonNull(message, "message");
    }

    /** A message with neither session id nor timestamp. */
    public SendMessage(String message) {
      this(message, null, null);
    }

    @Override
    public @Nullable String problemOn(Channel<?> channel) {
      if (sessionId != null && !channel.id().map(sessionId::equals).orElse(false)) {
        return "sessionId '" + sessionId + "' does not match channel '" + channel.name() + "'";
      }
      return null;
    }
  }
}
