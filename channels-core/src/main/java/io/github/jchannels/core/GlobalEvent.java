package io.github.jchannels.core;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The {@code global} family: connection-level control (PROTOCOL.md section 5). Its
 * channel is {@code global}, without an id.
 */
public sealed interface GlobalEvent extends Event {

  /** Global events a server sends. */
  sealed interface ToClient extends GlobalEvent, ServerEvent
      permits Connected, SubscriptionSuccess, SubscriptionError, Unsubscribed, Pong,
      ProtocolError {}

  /** Global events a client sends. */
  sealed interface ToServer extends GlobalEvent, ClientEvent
      permits Subscribe, Unsubscribe, Ping {}

  /** The server's first frame: after it the client is ready. */
  @WireType("connected")
  record Connected(String clientId, long serverTime, long heartbeatIntervalMs) implements ToClient {
    public Connected {
      Objects.requireNonNull(clientId, "clientId");
    }
  }

  /** Join a channel. */
  @WireType("subscribe")
  record Subscribe(String channel) implements ToServer {
    public Subscribe {
      Objects.requireNonNull(channel, "channel");
    }
  }

  /** The channel was joined (also answers a repeated subscribe). */
  @WireType("subscription_success")
  record SubscriptionSuccess(String channel) implements ToClient {
    public SubscriptionSuccess {
      Objects.requireNonNull(channel, "channel");
    }
  }

  /**
   * The channel was not joined. {@code error} is one of {@code unauthorized},
   * {@code unknown_channel}, {@code invalid_channel}, {@code limit_exceeded}.
   */
  @WireType("subscription_error")
  record SubscriptionError(String channel, String error, String message) implements ToClient {
    public SubscriptionError {
      Objects.requireNonNull(channel, "channel");
      Objects.requireNonNull(error, "error");
      Objects.requireNonNull(message, "message");
    }
  }

  /** Leave a channel. */
  @WireType("unsubscribe")
  record Unsubscribe(String channel) implements ToServer {
    public Unsubscribe {
      Objects.requireNonNull(channel, "channel");
    }
  }

  /** The channel was left (idempotent). */
  @WireType("unsubscribed")
  record Unsubscribed(String channel) implements ToClient {
    public Unsubscribed {
      Objects.requireNonNull(channel, "channel");
    }
  }

  /** Application-level heartbeat; answered at once with {@link Pong}. */
  @WireType("ping")
  record Ping(long timestamp) implements ToServer {}

  /** Answer to {@link Ping}, echoing its timestamp unchanged. */
  @WireType("pong")
  record Pong(long timestamp) implements ToClient {}

  /**
   * A protocol error (PROTOCOL.md section 7), sent to the offending connection only.
   * {@code channel} is the offending frame's channel when it was readable.
   */
  @WireType("error")
  record ProtocolError(String error, String message, @Nullable String channel) implements ToClient {
    public ProtocolError {
      Objects.requireNonNull(error, "error");
      Objects.requireNonNull(message, "message");
    }
  }
}
