package io.github.jchannels.core;

/** The protocol's error codes (PROTOCOL.md sections 5 and 7), with their wire spelling. */
public enum ErrorCode {
  /** Not JSON, not an object, or a missing, null or mistyped envelope field. */
  INVALID_MESSAGE("invalid_message"),
  /** A malformed channel name, or one that does not fit its family's id rules. */
  INVALID_CHANNEL("invalid_channel"),
  /** No family is registered for the channel's resource. */
  UNKNOWN_CHANNEL("unknown_channel"),
  /** Unknown type in a known family, or a type not accepted from this side. */
  UNKNOWN_TYPE("unknown_type"),
  /** An event on a channel the connection has not joined. */
  NOT_SUBSCRIBED("not_subscribed"),
  /** {@code data} does not fit the event's schema. */
  INVALID_DATA("invalid_data"),
  /** Too many messages in too short a time. */
  RATE_LIMITED("rate_limited"),
  /** A handler failed; no internals are disclosed. */
  INTERNAL_ERROR("internal_error"),
  /** Credentials rejected, or a subscription not allowed. */
  UNAUTHORIZED("unauthorized"),
  /** Too many subscriptions (or shells) for this connection. */
  LIMIT_EXCEEDED("limit_exceeded");

  private final String wire;

  ErrorCode(String wire) {
    this.wire = wire;
  }

  /** The code as it is written on the wire. */
  public String wire() {
    return wire;
  }

  @Override
  public String toString() {
    return wire;
  }
}
