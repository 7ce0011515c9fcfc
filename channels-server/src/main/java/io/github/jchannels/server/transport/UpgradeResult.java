package io.github.jchannels.server.transport;

import java.util.Objects;

/**
 * The core's answer to an upgrade request ({@link ConnectionEvents#upgrade}): accept, or
 * refuse with an HTTP status and a reason for logs. Immutable.
 */
public final class UpgradeResult {
  private static final UpgradeResult ACCEPT = new UpgradeResult(101, "");

  private final int status;
  private final String reason;

  private UpgradeResult(int status, String reason) {
    this.status = status;
    this.reason = reason;
  }

  /** Complete the upgrade (HTTP 101). */
  public static UpgradeResult accept() {
    return ACCEPT;
  }

  /**
   * Refuse the upgrade with {@code status} (4xx or 5xx): 404 for an unknown path, 403 for a
   * disallowed origin, 503 while the server is closing or over a connection limit.
   */
  public static UpgradeResult refuse(int status, String reason) {
    if (status < 400 || status > 599) {
      throw new IllegalArgumentException("A refusal needs a 4xx or 5xx status: " + status);
    }
    return new UpgradeResult(status, Objects.requireNonNull(reason, "reason"));
  }

  /** Whether the upgrade is accepted. */
  public boolean accepted() {
    return status == 101;
  }

  /** 101 when accepted, else the HTTP status to refuse with. */
  public int status() {
    return status;
  }

  /** Why it was refused ("" when accepted); for logs, not for the peer. */
  public String reason() {
    return reason;
  }

  @Override
  public String toString() {
    return accepted() ? "UpgradeResult[accept]" : "UpgradeResult[" + status + " " + reason + "]";
  }
}
