package io.github.jchannels.server.broker;

import org.jspecify.annotations.Nullable;

/**
 * A broker operation failed: the broker could not be reached, refused the command or did not
 * answer in time. The cause, when there is one, is the broker client's own error.
 */
public class BrokerException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** A failure described by {@code message}, caused by {@code cause}. */
  public BrokerException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }

  /** A failure described by {@code message}. */
  public BrokerException(String message) {
    super(message);
  }
}
