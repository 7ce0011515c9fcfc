package io.github.jchannels.client.internal;

import io.github.jchannels.client.ClientError;
import io.github.jchannels.client.ConnectionState;
import io.github.jchannels.client.ListenerHandle;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** State and error listeners, called on the callback thread, each one contained. */
final class Listeners {
  private static final Logger log = LoggerFactory.getLogger(Listeners.class);

  private final Callbacks callbacks;
  private final Metrics metrics;
  private final CopyOnWriteArrayList<Consumer<? super ConnectionState>> states =
      new CopyOnWriteArrayList<>();
  private final CopyOnWriteArrayList<Consumer<? super ClientError>> errors =
      new CopyOnWriteArrayList<>();

  Listeners(Callbacks callbacks, Metrics metrics) {
    this.callbacks = callbacks;
    this.metrics = metrics;
  }

  ListenerHandle addState(Consumer<? super ConnectionState> l) {
    states.add(l);
    return () -> states.remove(l);
  }

  ListenerHandle addError(Consumer<? super ClientError> l) {
    errors.add(l);
    return () -> errors.remove(l);
  }

  void state(ConnectionState s) {
    callbacks.run(() -> {
      for (Consumer<? super ConnectionState> l : states) {
        try {
          l.accept(s);
        } catch (RuntimeException e) {
          metrics.listenerError();
          log.error("State listener failed on {}", s, e);
        }
      }
    });
  }

  void error(ClientError err) {
    callbacks.run(() -> {
      for (Consumer<? super ClientError> l : errors) {
        try {
          l.accept(err);
        } catch (RuntimeException e) {
          metrics.listenerError();
          log.error("Error listener failed on {}", err, e);
        }
      }
    });
  }
}
