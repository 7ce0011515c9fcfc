package io.github.jchannels.test.client;

import io.github.jchannels.client.ConnectionState;
import java.time.Duration;

/** Records a client's state changes ({@code client.addStateListener(recorder)}). */
public final class RecordingStateListener extends Recorder<ConnectionState> {
  public RecordingStateListener() {
    super("state change");
  }

  /** The next state of {@code type}, skipping others, within {@code timeout}. */
  public <S extends ConnectionState> S takeState(Class<S> type, Duration timeout)
      throws InterruptedException {
    return type.cast(take(type::isInstance, timeout));
  }

  /** The next {@code Ready}, skipping others. */
  public ConnectionState.Ready takeReady(Duration timeout) throws InterruptedException {
    return takeState(ConnectionState.Ready.class, timeout);
  }
}
