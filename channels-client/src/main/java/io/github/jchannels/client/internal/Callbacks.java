package io.github.jchannels.client.internal;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's callback thread: runs user code (handlers, listeners, future completions) one
 * task at a time, in submission order. Thread-safe.
 */
final class Callbacks {
  private static final Logger log = LoggerFactory.getLogger(Callbacks.class);

  private final NamedThreads threads;
  private final ExecutorService executor;

  Callbacks(String threadName) {
    this.threads = new NamedThreads(threadName);
    this.executor = Executors.newSingleThreadExecutor(threads);
  }

  /** Runs {@code r} on the callback thread; dropped (and logged) after {@link #shutdown}. */
  void run(Runnable r) {
    try {
      executor.execute(r);
    } catch (RejectedExecutionException e) {
      log.debug("Callback dropped after close");
    }
  }

  <T> void complete(CompletableFuture<T> f, @Nullable T value) {
    run(() -> f.complete(value));
  }

  void fail(CompletableFuture<?> f, Throwable t) {
    run(() -> f.completeExceptionally(t));
  }

  void cancel(List<? extends CompletableFuture<?>> futures) {
    if (!futures.isEmpty()) {
      List<? extends CompletableFuture<?>> copy = List.copyOf(futures);
      run(() -> copy.forEach(f -> f.cancel(false)));
    }
  }

  /** Whether the caller runs on the callback thread. */
  boolean isCurrentThread() {
    return threads.isCurrent();
  }

  /**
   * Lets queued callbacks finish within {@code millis}, then ends the thread; when a handler
   * is stuck the thread is interrupted and left to end by itself. Never waits on itself.
   */
  void shutdown(long millis) throws InterruptedException {
    executor.shutdown();
    if (isCurrentThread()) {
      return;
    }
    if (!executor.awaitTermination(millis, TimeUnit.MILLISECONDS)) {
      log.warn("A handler or listener is still running after {} ms; interrupting it", millis);
      executor.shutdownNow();
    }
  }
}
