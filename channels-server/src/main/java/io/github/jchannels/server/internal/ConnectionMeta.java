package io.github.jchannels.server.internal;

import java.net.InetSocketAddress;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/** What a transport knows of a connection beyond the core SPI; optional for connections. */
public interface ConnectionMeta {
  /** The endpoint path. */
  String path();

  /** The peer's address, when known. */
  @Nullable InetSocketAddress remoteAddress();

  /** When it was opened. */
  Instant connectedAt();
}
