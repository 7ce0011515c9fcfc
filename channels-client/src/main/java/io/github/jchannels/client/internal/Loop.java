package io.github.jchannels.client.internal;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's loop: one thread that owns all connection state. Tasks never block and never
 * run user code. Thread-safe.
 */
final class Loop {
  private static final Logger log = LoggerFactory.getLogger(Loop.class);

  private final NamedThreads threads;
  private final ExecutorService executor;

  Loop(String threadName) {
    this.threads = new NamedThreads(threadName);
    this.executor = Executors.newSingleThreadExecutor(threads);
  }

  /** Runs {@code r} on the loop; false once the loop is shut down. */
  boolean post(Runnable r) {
    try {
      executor.execute(() -> {
        try {
          r.run();
        } catch (RuntimeException e) {
          log.error("Client loop task failed", e);
        }
      });
      return true;
    } catch (RejectedExecutionException e) {
      return false;
    }
  }

  boolean isCurrentThread() {
    return threads.isCurrent();
  }

  /** Stops taking tasks, runs what is queued and ends, within {@code millis}. */
  void shutdown(long millis) throws InterruptedException {
    executor.shutdown();
    if (!isCurrentThread() && !executor.awaitTermination(millis, TimeUnit.MILLISECONDS)) {
      executor.shutdownNow();
    }
  }
}
