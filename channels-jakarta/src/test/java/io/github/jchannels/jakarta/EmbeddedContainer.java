package io.github.jchannels.jakarta;

import jakarta.servlet.ServletContext;
import java.util.function.Consumer;

/** A real servlet container with Jakarta WebSocket, on 127.0.0.1 and a free port. */
interface EmbeddedContainer extends AutoCloseable {
  /** The container's name for test reports. */
  String name();

  /**
   * Starts the container; {@code init} runs while the servlet context initialises, after the
   * container's WebSocket support (so it can {@link JakartaTransport#mount} a transport).
   */
  EmbeddedContainer start(Consumer<ServletContext> init) throws Exception;

  /** The bound port, after start. */
  int port();

  /** Stops the container and releases its threads and port. */
  @Override
  void close() throws Exception;
}
