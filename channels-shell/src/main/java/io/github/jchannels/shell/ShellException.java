package io.github.jchannels.shell;

/** A shell could not be started or used; {@link #code()} is the protocol's error code. */
public final class ShellException extends RuntimeException {
  private final String code;

  /** An exception with a wire error code and a human message. */
  public ShellException(String code, String message) {
    super(code + ": " + message);
    this.code = code;
  }

  /** The error code, e.g. {@code unauthorized} or {@code limit_exceeded}. */
  public String code() {
    return code;
  }
}
