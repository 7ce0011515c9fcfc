package io.github.jchannels.client.internal;

import java.util.concurrent.ThreadFactory;

/** Daemon threads named {@code prefix}, remembered so {@code close()} can tell whose they are. */
final class NamedThreads implements ThreadFactory {
  private final String name;

  NamedThreads(String name) {
    this.name = name;
  }

  @Override
  public Thread newThread(Runnable r) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }
}
