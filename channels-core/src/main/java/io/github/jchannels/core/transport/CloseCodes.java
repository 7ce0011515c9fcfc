package io.github.jchannels.core.transport;

/** The WebSocket close codes the protocol uses (RFC 6455 section 7.4). */
public final class CloseCodes {
  /** Normal closure: the client does not reconnect. */
  public static final int NORMAL = 1000;
  /** Going away (server shutdown): the client reconnects. */
  public static final int GOING_AWAY = 1001;
  /** Binary frame on the JSON protocol. */
  public static final int UNSUPPORTED_DATA = 1003;
  /** No close frame (abnormal closure): the client reconnects. */
  public static final int ABNORMAL = 1006;
  /** Policy violation: bad credentials or persistent rate limit; no reconnect. */
  public static final int POLICY_VIOLATION = 1008;
  /** Frame over the size limit; no reconnect. */
  public static final int TOO_BIG = 1009;
  /** Server error: the client reconnects. */
  public static final int INTERNAL_ERROR = 1011;
  /** Try again later (slow consumer): the client reconnects. */
  public static final int TRY_AGAIN_LATER = 1013;

  private CloseCodes() {}
}
