package io.github.jchannels.shell;

/**
 * Receives what a {@link ShellClient}'s shell does. Every method has an empty default. Calls
 * come from the client's single callback thread, one at a time, in the order of the frames;
 * a listener that throws is logged and does not stop the others.
 */
public interface ShellListener {

  /**
   * The shell is running with this size: answers the first {@code init}, and again every
   * re-{@code init} after a reconnection (a new shell if the old one ended meanwhile).
   */
  default void onStart(String shellId, int cols, int rows) {}

  /** Terminal output, never split inside a character. */
  default void onOutput(String text) {}

  /** The program ended with {@code exitCode} (128+n for death by signal n). */
  default void onExit(int exitCode) {}

  /**
   * A failure: a shell {@code error} ({@code unauthorized}, {@code limit_exceeded},
   * {@code command_not_found}, {@code start_failed}, {@code input_overflow},
   * {@code idle_timeout}, {@code unavailable}) or a protocol error of the connection.
   */
  default void onError(String code, String message) {}
}
