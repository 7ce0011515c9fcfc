package io.github.jchannels.jakarta;

import jakarta.servlet.ServletContext;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/** A real servlet container with Jakarta WebSocket, on 127.0.0.1 and a free port. */
interface EmbeddedContainer extends AutoCloseable {
  /** The container's name for test reports. */
  String name();

  /**
   * Starts the container; {@code init} runs while the servlet context initialises, after the
   * container's WebSocket support (so it can {@link JakartaTransport#mount} a transport).
   */
  default EmbeddedContainer start(Consumer<ServletContext> init) throws Exception {
    return start(init, null);
  }

  /** Like {@link #start(Consumer)}, serving TLS from {@code keyStore} (PKCS12) when not null. */
  EmbeddedContainer start(Consumer<ServletContext> init, @Nullable KeyStoreFile keyStore)
      throws Exception;

  /** A PKCS12 key store file and its password (also the key's). */
  record KeyStoreFile(Path path, String password) {}

  /** The bound port, after start. */
  int port();

  /**
   * Stops the container and releases its threads and port. Unchecked: a container that does
   * not stop fails the test with an {@link IllegalStateException}.
   */
  @Override
  void close();
}
