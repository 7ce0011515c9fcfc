package io.github.jchannels.client.internal;

import java.util.concurrent.ThreadFactory;
import org.jspecify.annotations.Nullable;

/** Daemon threads with a fixed name; remembers the last one so {@code close()} can recognise it. */
final class NamedThreads implements ThreadFactory {
  private final String name;
  /** The last thread made; the client's executors each make one. */
  private volatile @Nullable Thread last;

  NamedThreads(String name) {
    this.name = name;
  }

  /** Whether the calling thread is one this factory made last. */
  boolean isCurrent() {
    return Thread.currentThread() == last;
  }

  @Override
  public Thread newThread(Runnable r) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    last = t;
    return t;
  }
}
