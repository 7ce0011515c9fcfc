package io.github.jchannels.test.client;

import io.github.jchannels.client.ClientError;
import java.time.Duration;

/** Records a client's errors ({@code client.addErrorListener(recorder)}). */
public final class RecordingErrorListener extends Recorder<ClientError> {
  public RecordingErrorListener() {
    super("client error");
  }

  /** The next error with {@code code}, skipping others, within {@code timeout}. */
  public ClientError takeError(String code, Duration timeout) throws InterruptedException {
    return take(e -> e.code().equals(code), timeout);
  }
}
