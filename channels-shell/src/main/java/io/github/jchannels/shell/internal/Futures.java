package io.github.jchannels.shell.internal;

import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Completion callbacks whose own failures are logged instead of lost in a future nobody reads. */
public final class Futures {
  private static final Logger log = LoggerFactory.getLogger(Futures.class);

  private Futures() {}

  /**
   * Runs {@code action} when {@code stage} completes, normally or not, like
   * {@link CompletionStage#whenComplete}. The stage {@code whenComplete} returns is for a caller
   * who waits; nobody waits for a callback's side effect, so an exception it throws is logged
   * here rather than kept in that stage.
   */
  public static <T> void whenDone(CompletionStage<T> stage,
      BiConsumer<? super @Nullable T, ? super @Nullable Throwable> action) {
    CompletionStage<T> unused = stage.whenComplete((value, error) -> {
      try {
        action.accept(value, error);
      } catch (RuntimeException e) {
        log.warn("a completion callback failed", e);
      }
    });
  }
}
