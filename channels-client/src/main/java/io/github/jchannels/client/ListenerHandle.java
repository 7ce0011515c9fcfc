package io.github.jchannels.client;

/** Removes a listener added to a {@link ChannelClient}. Idempotent. */
public interface ListenerHandle extends AutoCloseable {
  /** Removes the listener; later calls do nothing. */
  @Override
  void close();
}
