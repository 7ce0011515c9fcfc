package io.github.jchannels.core.time;

/** A scheduled task that has not run yet can be cancelled. */
@FunctionalInterface
public interface Cancellable {
  /** A handle whose {@link #cancel()} does nothing (for a task that was never scheduled). */
  Cancellable NONE = () -> false;

  /**
   * Cancels the task if it has not started. Idempotent.
   *
   * @return true if this call stopped the task from running
   */
  boolean cancel();
}
