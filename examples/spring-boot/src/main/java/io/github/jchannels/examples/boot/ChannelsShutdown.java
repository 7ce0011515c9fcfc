package io.github.jchannels.examples.boot;

import io.github.jchannels.server.ChannelServer;
import org.springframework.context.SmartLifecycle;

/**
 * Closes the channel server when the application context stops, before the embedded server
 * does: lifecycles stop in descending phase order, and this one has the highest phase, so every
 * connection gets the server's own close (1001 {@code server shutdown}, then a bounded wait for
 * the clients' close frames) while the container still runs. Without it, Boot would stop the
 * embedded server first and the channel server's destroy method would find the connections
 * already dropped by the container.
 */
public final class ChannelsShutdown implements SmartLifecycle {
  private final ChannelServer server;
  private volatile boolean running;

  /** Closes {@code server} on stop. */
  public ChannelsShutdown(ChannelServer server) {
    this.server = server;
  }

  /** Nothing to start: the server starts with its bean, before the connector accepts. */
  @Override
  public void start() {
    running = true;
  }

  /** Closes the server (1001 to every connection); idempotent. */
  @Override
  public void stop() {
    running = false;
    server.close();
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  /** The highest phase: stopped first, before the web server's lifecycles. */
  @Override
  public int getPhase() {
    return SmartLifecycle.DEFAULT_PHASE;
  }
}
