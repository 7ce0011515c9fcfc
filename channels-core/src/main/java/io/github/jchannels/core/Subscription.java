package io.github.jchannels.core;

/**
 * A handle on a registered handler; {@link #close()} removes it. Idempotent, never throws:
 * use it in try-with-resources or keep it and close it when the consumer goes away.
 */
public interface Subscription extends AutoCloseable {
  /** The channel the handler listens on. */
  Channel<?> channel();

  /** Removes the handler; later calls do nothing. */
  @Override
  void close();
}
