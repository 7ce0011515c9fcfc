package io.github.jchannels.server;

import java.net.InetSocketAddress;
import java.security.Principal;
import java.time.Instant;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A snapshot of one connection.
 *
 * @param id the connection id (the {@code clientId} of its welcome event)
 * @param path the endpoint path it connected to, e.g. {@code /ws}
 * @param principal who it authenticated as, or null when anonymous
 * @param remoteAddress the peer's address, when known
 * @param connectedAt when the handshake completed
 * @param channels the channels it has joined on the channels endpoint
 * @param bufferedBytes bytes queued for it that the peer has not taken yet
 */
public record ConnectionInfo(String id, String path, @Nullable Principal principal,
    @Nullable InetSocketAddress remoteAddress, Instant connectedAt, Set<String> channels,
    long bufferedBytes) {

  /** Copies {@code channels}. */
  public ConnectionInfo {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(connectedAt, "connectedAt");
    channels = Set.copyOf(channels);
  }
}
