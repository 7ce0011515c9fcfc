package io.github.jchannels.shell.internal;

/** The shell could not be started; {@link #code()} is the wire error code sent to clients. */
public final class ShellStartException extends Exception {
  private final String code;

  ShellStartException(String code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  ShellStartException(String code, String message) {
    super(message);
    this.code = code;
  }

  /** The message given to the constructor: never null. */
  @Override
  public String getMessage() {
    String m = super.getMessage();
    return m != null ? m : code;
  }

  /** {@code command_not_found} or {@code start_failed}. */
  public String code() {
    return code;
  }
}
