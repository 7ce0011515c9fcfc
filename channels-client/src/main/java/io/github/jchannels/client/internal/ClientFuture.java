package io.github.jchannels.client.internal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * A future the client completes on its own threads. Waiting for it ({@link #get()},
 * {@link #join()} ...) from one of those threads would wait forever, so it throws
 * {@link IllegalStateException} at once instead. Dependent stages are client futures too.
 */
final class ClientFuture<T> extends CompletableFuture<T> {
  private final BooleanSupplier onClientThread;

  ClientFuture(BooleanSupplier onClientThread) {
    this.onClientThread = onClientThread;
  }

  @Override
  public <U> CompletableFuture<U> newIncompleteFuture() {
    return new ClientFuture<>(onClientThread);
  }

  private void check() {
    if (!isDone() && onClientThread.getAsBoolean()) {
      throw new IllegalStateException("Blocking on a channels client future from the client's "
          + "own thread (" + Thread.currentThread().getName() + ") would deadlock: the future is "
          + "completed on this very thread. Chain with thenAccept/whenComplete instead, or wait "
          + "from a thread of your own.");
    }
  }

  @Override
  public T get() throws InterruptedException, ExecutionException {
    check();
    return super.get();
  }

  @Override
  public T get(long timeout, TimeUnit unit)
      throws InterruptedException, ExecutionException, TimeoutException {
    check();
    return super.get(timeout, unit);
  }

  @Override
  public T join() {
    check();
    return super.join();
  }
}
