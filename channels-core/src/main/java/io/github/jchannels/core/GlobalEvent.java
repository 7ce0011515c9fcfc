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

  /**
   * Join a channel; {@code since}, when present, is the last position the client delivered on
   * it, and asks the server to recover what followed (PROTOCOL.md section 11).
   */
  @WireType("subscribe")
  record Subscribe(String channel, @Nullable Since since) implements ToServer {
    public Subscribe {
      Objects.requireNonNull(channel, "channel");
    }

    /** A subscribe without a position. */
    public Subscribe(String channel) {
      this(channel, null);
    }
  }

  /**
   * A position in a channel's stream (PROTOCOL.md section 11): an epoch of 1-64 characters and
   * a seq of 0 or more.
   */
  record Since(String epoch, long seq) {
    public Since {
      Objects.requireNonNull(epoch, "epoch");
      if (epoch.isEmpty() || epoch.length() > 64) {
        throw new IllegalArgumentException("epoch must be 1-64 characters");
      }
      if (seq < 0) {
        throw new IllegalArgumentException("seq must be >= 0: " + seq);
      }
    }
  }

  /**
   * The channel was joined (also answers a repeated subscribe). On a channel whose family keeps
   * history it also carries {@code recoverable: true}, the stream's {@code epoch} and top
   * {@code seq}, and, when the subscribe carried {@code since}, whether every missed event
   * follows ({@code recovered}). {@code since} on a family without history gets
   * {@code recoverable: false} and nothing else. Absent fields are not sent.
   */
  @WireType("subscription_success")
  record SubscriptionSuccess(String channel, @Nullable Boolean recoverable,
      @Nullable Boolean recovered, @Nullable String epoch, @Nullable Long seq)
      implements ToClient {
    public SubscriptionSuccess {
      Objects.requireNonNull(channel, "channel");
    }

    /** A plain success (version 1). */
    public SubscriptionSuccess(String channel) {
      this(channel, null, null, null, null);
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
